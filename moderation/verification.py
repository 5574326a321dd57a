"""Publisher verification: members ask for a level with evidence, staff grant or refuse it.

The publisher keeps its current level while a request is pending (the
request itself shows "pending"); a grant sets ``Publisher.verification`` to
the requested level.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from catalog.constants import VerificationLevel
from catalog.models import Publisher

from .constants import Action, RequestStatus
from .models import VerificationRequest
from .reports import mail_reviewers
from .services import DecisionError, audit_log

#: Levels, lowest first; a request must ask for one above the publisher's current level.
LEVEL_ORDER = [
    VerificationLevel.UNVERIFIED,
    VerificationLevel.PENDING,
    VerificationLevel.VERIFIED,
    VerificationLevel.TRUSTED,
    VerificationLevel.PARTNER,
]
#: The levels a publisher may ask for.
REQUESTABLE = (VerificationLevel.VERIFIED, VerificationLevel.TRUSTED, VerificationLevel.PARTNER)


def requestable_levels(publisher: Publisher) -> list[VerificationLevel]:
    """The levels ``publisher`` may request: those above its current level."""
    current = LEVEL_ORDER.index(publisher.verification) if publisher.verification in LEVEL_ORDER else 0
    return [level for level in REQUESTABLE if LEVEL_ORDER.index(level) > current]


def _notify_reviewers(request_id: int) -> None:
    request = VerificationRequest.objects.select_related("publisher").get(pk=request_id)
    mail_reviewers(
        subject=f"Verification request: {request.publisher.name} asks for {request.requested_level}",
        template="moderation/emails/verification_new.txt",
        context={
            "request": request,
            "admin_url": settings.SITE_URL
            + reverse("admin:moderation_verificationrequest_change", args=[request.pk]),
        },
    )


def _notify_members(request_id: int) -> None:
    request = VerificationRequest.objects.select_related("publisher").get(pk=request_id)
    recipients = sorted({m.email for m in request.publisher.members.all() if m.email})
    if not recipients:
        return
    outcome = "granted" if request.status == RequestStatus.GRANTED else "refused"
    send_mail(
        subject=f"[Argent Marketplace] {request.publisher.name}: verification as "
        f"{request.requested_level} {outcome}",
        message=render_to_string(
            "moderation/emails/verification_decision.txt",
            {
                "request": request,
                "outcome": outcome,
                "url": settings.SITE_URL
                + reverse("moderation:verification-request", args=[request.publisher.slug]),
            },
        ),
        from_email=None,
        recipient_list=recipients,
    )


def verification_request_create(
    *, publisher: Publisher, user: AbstractBaseUser, level: str, evidence: str
) -> VerificationRequest:
    """Ask for verification level ``level`` for ``publisher``; e-mails the reviewers on commit.

    The publisher's level does not change until a reviewer grants the
    request. Rule: issue 4, publisher verification.

    Raises:
        DecisionError: ``user`` is not a member, the level is not verified,
            trusted or partner or not above the current one, the evidence is
            empty, or a request is pending already.
    """
    evidence = evidence.strip()
    if not evidence:
        raise DecisionError("Evidence is required: say what proves who you are.")
    with transaction.atomic():
        publisher = Publisher.objects.select_for_update().get(pk=publisher.pk)
        if not publisher.has_member(user):
            raise DecisionError("Only members of the publisher may request verification.")
        if level not in REQUESTABLE:
            raise DecisionError(f"{level!r} is not a level one can request.")
        if level not in requestable_levels(publisher):
            raise DecisionError(
                f"{publisher.name} is {publisher.get_verification_display().lower()} already."
            )
        if publisher.verification_requests.filter(status=RequestStatus.PENDING).exists():
            raise DecisionError("A verification request is pending already; wait for the reviewers' answer.")
        request = VerificationRequest.objects.create(
            publisher=publisher, requested_level=level, evidence=evidence, requested_by=user
        )
        transaction.on_commit(lambda: _notify_reviewers(request.pk))
    return request


def _decide(
    *, request: VerificationRequest, reviewer: AbstractBaseUser, note: str, grant: bool
) -> VerificationRequest:
    with transaction.atomic():
        request = VerificationRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != RequestStatus.PENDING:
            raise DecisionError(f"This request is {request.get_status_display().lower()} already.")
        publisher = Publisher.objects.select_for_update().get(pk=request.publisher_id)
        before = publisher.verification
        if grant:
            publisher.verification = request.requested_level
            publisher.save(update_fields=["verification", "updated_at"])
        request.status = RequestStatus.GRANTED if grant else RequestStatus.REFUSED
        request.decided_by = reviewer
        request.decided_at = timezone.now()
        request.note = note
        request.save(update_fields=["status", "decided_by", "decided_at", "note"])
        audit_log(
            action=Action.VERIFICATION_GRANT if grant else Action.VERIFICATION_REFUSE,
            reviewer=reviewer,
            note=f"Request #{request.pk} for {request.requested_level}" + (f": {note}" if note else "."),
            publisher=publisher,
            before=before,
            after=publisher.verification,
        )
        transaction.on_commit(lambda: _notify_members(request.pk))
    return request


def verification_grant(
    *, request: VerificationRequest, reviewer: AbstractBaseUser, note: str = ""
) -> VerificationRequest:
    """Grant a pending request: the publisher gets the requested level. Logs ``verification-grant``.

    E-mails the publisher's members on commit. Rule: issue 4, publisher verification.

    Raises:
        DecisionError: the request is not pending.
    """
    return _decide(request=request, reviewer=reviewer, note=note.strip(), grant=True)


def verification_refuse(
    *, request: VerificationRequest, reviewer: AbstractBaseUser, note: str
) -> VerificationRequest:
    """Refuse a pending request with a note the members read. Logs ``verification-refuse``.

    E-mails the publisher's members on commit. Rule: issue 4, publisher verification.

    Raises:
        DecisionError: the note is empty or the request is not pending.
    """
    note = note.strip()
    if not note:
        raise DecisionError("A note is required to refuse a request: the publisher reads it.")
    return _decide(request=request, reviewer=reviewer, note=note, grant=False)
