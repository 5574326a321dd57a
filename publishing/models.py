"""Signing keys, submissions and their scan findings."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse

from .constants import (
    CHECKING_STATUSES,
    FINAL_STATUSES,
    SEVERITY_RANK,
    AuditVerdict,
    PublishOutcome,
    Severity,
    SubmissionStatus,
)


def quarantine_storage():
    """The storage alias that holds raw uploads."""
    return storages["quarantine"]


class SigningKey(models.Model):
    """An Ed25519 public key registered to a publisher (docs/package-format.md, "Signatures and keys").

    ``public_key`` is the 32 raw bytes in standard base64; ``fingerprint`` is
    ``SHA256:`` + unpadded base64 of their SHA-256.
    """

    publisher = models.ForeignKey("catalog.Publisher", on_delete=models.CASCADE, related_name="signing_keys")
    label = models.CharField(max_length=100)
    public_key = models.CharField(max_length=44, unique=True)
    fingerprint = models.CharField(max_length=60, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.fingerprint})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Submission(models.Model):
    """One upload of one release, from its arrival to a reviewer's decision."""

    publisher = models.ForeignKey("catalog.Publisher", on_delete=models.PROTECT, related_name="submissions")
    package = models.ForeignKey("catalog.Package", on_delete=models.CASCADE, related_name="submissions")
    release = models.OneToOneField("catalog.Release", on_delete=models.CASCADE, related_name="submission")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    status = models.CharField(
        max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING
    )
    is_new_package = models.BooleanField(default=False)
    upload = models.FileField(storage=quarantine_storage, max_length=300)
    upload_sha256 = models.CharField(max_length=64)
    upload_size = models.PositiveBigIntegerField(help_text="Bytes.")
    filename = models.CharField(max_length=255)
    detached_signature = models.CharField(max_length=100, blank=True)
    release_notes = models.TextField(blank=True)
    reviewer_notes = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    flagged = models.BooleanField(default=False, help_text="Never auto-published; a reviewer must decide.")
    flag_reasons = models.JSONField(default=list, blank=True, help_text="Why it was flagged, in words.")
    similar_to = models.JSONField(
        default=list, blank=True, help_text="Existing identifiers this one resembles."
    )
    audit_score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0 to 100.")
    audit_verdict = models.CharField(max_length=16, choices=AuditVerdict.choices, blank=True)
    api_token = models.ForeignKey(
        "tokens.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_by",
        help_text="The submission sent back with 'changes requested' that this upload answers.",
    )
    queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Place in the moderation queue; kept from the submission it replaces.",
    )
    escalated = models.BooleanField(default=False, help_text="Flagged for a senior reviewer.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        permissions = [("decide_submission", "Can approve, reject or request changes on a submission")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.package.identifier} {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("publishing:submission-detail", args=[self.pk])

    @property
    def version(self) -> str:
        return self.release.version

    @property
    def is_final(self) -> bool:
        """True once a decision is recorded."""
        return self.status in FINAL_STATUSES

    @property
    def is_checking(self) -> bool:
        """True while the verification task has not finished."""
        return self.status in CHECKING_STATUSES

    @property
    def outcome(self) -> str:
        """The API's ``status`` word for this submission (docs/api.md, "Publishing")."""
        if self.is_checking:
            return PublishOutcome.SCANNING
        if self.status == SubmissionStatus.APPROVED:
            return PublishOutcome.PUBLISHED
        if self.status == SubmissionStatus.REJECTED:
            return PublishOutcome.REJECTED
        if self.status == SubmissionStatus.CHANGES_REQUESTED:
            return PublishOutcome.CHANGES_REQUESTED
        return PublishOutcome.FLAGGED if self.flagged else PublishOutcome.PENDING_REVIEW

    @property
    def highest_severity(self) -> str | None:
        """The highest severity among the findings, or None."""
        severities = [f.severity for f in self.findings.all()]
        return max(severities, key=SEVERITY_RANK.__getitem__) if severities else None


class ScanFinding(models.Model):
    """One thing the automatic checks found in a submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(max_length=64)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    message = models.CharField(max_length=1000)
    path = models.CharField(max_length=300, blank=True, help_text="Archive member the finding is about.")
    field = models.CharField(max_length=200, blank=True, help_text="Manifest field the finding is about.")
    line = models.PositiveIntegerField(null=True, blank=True, help_text="1-based line in the member.")
    excerpt = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "-created_at"]

    def __str__(self) -> str:
        return f"{self.severity} {self.code}"


class ScanRule(models.Model):
    """A YARA rule run over every member of every submission; edited by staff in the admin."""

    name = models.SlugField(max_length=100, unique=True, help_text="The rule id shown in findings.")
    description = models.CharField(max_length=300)
    source = models.TextField(help_text="YARA source of exactly one rule.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
