"""Reports about listings, and the quarantine a trusted reporter's report triggers.

Issue 4, "Reports and the kill switch": any signed-in user may report a
listing; a report from a ``TrustedReporter`` about a published listing
suspends it at once (a *quarantine*) until a reviewer resolves the report.
Retro-hunts file reports too (``reporter`` None, ``retro_hunt`` set).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from catalog.constants import ListingStatus
from catalog.models import Package, Release

from .constants import Action, BlockSeverity, ReportReason, ReportStatus
from .models import BlockEntry, Report, RetroHunt, TrustedReporter
from .services import DecisionError, audit_log, package_suspend, package_unsuspend

logger = logging.getLogger(__name__)

#: The suspension reason a quarantine shows on the listing page; also how a quarantine is recognised.
QUARANTINE_REASON = "Quarantined after a report from a trusted reporter, until a reviewer decides."
#: The group whose members (and every staff user) are e-mailed about new reports and requests.
REVIEWERS_GROUP = "Reviewers"


def reviewer_emails() -> list[str]:
    """The addresses of active staff users and members of the ``Reviewers`` group, sorted."""
    users = get_user_model().objects.filter(
        Q(is_staff=True) | Q(groups__name=REVIEWERS_GROUP), is_active=True
    )
    return sorted({email for email in users.values_list("email", flat=True) if email})


def mail_reviewers(*, subject: str, template: str, context: dict) -> None:
    """E-mail every reviewer (see :func:`reviewer_emails`); call it from ``on_commit``."""
    recipients = reviewer_emails()
    if not recipients:
        logger.warning("No reviewer to e-mail about: %s", subject)
        return
    send_mail(
        subject=f"[Argent Marketplace] {subject}",
        message=render_to_string(template, {**context, "site_url": settings.SITE_URL}),
        from_email=None,
        recipient_list=recipients,
    )


def _notify_new_report(report_id: int) -> None:
    report = Report.objects.select_related("package", "release", "reporter").get(pk=report_id)
    what = "quarantined " if report.quarantined else ""
    mail_reviewers(
        subject=f"New {report.get_reason_display().lower()} report: {what}{report.package.identifier}",
        template="moderation/emails/report_new.txt",
        context={
            "report": report,
            "admin_url": settings.SITE_URL + reverse("admin:moderation_report_change", args=[report.pk]),
        },
    )


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

    When ``reporter`` is a trusted reporter and the listing is published, the
    listing is quarantined at once: suspended through
    :func:`moderation.services.package_suspend` (which logs ``suspend``) with
    :data:`QUARANTINE_REASON`, a ``quarantine`` audit entry is written and the
    report is marked ``quarantined``. Rule: issue 4, "Reports and the kill switch".

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
        if trusted and package.status == ListingStatus.PUBLISHED:
            package_suspend(package=package, reviewer=None, reason=QUARANTINE_REASON)
            report.quarantined = True
            report.save(update_fields=["quarantined"])
            audit_log(
                action=Action.QUARANTINE,
                reviewer=None,
                note=f"Report #{report.pk} ({report.get_reason_display()}) from trusted reporter {reporter}.",
                package=package,
                release=release,
                before=ListingStatus.PUBLISHED,
                after=ListingStatus.SUSPENDED,
            )
        transaction.on_commit(lambda: _notify_new_report(report.pk))
    logger.info("Report %s on %s filed (quarantined: %s)", report.pk, package.identifier, report.quarantined)
    return report


def _quarantine_still_needed(package: Package) -> bool:
    """Whether something other than the report being dismissed holds the quarantine."""
    other_reports = Report.objects.filter(package=package, status=ReportStatus.OPEN, quarantined=True)
    hard_block = BlockEntry.objects.filter(
        package=package, severity=BlockSeverity.HARD, confirmed_at__isnull=False, lifted_at__isnull=True
    )
    return other_reports.exists() or hard_block.exists()


def report_resolve(*, report: Report, reviewer: AbstractBaseUser | None, status: str, note: str) -> Report:
    """Close an open report as ``actioned`` or ``dismissed`` with a note; logs ``report-resolve``.

    Dismissing a report that quarantined its listing lifts the quarantine
    (:func:`moderation.services.package_unsuspend`, which logs ``unsuspend``)
    unless another open quarantining report or a confirmed hard block remains,
    or a reviewer has since suspended the listing for another reason. Marking
    it actioned keeps the listing suspended. Rule: issue 4, "Reports and the kill switch".

    Raises:
        DecisionError: the note is empty, the status is not actioned or
            dismissed, or the report is resolved already.
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
        if report.status != ReportStatus.OPEN:
            raise DecisionError(f"Report #{report.pk} is {report.get_status_display().lower()} already.")
        report.status = status
        report.resolved_by = reviewer
        report.resolved_at = timezone.now()
        report.resolution_note = note
        report.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
        audit_log(
            action=Action.REPORT_RESOLVE,
            reviewer=reviewer,
            note=f"Report #{report.pk}: {note}",
            package=report.package,
            release=report.release,
            before=ReportStatus.OPEN,
            after=status,
        )
        package = Package.objects.select_for_update().get(pk=report.package_id)
        if (
            status == ReportStatus.DISMISSED
            and report.quarantined
            and package.status == ListingStatus.SUSPENDED
            and package.status_reason == QUARANTINE_REASON
            and not _quarantine_still_needed(package)
        ):
            package_unsuspend(
                package=package, reviewer=reviewer, note=f"Quarantine lifted: report #{report.pk} dismissed."
            )
    return report
