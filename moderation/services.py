"""The moderation services: every decision, whoever or whatever makes it, comes here.

Admin actions, the decision form, the staff API, the automatic policy after
the scan and the demo loader call these functions. Each checks and takes its
transition through :mod:`moderation.transitions` (the one owner of the
statuses: who may, from which states, under which guards), which writes the
one audit row (``moderation.models.Decision``) and queues the e-mail to the
publisher's members as a task; the service adds what else the decision does
(copying the artifact, the listing's latest version) and returns the object.
"""

from __future__ import annotations

import logging

import semver
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from catalog import tasks as catalog_tasks
from catalog.models import Package, Release
from catalog.services import package_apply_release
from marketplace.celery import enqueue_on_commit
from publishing.constants import Severity
from publishing.models import ScanFinding, Submission

from . import transitions
from .transitions import DecisionError, audit_log

__all__ = [
    "DecisionError",
    "audit_log",
    "latest_version",
    "package_deprecate",
    "package_relist",
    "package_suspend",
    "package_unlist",
    "package_unsuspend",
    "release_yank",
    "submission_approve",
    "submission_checks_record",
    "submission_checks_start",
    "submission_flag",
    "submission_reject",
    "submission_request_changes",
    "upload_admit",
]

#: The note of an approval by the automatic policy (``publishing.policy``).
AUTO_APPROVE_NOTE = "Published automatically: an update from a verified publisher with no finding above the policy's threshold."

logger = logging.getLogger(__name__)


def _lock(submission: Submission) -> Submission:
    return (
        Submission.objects.select_for_update()
        .select_related("package", "release", "publisher")
        .get(pk=submission.pk)
    )


def _lock_package(package: Package) -> Package:
    return Package.objects.select_for_update().select_related("publisher").get(pk=package.pk)


def _decided(reviewer, note: str) -> dict:
    """The submission's decision fields, written with its transition."""
    return {"reviewer_notes": note, "decided_by": reviewer, "decided_at": timezone.now()}


def latest_version(package: Package) -> Release | None:
    """The greatest published, non-yanked release that is not a pre-release (docs/package-format.md, "The manifest")."""
    candidates = [
        r
        for r in package.releases.published().filter(yanked=False)
        if not semver.Version.parse(r.version).prerelease
    ]
    return max(candidates, key=lambda r: semver.Version.parse(r.version), default=None)


def upload_admit(*, package: Package, uploader: AbstractBaseUser | None, take: bool = False) -> None:
    """Refuse an upload of a new version to ``package`` unless its listing accepts one; with ``take``, record it.

    A listing not yet published takes ``listing:submit`` (back to ``submitted``);
    a published, deprecated or unlisted one ``listing:update`` (unchanged). With
    ``take``, ``package`` must be locked by the caller. Called by the upload
    service (``publishing.services.submission_create``) through
    ``publishing.status_owner``.

    Raises:
        DecisionError: the listing is suspended (``package.suspended``) or a
            hard block is in force (``package.blocked``); the upload answers 403.
    """
    submit = transitions.transition("listing:submit")
    key = submit.key if package.status in submit.sources else "listing:update"
    if take:
        transitions.take(key, package, actor=uploader)
    else:
        transitions.check(key, package, actor=uploader)


def submission_checks_start(*, submission: Submission) -> bool:
    """Mark the checks of ``submission`` (locked by the caller) started; False when they are over already."""
    if not transitions.allowed("submission:start_checks", submission, actor=None):
        return False
    transitions.take("submission:start_checks", submission, actor=None)
    return True


def submission_checks_record(*, submission: Submission, rejected: bool, publish: bool) -> Submission:
    """Record the outcome of the checks of ``submission`` (locked by the caller, findings saved).

    ``rejected``: the stored file no longer verifies (``submission:checks_failed``).
    Otherwise the submission goes to the queue (``submission:checks_passed``),
    a new listing to ``in-review`` (``listing:checked``), and with ``publish``
    (the outcome policy, ``publishing.policy``) it is approved as the system
    would be (``submission:approve``); when approval is refused (a suspended
    listing, a paid release of a publisher who cannot take payments) it waits
    for a reviewer with a ``publish.blocked`` finding that says why.
    """
    if rejected:
        transitions.take("submission:checks_failed", submission, actor=None)
        return submission
    transitions.take("submission:checks_passed", submission, actor=None)
    transitions.follow("listing:checked", _lock_package(submission.package))
    if not publish:
        return submission
    try:
        return submission_approve(submission=submission, reviewer=None, note=AUTO_APPROVE_NOTE)
    except DecisionError as exc:
        ScanFinding.objects.create(
            submission=submission, code="publish.blocked", severity=Severity.INFO, message=str(exc)
        )
    return submission


def submission_approve(
    *, submission: Submission, reviewer: AbstractBaseUser | None, note: str = ""
) -> Submission:
    """Approve a submission (``submission:approve``): publish its release and, if new, the listing.

    ``reviewer`` None is the automatic policy after the scan. Copies the
    artifact from the ``quarantine`` storage to the ``packages`` storage,
    publishes the release (``release:publish``), makes it the listing's latest
    version when it is the greatest stable one, and publishes a listing not
    yet published (``listing:publish``); a published, deprecated or unlisted
    listing keeps its status. On commit: the decision e-mail, the watchers'
    e-mails and the ArgentOS copy (``catalog.artifacts``), each a task.

    Raises:
        DecisionError: the transition is refused: not in review
            (``submission.checks_running``, ``submission.not_decidable``), the
            listing is suspended or blocked, a paid release of a publisher who
            cannot take payments, or the reviewer may not decide.
    """
    with transaction.atomic():
        submission = _lock(submission)
        transitions.check("submission:approve", submission, actor=reviewer)
        release = submission.release
        with submission.upload.open("rb") as fileobj:
            name = storages["packages"].save(f"{submission.package.identifier}/{release.filename}", fileobj)
        try:
            transitions.take("release:publish", release, actor=None, values={"artifact": name})
            package = submission.package
            latest = latest_version(package)
            if latest is not None and latest.pk == release.pk:
                package_apply_release(package=package, release=release)
            package.latest_release = latest or package.latest_release or release
            package.save()
            transitions.follow("listing:publish", package)
            transitions.take(
                "submission:approve", submission, actor=reviewer, note=note, values=_decided(reviewer, note)
            )
            enqueue_on_commit(catalog_tasks.release_watchers_notify, release.pk)
            # The copy wrapped for the ArgentOS installer; also made lazily on download.
            enqueue_on_commit(catalog_tasks.release_store_wrapped, release.pk)
        except BaseException:
            storages["packages"].delete(name)
            raise
    logger.info("Submission %s approved by %s", submission.pk, reviewer)
    return submission


def _require(text: str, what: str) -> str:
    if not text.strip():
        raise DecisionError(f"{what} is required.", code="note.required")
    return text.strip()


def _close(*, submission: Submission, reviewer, note: str, key: str, listing_key: str) -> Submission:
    note = _require(note, "A note for the author")
    with transaction.atomic():
        submission = _lock(submission)
        transitions.take(key, submission, actor=reviewer, note=note, values=_decided(reviewer, note))
        if not submission.package.releases.published().exists():
            transitions.follow(listing_key, submission.package)
    return submission


def submission_reject(*, submission: Submission, reviewer: AbstractBaseUser | None, note: str) -> Submission:
    """Reject a submission (``submission:reject``) with a note the author sees; the version stays used.

    A package with no published release becomes ``rejected`` (``listing:refuse``).

    Raises:
        DecisionError: the note is empty (``note.required``), or the transition is refused.
    """
    return _close(
        submission=submission,
        reviewer=reviewer,
        note=note,
        key="submission:reject",
        listing_key="listing:refuse",
    )


def submission_request_changes(
    *, submission: Submission, reviewer: AbstractBaseUser | None, note: str
) -> Submission:
    """Send a submission back to its author (``submission:request_changes``) saying what to change.

    A package with no published release goes back to ``draft`` (``listing:return``).

    Raises:
        DecisionError: the note is empty (``note.required``), or the transition is refused.
    """
    return _close(
        submission=submission,
        reviewer=reviewer,
        note=note,
        key="submission:request_changes",
        listing_key="listing:return",
    )


def submission_flag(
    *, submission: Submission, reviewer: AbstractBaseUser | None, note: str = ""
) -> Submission:
    """Flag a submission for a senior reviewer (``submission:flag``): it stays, escalated and flagged.

    Raises:
        DecisionError: the transition is refused.
    """
    note = note.strip()
    reason = f"Flagged for a senior reviewer{': ' + note if note else '.'}"
    with transaction.atomic():
        submission = _lock(submission)
        transitions.take(
            "submission:flag",
            submission,
            actor=reviewer,
            note=note,
            values={
                "escalated": True,
                "flagged": True,
                "flag_reasons": list(dict.fromkeys([*submission.flag_reasons, reason])),
            },
        )
    return submission


def _listing(key: str, package: Package, reviewer, *, note: str = "", values: dict | None = None) -> Package:
    with transaction.atomic():
        package = _lock_package(package)
        transitions.take(key, package, actor=reviewer, note=note, values=values)
    return package


def package_suspend(*, package: Package, reviewer: AbstractBaseUser | None, reason: str) -> Package:
    """Suspend a listing (``listing:suspend``): hidden, downloads refused, the page shows ``reason``.

    Only a senior reviewer's ``package_unsuspend`` brings it back.

    Raises:
        DecisionError: no reason (``note.required``), or the transition is refused
            (suspended already: ``package.suspended``).
    """
    reason = _require(reason, "A reason")
    return _listing("listing:suspend", package, reviewer, note=reason, values={"status_reason": reason})


def package_unsuspend(*, package: Package, reviewer: AbstractBaseUser | None, note: str = "") -> Package:
    """Lift a suspension (``listing:unsuspend``, senior reviewers): back to what its releases make it.

    Raises:
        DecisionError: not suspended, a hard block is in force (``package.blocked``),
            or the reviewer is not a senior reviewer (``permission.denied``).
    """
    return _listing("listing:unsuspend", package, reviewer, note=note.strip(), values={"status_reason": ""})


def package_deprecate(
    *, package: Package, reviewer: AbstractBaseUser | None, reason: str, replacement: Package | None = None
) -> Package:
    """Deprecate a listing (``listing:deprecate``): still installable, shown with ``reason`` and a replacement.

    Raises:
        DecisionError: no reason, the replacement is the package itself, or the
            transition is refused (a suspended listing: ``package.suspended``).
    """
    reason = _require(reason, "A reason")
    if replacement is not None and replacement.pk == package.pk:
        raise DecisionError("A package cannot replace itself.", code="package.replacement_self")
    return _listing(
        "listing:deprecate",
        package,
        reviewer,
        note=reason,
        values={"status_reason": reason, "replacement": replacement},
    )


def package_unlist(*, package: Package, reviewer: AbstractBaseUser | None, note: str = "") -> Package:
    """Unlist a listing (``listing:unlist``): gone from browsing and search, still reachable by its address.

    Raises:
        DecisionError: the transition is refused (a suspended listing: ``package.suspended``).
    """
    return _listing("listing:unlist", package, reviewer, note=note.strip(), values={"status_reason": ""})


def package_relist(*, package: Package, reviewer: AbstractBaseUser | None, note: str = "") -> Package:
    """List a deprecated or unlisted listing again (``listing:relist``).

    Raises:
        DecisionError: the transition is refused (neither deprecated nor unlisted).
    """
    return _listing(
        "listing:relist",
        package,
        reviewer,
        note=note.strip(),
        values={"status_reason": "", "replacement": None},
    )


def release_yank(*, release: Release, reviewer: AbstractBaseUser | None, reason: str) -> Release:
    """Yank a published release with a reason (``release:yank``): downloadable by version, never the latest.

    Raises:
        DecisionError: no reason, or the transition is refused (not published, yanked already).
    """
    reason = _require(reason, "A reason")
    with transaction.atomic():
        release = Release.objects.select_for_update(of=("self",)).select_related("package").get(pk=release.pk)
        transitions.take(
            "release:yank", release, actor=reviewer, note=reason, values={"yanked_reason": reason}
        )
        package = _lock_package(release.package)
        latest = latest_version(package)
        if latest is not None and package.latest_release_id != latest.pk:
            package_apply_release(package=package, release=latest)
        package.latest_release = latest
        package.save()
    return release
