"""Publisher verification: members ask for a level with evidence, staff grant or refuse it.

The publisher keeps its current level while a request is pending (the
request itself shows "pending"); a grant sets ``Publisher.verification`` to
the requested level.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from catalog.constants import VerificationLevel
from catalog.models import Publisher
from marketplace.celery import enqueue_on_commit

from . import tasks, transitions
from .constants import RequestStatus
from .models import VerificationRequest
from .transitions import DecisionError

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


def verification_request_create(
    *, publisher: Publisher, user: AbstractBaseUser, level: str, evidence: str
) -> VerificationRequest:
    """Ask for verification level ``level`` for ``publisher``; e-mails the reviewers on commit.

    The publisher's level does not change until a reviewer grants the
    request.

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
            raise DecisionError(
                "Only members of the publisher may request verification.", code="permission.denied"
            )
        if level not in REQUESTABLE:
            raise DecisionError(f"{level!r} is not a level one can request.")
        if level not in requestable_levels(publisher):
            raise DecisionError(
                f"{publisher.name} is {publisher.get_verification_display().lower()} already."
            )
        if publisher.verification_requests.filter(status=RequestStatus.PENDING).exists():
            raise DecisionError("A verification request is pending already; wait for the reviewers' answer.")
        request = VerificationRequest(
            publisher=publisher, requested_level=level, evidence=evidence, requested_by=user
        )
        transitions.take("verification:request", request, actor=user, created=True)
        enqueue_on_commit(tasks.verification_request_notify, request.pk)
    return request


def _decide(
    *, request: VerificationRequest, reviewer: AbstractBaseUser, note: str, key: str
) -> VerificationRequest:
    with transaction.atomic():
        request = VerificationRequest.objects.select_for_update().get(pk=request.pk)
        request.publisher = Publisher.objects.select_for_update().get(pk=request.publisher_id)
        transitions.take(
            key,
            request,
            actor=reviewer,
            note=f"Request #{request.pk} for {request.requested_level}" + (f": {note}" if note else "."),
            values={"note": note},
        )
        enqueue_on_commit(tasks.verification_decision_notify, request.pk)
    return request


def verification_grant(
    *, request: VerificationRequest, reviewer: AbstractBaseUser, note: str = ""
) -> VerificationRequest:
    """Grant a pending request: the publisher gets the requested level. Logs ``verification-grant``.

    E-mails the publisher's members on commit.

    Raises:
        DecisionError: the request is not pending.
    """
    return _decide(request=request, reviewer=reviewer, note=note.strip(), key="verification:grant")


def verification_refuse(
    *, request: VerificationRequest, reviewer: AbstractBaseUser, note: str
) -> VerificationRequest:
    """Refuse a pending request with a note the members read. Logs ``verification-refuse``.

    E-mails the publisher's members on commit.

    Raises:
        DecisionError: the note is empty or the request is not pending.
    """
    note = note.strip()
    if not note:
        raise DecisionError("A note is required to refuse a request: the publisher reads it.")
    return _decide(request=request, reviewer=reviewer, note=note, key="verification:refuse")
