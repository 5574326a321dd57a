"""Monitors: every member of a publisher hears of every log entry that names it.

A stolen publisher token or signing key shows at once: the members get an e-mail for each
release published or yanked, each block, each key registered or revoked under their publisher
(docs/operators.md, "The transparency log").
"""

from __future__ import annotations

import json

from django.conf import settings

from catalog.models import PublisherMember
from marketplace import emails

from .models import LogEntry

#: What each kind of entry says, in words.
KIND_WORDS = {
    "release.published": "a release was published",
    "release.yanked": "a release was yanked",
    "block.added": "a block took effect",
    "block.lifted": "a block was lifted",
    "key.registered": "a signing key was registered",
    "key.revoked": "a signing key was revoked",
}


def entry_notify(entry_id: int) -> int:
    """E-mail the entry (text and HTML) to every member of its publisher; returns how many addresses.

    One message per member, in the site's e-mail layout (:mod:`marketplace.emails`), so no member
    sees another's address. Nothing is sent for an entry that names no publisher, or a publisher with no member
    holding an e-mail address.
    """
    entry = LogEntry.objects.select_related("publisher").filter(pk=entry_id).first()
    if entry is None or entry.publisher is None:
        return 0
    recipients = sorted(
        {
            email
            for email in PublisherMember.objects.filter(
                publisher=entry.publisher, user__is_active=True
            ).values_list("user__email", flat=True)
            if email
        }
    )
    if not recipients:
        return 0
    body = json.loads(bytes(entry.body))
    what = KIND_WORDS.get(entry.kind, entry.kind)
    context = {
        "entry": entry,
        "publisher": entry.publisher,
        "what": what,
        "fields": sorted((k, v) for k, v in body.items() if k != "kind"),
        "canonical": bytes(entry.body).decode(),
        "site_url": settings.SITE_URL,
        "log_url": settings.LOG_BASE_URL,
    }
    subject = f"Transparency log #{entry.index}: {what} for {entry.publisher.name}"
    emails.send_each(template="transparency/emails/entry", subject=subject, to=recipients, context=context)
    return len(recipients)
