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

from catalog import artifacts
from catalog.constants import ListingStatus
from catalog.models import Package, Release
from catalog.services import package_apply_release
from catalog.watch import watchers_notify
from licensing.payments import PAID_PRICING, can_sell
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


def audit_log(
    *,
    action: str,
    reviewer: AbstractBaseUser | None,
    note: str = "",
    submission: Submission | None = None,
    package: Package | None = None,
    release: Release | None = None,
    publisher=None,
    before: str = "",
    after: str = "",
) -> Decision:
    """Append one entry to the audit log (who, when, what, note, status before and after).

    Every moderation action writes exactly one entry through this function;
    entries are never edited. ``reviewer`` is None for the automatic policy.
    """
    return Decision.objects.create(
        action=action,
        reviewer=reviewer,
        note=note,
        submission=submission,
        package=package or (submission.package if submission else None),
        release=release or (submission.release if submission else None),
        publisher=publisher or (submission.publisher if submission else None),
        status_before=before,
        status_after=after,
    )


def _record(*, submission: Submission, reviewer, action: str, note: str, before: str) -> Decision:
    submission.reviewer_notes = note
    submission.decided_by = reviewer
    submission.decided_at = timezone.now()
    submission.save()
    decision = audit_log(
        action=action,
        reviewer=reviewer,
        note=note,
        submission=submission,
        before=before,
        after=submission.status,
    )
    transaction.on_commit(lambda: _notify(decision.pk))
    return decision


def _notify(decision_id: int) -> None:
    """E-mail every member of the publisher about a decision on a submission or a listing."""
    decision = Decision.objects.select_related("submission", "package__publisher", "release").get(
        pk=decision_id
    )
    package = decision.package
    recipients = list(package.publisher.members.values_list("email", flat=True))
    if not recipients:
        return
    submission = decision.submission
    outcome = OUTCOME_WORDS[decision.action]
    what = f"{package.identifier} {decision.release.version}" if decision.release else package.identifier
    context = {
        "decision": decision,
        "outcome": outcome,
        "package": package,
        "what": what,
        "submission": submission,
        "url": settings.SITE_URL + (submission or package).get_absolute_url(),
        "listing_url": settings.SITE_URL + package.get_absolute_url(),
    }
    send_mail(
        subject=f"[Argent Marketplace] {what} was {outcome}",
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
        if release.listing.get("pricing") in PAID_PRICING:
            can, why = can_sell(submission.publisher)
            if not can:
                raise DecisionError(why)
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
            watchers_notify(release=release)
            # The package/-wrapped copy for the ArgentOS installer (issue 5); also made lazily on download.
            transaction.on_commit(lambda: artifacts.release_store_wrapped(release=release))
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


def submission_flag(
    *, submission: Submission, reviewer: AbstractBaseUser | None, note: str = ""
) -> Submission:
    """Flag a submission for a senior reviewer: it stays in review, marked escalated and flagged.

    Raises:
        DecisionError: the submission is not awaiting a decision.
    """
    with transaction.atomic():
        submission = _lock(submission)
        before = submission.status
        if before not in DECIDABLE:
            raise DecisionError(f"Submission #{submission.pk} is {submission.get_status_display().lower()}.")
        submission.escalated = True
        submission.flagged = True
        reason = f"Flagged for a senior reviewer{': ' + note.strip() if note.strip() else '.'}"
        submission.flag_reasons = list(dict.fromkeys([*submission.flag_reasons, reason]))
        submission.save(update_fields=["escalated", "flagged", "flag_reasons", "updated_at"])
        audit_log(
            action=Action.FLAG,
            reviewer=reviewer,
            note=note.strip(),
            submission=submission,
            before=before,
            after=before,
        )
    return submission


def _require(text: str, what: str) -> str:
    if not text.strip():
        raise DecisionError(f"{what} is required.")
    return text.strip()


def _set_listing_status(
    *,
    package: Package,
    reviewer,
    action: str,
    status: str | None,
    note: str,
    reason: str = "",
    replacement=None,
    require: str | None = None,
    refuse: str | None = None,
) -> Package:
    """Move a listing to ``status`` (None: what its releases make it) and log it.

    ``require``/``refuse``: the current status the action needs, or may not start from.
    """
    with transaction.atomic():
        package = Package.objects.select_for_update().get(pk=package.pk)
        before = package.status
        if require is not None and before != require:
            raise DecisionError(f"{package.identifier} is not {require}.")
        if refuse is not None and before == refuse:
            raise DecisionError(f"{package.identifier} is {refuse} already.")
        status = status or _status_without_moderation(package)
        package.status = status
        package.status_reason = reason
        if action == Action.DEPRECATE:
            package.replacement = replacement
        package.save(update_fields=["status", "status_reason", "replacement", "updated_at"])
        entry = audit_log(
            action=action, reviewer=reviewer, note=note, package=package, before=before, after=status
        )
        transaction.on_commit(lambda: _notify(entry.pk))
    return package


def package_suspend(*, package: Package, reviewer: AbstractBaseUser | None, reason: str) -> Package:
    """Suspend a listing: hidden from the catalog, downloads refused, the listing page shows ``reason``.

    Raises:
        DecisionError: no reason given, or already suspended.
    """
    reason = _require(reason, "A reason")
    return _set_listing_status(
        package=package, reviewer=reviewer, action=Action.SUSPEND, status=ListingStatus.SUSPENDED, note=reason,
        reason=reason, refuse=ListingStatus.SUSPENDED,
    )  # fmt: skip


def _status_without_moderation(package: Package) -> str:
    """The status a listing has when no moderation action holds it: published if it has a release."""
    if package.releases.published().exists():
        return ListingStatus.PUBLISHED
    return (
        ListingStatus.IN_REVIEW
        if package.submissions.filter(status="in-review").exists()
        else ListingStatus.DRAFT
    )


def package_unsuspend(*, package: Package, reviewer: AbstractBaseUser | None, note: str = "") -> Package:
    """Lift a suspension (or a quarantine); the listing returns to what its releases make it.

    Raises:
        DecisionError: the listing is not suspended.
    """
    return _set_listing_status(
        package=package, reviewer=reviewer, action=Action.UNSUSPEND, status=None, note=note.strip(),
        require=ListingStatus.SUSPENDED,
    )  # fmt: skip


def package_deprecate(
    *, package: Package, reviewer: AbstractBaseUser | None, reason: str, replacement: Package | None = None
) -> Package:
    """Deprecate a listing: still installable, shown with ``reason`` and an optional replacement.

    Raises:
        DecisionError: no reason, or the replacement is the package itself.
    """
    reason = _require(reason, "A reason")
    if replacement is not None and replacement.pk == package.pk:
        raise DecisionError("A package cannot replace itself.")
    return _set_listing_status(
        package=package, reviewer=reviewer, action=Action.DEPRECATE, status=ListingStatus.DEPRECATED, note=reason,
        reason=reason, replacement=replacement,
    )  # fmt: skip


def package_unlist(*, package: Package, reviewer: AbstractBaseUser | None, note: str = "") -> Package:
    """Unlist a listing: gone from browsing and search, still reachable by its address."""
    return _set_listing_status(
        package=package,
        reviewer=reviewer,
        action=Action.UNLIST,
        status=ListingStatus.UNLISTED,
        note=note.strip(),
    )


def release_yank(*, release: Release, reviewer: AbstractBaseUser | None, reason: str) -> Release:
    """Yank a published release with a reason: it stays downloadable by version, never the latest.

    Raises:
        DecisionError: no reason, not published, or yanked already.
    """
    reason = _require(reason, "A reason")
    with transaction.atomic():
        release = Release.objects.select_for_update(of=("self",)).select_related("package").get(pk=release.pk)
        if release.published_at is None:
            raise DecisionError(f"{release} is not published.")
        if release.yanked:
            raise DecisionError(f"{release} is yanked already.")
        release.yanked, release.yanked_reason = True, reason
        release.save(update_fields=["yanked", "yanked_reason"])
        package = release.package
        latest = latest_version(package)
        if latest is not None and package.latest_release_id != latest.pk:
            package_apply_release(package=package, release=latest)
        package.latest_release = latest
        package.save()
        entry = audit_log(action=Action.YANK, reviewer=reviewer, note=reason, release=release, package=package,
                          before="published", after="yanked")  # fmt: skip
        transaction.on_commit(lambda: _notify(entry.pk))
    return release
