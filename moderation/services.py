"""The one moderation service: every decision, whoever or whatever makes it, comes here.

Admin actions, the staff API and the demo loader call these functions; each
writes an audit row (``moderation.models.Decision``), e-mails the publisher's
members on commit, and returns the submission.
"""

from __future__ import annotations

import logging

import semver
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import storages
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from catalog.constants import ListingStatus
from catalog.models import Package, Release
from catalog.services import package_apply_release
from publishing.constants import SubmissionStatus
from publishing.models import Submission

from .constants import OUTCOME_WORDS, Action
from .models import Decision

logger = logging.getLogger(__name__)

#: Statuses from which a reviewer may decide.
DECIDABLE = frozenset({SubmissionStatus.IN_REVIEW, SubmissionStatus.PENDING, SubmissionStatus.SCANNING})


class DecisionError(Exception):
    """A decision cannot be made; ``str()`` says why in words for the reviewer."""


def _lock(submission: Submission) -> Submission:
    return (
        Submission.objects.select_for_update()
        .select_related("package", "release", "publisher")
        .get(pk=submission.pk)
    )


def _record(*, submission: Submission, reviewer, action: str, note: str, before: str) -> Decision:
    submission.reviewer_notes = note
    submission.decided_by = reviewer
    submission.decided_at = timezone.now()
    submission.save()
    decision = Decision.objects.create(
        submission=submission,
        reviewer=reviewer,
        action=action,
        note=note,
        status_before=before,
        status_after=submission.status,
    )
    transaction.on_commit(lambda: _notify(decision.pk))
    return decision


def _notify(decision_id: int) -> None:
    """E-mail every member of the publisher about a decision."""
    decision = Decision.objects.select_related("submission__package", "submission__release").get(
        pk=decision_id
    )
    submission = decision.submission
    recipients = list(submission.publisher.members.values_list("email", flat=True))
    if not recipients:
        return
    context = {
        "decision": decision,
        "outcome": OUTCOME_WORDS[decision.action],
        "submission": submission,
        "url": settings.SITE_URL + submission.get_absolute_url(),
        "listing_url": settings.SITE_URL + submission.package.get_absolute_url(),
    }
    send_mail(
        subject=f"[Argent Marketplace] {submission.package.identifier} {submission.version} "
        f"was {OUTCOME_WORDS[decision.action]}",
        message=render_to_string("moderation/emails/decision.txt", context),
        from_email=None,
        recipient_list=recipients,
    )


def latest_version(package: Package) -> Release | None:
    """The greatest published, non-yanked release that is not a pre-release (spec section 4)."""
    candidates = [
        r
        for r in package.releases.published().filter(yanked=False)
        if not semver.Version.parse(r.version).prerelease
    ]
    return max(candidates, key=lambda r: semver.Version.parse(r.version), default=None)


def submission_approve(
    *, submission: Submission, reviewer: AbstractBaseUser | None, note: str = ""
) -> Submission:
    """Approve a submission: publish its release and the listing.

    Copies the artifact from the ``quarantine`` storage to the ``packages``
    storage, marks the release published, makes it the listing's latest
    version when it is the greatest stable one, and publishes the listing.

    Raises:
        DecisionError: the submission is not awaiting a decision.
    """
    with transaction.atomic():
        submission = _lock(submission)
        before = submission.status
        if before not in DECIDABLE:
            raise DecisionError(f"Submission #{submission.pk} is {submission.get_status_display().lower()}.")
        release = submission.release
        with submission.upload.open("rb") as fileobj:
            name = storages["packages"].save(f"{submission.package.identifier}/{release.filename}", fileobj)
        try:
            release.artifact = name
            release.published_at = timezone.now()
            release.save(update_fields=["artifact", "published_at"])
            package = submission.package
            latest = latest_version(package)
            if latest is not None and latest.pk == release.pk:
                package_apply_release(package=package, release=release)
            package.latest_release = latest or package.latest_release or release
            package.status = ListingStatus.PUBLISHED
            package.published_at = package.published_at or release.published_at
            package.save()
            submission.status = SubmissionStatus.APPROVED
            _record(
                submission=submission,
                reviewer=reviewer,
                action=Action.APPROVE,
                note=note,
                before=before,
            )
        except BaseException:
            storages["packages"].delete(name)
            raise
    logger.info("Submission %s approved by %s", submission.pk, reviewer)
    return submission


def _close(*, submission: Submission, reviewer, note: str, action: str, status: str) -> Submission:
    if not note.strip():
        raise DecisionError("A note for the author is required.")
    with transaction.atomic():
        submission = _lock(submission)
        before = submission.status
        if before not in DECIDABLE:
            raise DecisionError(f"Submission #{submission.pk} is {submission.get_status_display().lower()}.")
        submission.status = status
        package = submission.package
        if not package.releases.published().exists():
            package.status = ListingStatus.REJECTED if action == Action.REJECT else ListingStatus.DRAFT
            package.save(update_fields=["status", "updated_at"])
        _record(
            submission=submission,
            reviewer=reviewer,
            action=action,
            note=note.strip(),
            before=before,
        )
    return submission


def submission_reject(*, submission: Submission, reviewer: AbstractBaseUser | None, note: str) -> Submission:
    """Reject a submission with a note the author sees; the version stays used.

    Raises:
        DecisionError: the note is empty, or the submission is not awaiting a decision.
    """
    return _close(
        submission=submission,
        reviewer=reviewer,
        note=note,
        action=Action.REJECT,
        status=SubmissionStatus.REJECTED,
    )


def submission_request_changes(
    *, submission: Submission, reviewer: AbstractBaseUser | None, note: str
) -> Submission:
    """Send a submission back to its author with a note saying what to change.

    Raises:
        DecisionError: the note is empty, or the submission is not awaiting a decision.
    """
    return _close(
        submission=submission,
        reviewer=reviewer,
        note=note,
        action=Action.REQUEST_CHANGES,
        status=SubmissionStatus.CHANGES_REQUESTED,
    )
