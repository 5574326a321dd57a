"""Every e-mail the site sends, in one layout: a plain-text part and its HTML twin.

Shared plumbing (the bottom layer, ``docs/architecture.md``): the apps' e-mail tasks and the
account adapter (``publishing.adapters``) build their messages here, so each rule is written once:

* **Both parts.** Each message carries the text body and an HTML alternative. An app writes only
  the text of its message (``<app>/emails/<name>.txt``); the layout ``emails/base.txt`` frames it
  and ``emails/base.html`` shows the same text with links made clickable. A message that needs
  its own markup (rendered Markdown, a table) may add ``<app>/emails/<name>.html``: an HTML
  fragment with the same context, which the layout frames in place of the text.
* **The site's name and address come from settings** (``SITE_NAME``, ``SITE_URL``), never from
  the request's host: a link in an e-mail must work from the reader's mail client, whatever port
  or proxy the request that caused it came through.
* **Subjects** start with ``[SITE_NAME]`` and are made single-line (:func:`marketplace.text.header_safe`).

E-mails are not served pages: the Content-Security-Policy does not apply to them, and mail
clients drop ``<style>`` blocks, so ``emails/base.html`` styles with ``style`` attributes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string

from marketplace.text import header_safe


def site_context() -> dict:
    """``site_name`` (str) and ``site_url`` (str, no trailing slash) from settings, for every e-mail."""
    return {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL}


def subject_line(subject: str) -> str:
    """``subject`` prefixed with ``[SITE_NAME]`` once, on one line (RFC 5322 headers hold no CR or LF)."""
    prefix = f"[{settings.SITE_NAME}] "
    subject = header_safe(subject).strip()
    return subject if subject.startswith(prefix) else prefix + subject


def render_bodies(*, text: str, subject: str, html: str | None = None) -> tuple[str, str]:
    """Frame a message's text in the site's layout; return ``(text, html)`` bodies.

    Args:
        text: the message's own plain text (no greeting banner, no footer).
        subject: the subject line, used as the HTML document's title.
        html: the message's own HTML content, when it has a template for it; else the text is shown
            as paragraphs with its links made clickable.
    """
    context = {**site_context(), "subject": subject, "body": text.strip(), "body_html": html}
    return (
        render_to_string("emails/base.txt", context).strip() + "\n",
        render_to_string("emails/base.html", context),
    )


def build(
    *, template: str, subject: str, to: Iterable[str], context: dict, connection=None
) -> EmailMultiAlternatives:
    """Build one message from ``<template>.txt`` (and ``<template>.html`` if it exists).

    Args:
        template: the template's name without extension, e.g. ``"licensing/emails/receipt"``.
        subject: the subject without the site's prefix.
        to: the recipients' addresses (each sees the others: pass one address per message when
            they must not).
        context: the template's context; ``site_name`` and ``site_url`` are added.
        connection: a mail connection to reuse when sending many messages, or ``None``.

    Raises:
        TemplateDoesNotExist: ``<template>.txt`` is missing.
    """
    full_context = {**site_context(), **context}
    text = render_to_string(f"{template}.txt", full_context)
    try:
        own_html = get_template(f"{template}.html").render(full_context)
    except TemplateDoesNotExist:
        own_html = None
    line = subject_line(subject)
    text_body, html_body = render_bodies(text=text, subject=line, html=own_html)
    message = EmailMultiAlternatives(
        subject=line, body=text_body, to=list(to), connection=connection or get_connection()
    )
    message.attach_alternative(html_body, "text/html")
    return message


def send(*, template: str, subject: str, to: Iterable[str], context: dict) -> int:
    """Build (see :func:`build`) and send one message; return how many messages were sent (0 or 1)."""
    recipients = [address for address in to if address]
    if not recipients:
        return 0
    return build(template=template, subject=subject, to=recipients, context=context).send()


def send_each(*, template: str, subject: str, to: Iterable[str], context: dict) -> int:
    """Send one message (see :func:`build`) to each address in ``to``, over one connection.

    For e-mails to a group (a package's watchers, a publisher's members): nobody sees another
    recipient's address. Empty addresses are skipped.

    Returns:
        how many messages were sent.
    """
    recipients = [address for address in to if address]
    if not recipients:
        return 0
    connection = get_connection()
    messages = [
        build(template=template, subject=subject, to=[address], context=context, connection=connection)
        for address in recipients
    ]
    return connection.send_messages(messages) or 0
