"""Safe Markdown: markdown-it-py renders CommonMark, nh3 (ammonia) removes anything unsafe."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)

#: Tags a README may use; everything else is stripped (its text kept).
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}


def render_markdown(text: str) -> str:
    """Render Markdown ``text`` to sanitized HTML safe to mark safe in a template.

    Raw HTML in the source is escaped (``html: False``) and the output is
    cleaned with nh3: only ``ALLOWED_TAGS``, only http(s) and mailto links,
    links get ``rel="nofollow noopener noreferrer"``.
    """
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
