"""What every e-mail the site sends must show (marketplace/emails.py): shared by the tests."""

from __future__ import annotations

from django.conf import settings


def html_part(message) -> str:
    """The message's ``text/html`` alternative; fails the test when there is none."""
    htmls = [content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"]
    assert len(htmls) == 1, f"{message.subject!r} has no HTML part"
    return htmls[0]


def assert_branded(message) -> None:
    """Both parts, the site's name in each and in the subject, no stock greeting, links on SITE_URL."""
    html = html_part(message)
    assert message.body.strip(), f"{message.subject!r} has no text part"
    assert message.subject.startswith(f"[{settings.SITE_NAME}] "), message.subject
    for part in (message.body, html):
        assert settings.SITE_NAME in part
        assert "Hello from" not in part
        assert "testserver" not in part
    assert f'href="{settings.SITE_URL}/"' in html
