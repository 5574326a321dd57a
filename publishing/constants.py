"""Choices for submissions and scan findings."""

from django.db import models


class SubmissionStatus(models.TextChoices):
    """Where a submission stands in the pipeline."""

    PENDING = "pending", "Pending"
    SCANNING = "scanning", "Scanning"
    IN_REVIEW = "in-review", "In review"
    CHANGES_REQUESTED = "changes-requested", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


#: Statuses after which nothing changes without a new upload.
FINAL_STATUSES = frozenset(
    {SubmissionStatus.APPROVED, SubmissionStatus.REJECTED, SubmissionStatus.CHANGES_REQUESTED}
)
#: Statuses in which the automatic checks are still running.
CHECKING_STATUSES = frozenset({SubmissionStatus.PENDING, SubmissionStatus.SCANNING})


class Severity(models.TextChoices):
    """Severity of a scan finding, lowest first."""

    INFO = "info", "Info"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


SEVERITY_RANK = {s.value: i for i, s in enumerate(Severity)}


class AuditVerdict(models.TextChoices):
    """The audit report's verdict, from the scan findings."""

    CERTIFIED = "certified", "Certified"
    NEEDS_REVIEW = "needs-review", "Needs review"
    REJECTED = "rejected", "Rejected"
    NO_CODE = "no-code", "No code to scan"


class PublishOutcome(models.TextChoices):
    """What ``POST /api/v1/publish`` reports (docs/api.md, "Publishing", ``status``)."""

    SCANNING = "scanning", "Scanning"
    PUBLISHED = "published", "Published"
    PENDING_REVIEW = "pending_review", "Pending review"
    FLAGGED = "flagged", "Flagged"
    REJECTED = "rejected", "Rejected"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
