"""E-mails about moderation: what each one says and to whom. Sent by ``moderation.tasks``, never in a request."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from marketplace import emails

from .constants import OUTCOME_WORDS, RequestStatus
from .models import Decision, Report, VerificationRequest
from .roles import REVIEWERS

logger = logging.getLogger(__name__)


def decision_notify(*, decision_id: int) -> int:
    """E-mail every member of the publisher about a decision on a submission, a listing or a release.

    Returns how many addresses were written to (0 when the publisher has no member).

    Raises:
        Decision.DoesNotExist: no such decision.
        smtplib.SMTPException, OSError: the mail server failed (the task retries).
    """
    decision = Decision.objects.select_related("submission", "package__publisher", "release").get(
        pk=decision_id
    )
    package = decision.package
    recipients = list(package.publisher.members.values_list("email", flat=True))
    if not recipients:
        return 0
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
    emails.send_each(
        template="moderation/emails/decision", subject=f"{what} was {outcome}", to=recipients, context=context
    )
    return len(recipients)


def reviewer_emails() -> list[str]:
    """The addresses of active staff users and members of the Reviewers group, sorted."""
    users = get_user_model().objects.filter(Q(is_staff=True) | Q(groups__name=REVIEWERS), is_active=True)
    return sorted({email for email in users.values_list("email", flat=True) if email})


def mail_reviewers(*, subject: str, template: str, context: dict) -> int:
    """E-mail every reviewer (see :func:`reviewer_emails`); returns how many addresses."""
    recipients = reviewer_emails()
    if not recipients:
        logger.warning("No reviewer to e-mail about: %s", subject)
        return 0
    emails.send_each(template=template.removesuffix(".txt"), subject=subject, to=recipients, context=context)
    return len(recipients)


def report_notify(*, report_id: int) -> int:
    """E-mail the reviewers about a new report (and whether it quarantined the listing)."""
    report = Report.objects.select_related("package", "release", "reporter").get(pk=report_id)
    what = "quarantined " if report.quarantined else ""
    return mail_reviewers(
        subject=f"New {report.get_reason_display().lower()} report: {what}{report.package.identifier}",
        template="moderation/emails/report_new.txt",
        context={
            "report": report,
            "admin_url": settings.SITE_URL + reverse("admin:moderation_report_change", args=[report.pk]),
        },
    )


def verification_request_notify(*, request_id: int) -> int:
    """E-mail the reviewers about a new verification request."""
    request = VerificationRequest.objects.select_related("publisher").get(pk=request_id)
    return mail_reviewers(
        subject=f"Verification request: {request.publisher.name} asks for {request.requested_level}",
        template="moderation/emails/verification_new.txt",
        context={
            "request": request,
            "admin_url": settings.SITE_URL
            + reverse("admin:moderation_verificationrequest_change", args=[request.pk]),
        },
    )


def verification_decision_notify(*, request_id: int) -> int:
    """E-mail the publisher's members that their verification request was granted or refused."""
    request = VerificationRequest.objects.select_related("publisher").get(pk=request_id)
    recipients = sorted({m.email for m in request.publisher.members.all() if m.email})
    if not recipients:
        return 0
    outcome = "granted" if request.status == RequestStatus.GRANTED else "refused"
    emails.send_each(
        subject=f"{request.publisher.name}: verification as {request.requested_level} {outcome}",
        template="moderation/emails/verification_decision",
        context={
            "request": request,
            "outcome": outcome,
            "url": settings.SITE_URL
            + reverse("moderation:verification-request", args=[request.publisher.slug]),
        },
        to=recipients,
    )
    return len(recipients)
