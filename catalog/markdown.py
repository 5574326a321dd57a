"""Safe Markdown: markdown-it-py renders CommonMark, nh3 (ammonia) removes anything unsafe.

Images (README, "Configuration", ``README_IMAGE_HOSTS``): a visitor's browser
loads a README image only from this site or from a host the operator allowed,
so an author cannot learn who reads the listing. An image whose address is a
path inside the package is shown from ``catalog:release-image`` (the caller
passes ``image_url``, which turns the member path into that address); an
``https`` image on a host of ``settings.README_IMAGE_HOSTS`` is kept as it is;
any other image becomes a link to its address (its alt text as the link
text), or only its alt text when the address is not a web address.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import nh3
from argent_pkg.archive import check_member_path
from django.conf import settings
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

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
#: File name endings of the package images shown inline (``catalog.release_images`` serves these types).
INLINE_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def image_member_path(src: str) -> str | None:
    """The package member a README image address names, or None when it names none.

    ``src`` is the address as written in the Markdown (markdown-it has
    percent-encoded it). A member address has no scheme and no host, and its
    path, percent-decoded and without a leading ``./``, passes the member path
    rules of the package format (``argent_pkg.archive.check_member_path``:
    relative, no ``..``, no NUL or control character, no backslash, NFC).
    Query and fragment are ignored. Only the types of
    :data:`INLINE_IMAGE_SUFFIXES` count (SVG is never shown inline).
    """
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path, problem = check_member_path(unquote(parts.path))
    if problem is not None or not path:
        return None
    if not path.lower().endswith(INLINE_IMAGE_SUFFIXES):
        return None
    return path


def remote_image_allowed(src: str) -> bool:
    """Whether the remote image address ``src`` may be loaded by visitors' browsers.

    True for an ``https`` address without user name, password or port whose
    host (case-insensitive) is in ``settings.README_IMAGE_HOSTS``, the hosts
    that the ``img-src`` directive of the Content-Security-Policy also allows.
    """
    try:
        parts = urlsplit(src)
        host, port = parts.hostname, parts.port
    except ValueError:
        return False
    allowed = {name.lower() for name in settings.README_IMAGE_HOSTS}
    return (
        parts.scheme == "https"
        and host is not None
        and port is None
        and parts.username is None
        and parts.netloc.lower() == host
        and host in allowed
    )


def _inside_link(tokens, idx: int) -> bool:
    depth = 0
    for token in tokens[:idx]:
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            depth -= 1
    return depth > 0


def _render_image(self, tokens, idx, options, env):
    """markdown-it's ``image`` rule: an inline image only from the package or an allowed host."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    image_url: Callable[[str], str] | None = env.get("image_url")
    member = image_member_path(src)
    if member is not None and image_url is not None:
        token.attrSet("src", image_url(member))
        env.setdefault("image_members", set()).add(member)
        return self.image(tokens, idx, options, env)
    if member is None and remote_image_allowed(src):
        return self.image(tokens, idx, options, env)
    alt = self.renderInlineAsText(token.children or [], options, env)
    text = escapeHtml(alt or src)
    if urlsplit(src).scheme in ("http", "https") and not _inside_link(tokens, idx):
        return f'<a href="{escapeHtml(src)}">{text}</a>'
    return text


_md.add_render_rule("image", _render_image)


def render_markdown(text: str, *, image_url: Callable[[str], str] | None = None) -> str:
    """Render Markdown ``text`` to sanitized HTML safe to mark safe in a template.

    Raw HTML in the source is escaped (``html: False``) and the output is
    cleaned with nh3: only ``ALLOWED_TAGS``, only http(s) and mailto links,
    links get ``rel="nofollow noopener noreferrer"``. Images follow the rules
    in this module's docstring; ``image_url(member_path) -> str`` gives the
    address this site serves a package image at (None: package images are
    shown as their alt text).
    """
    html = _md.render(text or "", {"image_url": image_url})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def readme_image_members(text: str) -> set[str]:
    """The package members that ``text`` shows as inline images (see :func:`image_member_path`)."""
    env = {"image_url": lambda member: member}
    _md.render(text or "", env)
    return env.get("image_members", set())
