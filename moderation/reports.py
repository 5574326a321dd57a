"""Reports about listings, and the quarantine a trusted reporter's report triggers.

Any signed-in user may report a
listing; a report from a ``TrustedReporter`` about a published listing
suspends it at once (a *quarantine*) until a reviewer resolves the report.
Retro-hunts file reports too (``reporter`` None, ``retro_hunt`` set).
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from catalog.models import Package, Release
from marketplace.celery import enqueue_on_commit

from . import services, tasks, transitions
from .constants import QUARANTINE_REASON, ReportReason, ReportStatus
from .models import Report, RetroHunt, TrustedReporter
from .transitions import DecisionError

__all__ = ["QUARANTINE_REASON", "report_create", "report_resolve"]

logger = logging.getLogger(__name__)


def report_create(
    *,
    package: Package,
    reporter: AbstractBaseUser | None,
    reason: str,
    description: str,
    release: Release | None = None,
    retro_hunt: RetroHunt | None = None,
) -> Report:
    """File a report about a listing (or one of its releases) and e-mail the reviewers on commit.

    When ``reporter`` is a trusted reporter and the listing can be downloaded
    (published, deprecated or unlisted), the listing is quarantined at once
    (``listing:quarantine``: suspended with :data:`QUARANTINE_REASON`, one
    ``quarantine`` audit entry) and the report is marked ``quarantined``.
    The reviewers' e-mail is a task. Rule: ``docs/state-machines.md``.

    Raises:
        DecisionError: unknown reason, empty description, a release of another
            package, or the reporter has an open report on this listing already.
    """
    description = description.strip()
    if reason not in ReportReason.values:
        raise DecisionError(f"Unknown report reason {reason!r}.")
    if not description:
        raise DecisionError("A description is required.")
    if release is not None and release.package_id != package.pk:
        raise DecisionError(f"{release} is not a release of {package.identifier}.")
    with transaction.atomic():
        package = Package.objects.select_for_update().get(pk=package.pk)
        if (
            reporter is not None
            and Report.objects.filter(package=package, reporter=reporter, status=ReportStatus.OPEN).exists()
        ):
            raise DecisionError(f"You have an open report about {package.identifier} already.")
        report = Report.objects.create(
            package=package,
            release=release,
            reporter=reporter,
            reason=reason,
            description=description,
            retro_hunt=retro_hunt,
        )
        trusted = reporter is not None and TrustedReporter.objects.filter(user=reporter).exists()
        if trusted and transitions.allowed("listing:quarantine", package, actor=None):
            report.quarantined = True
            report.save(update_fields=["quarantined"])
            transitions.take(
                "listing:quarantine",
                package,
                actor=None,
                note=f"Report #{report.pk} ({report.get_reason_display()}) from trusted reporter {reporter}.",
                values={"status_reason": QUARANTINE_REASON},
                about={"release": release},
            )
        enqueue_on_commit(tasks.report_notify, report.pk)
    logger.info("Report %s on %s filed (quarantined: %s)", report.pk, package.identifier, report.quarantined)
    return report


def report_resolve(*, report: Report, reviewer: AbstractBaseUser | None, status: str, note: str) -> Report:
    """Close an open report as ``actioned`` or ``dismissed`` with a note; logs ``report-resolve``.

    (``report:dismiss`` / ``report:action``, Reviewers.) Dismissing a report
    that quarantined its listing lifts the quarantine
    (``listing:lift_quarantine``, logged ``quarantine-lift``) unless another
    open quarantining report or a confirmed hard block remains, or a reviewer
    has since suspended the listing for another reason. Marking it actioned
    keeps the listing suspended. Rule: ``docs/state-machines.md``.

    Raises:
        DecisionError: the note is empty, the status is not actioned or
            dismissed, the report is resolved already (``report.dismissed`` …),
            or the reviewer may not resolve reports (``permission.denied``).
    """
    note = note.strip()
    if not note:
        raise DecisionError("A note is required to resolve a report.")
    if status not in (ReportStatus.ACTIONED, ReportStatus.DISMISSED):
        raise DecisionError(f"A report is resolved as actioned or dismissed, not {status!r}.")
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("package", "release")
            .get(pk=report.pk)
        )
        key = "report:dismiss" if status == ReportStatus.DISMISSED else "report:action"
        transitions.take(
            key, report, actor=reviewer, note=f"Report #{report.pk}: {note}", values={"resolution_note": note}
        )
        package = Package.objects.select_for_update().get(pk=report.package_id)
        # Lifted only when nothing else holds it (``listing:lift_quarantine``'s guard).
        if (
            status == ReportStatus.DISMISSED
            and report.quarantined
            and transitions.allowed("listing:lift_quarantine", package, actor=reviewer)
        ):
            transitions.take(
                "listing:lift_quarantine",
                package,
                actor=reviewer,
                note=f"Quarantine lifted: report #{report.pk} dismissed.",
                values={"status_reason": ""},
            )
    return report


def report_suspend_listing(*, report: Report, reviewer: AbstractBaseUser | None, reason: str) -> Report:
    """Suspend the reported listing with ``reason`` and close the report as actioned, in one transaction.

    The listing's ``listing:suspend`` (``services.package_suspend``: hidden, downloads refused, only a
    senior reviewer lifts it) then ``report_resolve(..., status=actioned)``. Rule:
    ``docs/state-machines.md``.

    Raises:
        DecisionError: no reason (``note.required``), the listing is suspended already
            (``package.suspended``: close the report as actioned instead), the report is
            resolved already, or the reviewer may not do either (``permission.denied``).
    """
    with transaction.atomic():
        services.package_suspend(package=report.package, reviewer=reviewer, reason=reason)
        return report_resolve(
            report=report,
            reviewer=reviewer,
            status=ReportStatus.ACTIONED,
            note=f"Listing suspended: {reason}",
        )
