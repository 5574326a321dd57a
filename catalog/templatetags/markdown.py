"""Markdown written by authors (release notes), rendered and sanitized in a template.

Usage::

    {% load markdown %}
    <div class="prose">{{ release.release_notes|markdown }}</div>

The one renderer is :func:`catalog.markdown.render_markdown` (markdown-it-py, then nh3): raw HTML
is escaped, only its allowed tags and http(s)/mailto links are kept. Release notes have no package
images: an image the notes name inside the package is shown as its alt text, a remote one follows
the README rules (docs/architecture.md, "Input is cleaned at the edge"; README.md, ``README_IMAGE_HOSTS``).
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from catalog.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str | None) -> SafeString:
    """``text`` (Markdown, may be empty or None) as sanitized HTML, safe to insert in a page."""
    return mark_safe(render_markdown(text or ""))  # noqa: S308 - render_markdown's output is sanitized by nh3
