"""``{{ release.compatibility|compatibility_text }}``: a compatibility specifier in words.

Used by every page and e-mail that shows a release's compatibility (the listing's
details, the watchers' e-mail); the words come from :func:`catalog.compatibility.compatibility_text`.
"""

from __future__ import annotations

from django import template

from catalog import compatibility

register = template.Library()


@register.filter
def compatibility_text(specifier: str | None) -> str:
    """``>=2026.3.0,<2027`` → ``2026.3.0 and later, before 2027`` (:func:`catalog.compatibility.compatibility_text`)."""
    return compatibility.compatibility_text(specifier)
