"""Signing keys, submissions and their scan findings."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse

from .constants import CHECKING_STATUSES, FINAL_STATUSES, SEVERITY_RANK, Severity, SubmissionStatus


def quarantine_storage():
    """The storage alias that holds raw uploads."""
    return storages["quarantine"]


class SigningKey(models.Model):
    """An Ed25519 public key registered to a publisher (spec section 3).

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
    excerpt = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "-created_at"]

    def __str__(self) -> str:
        return f"{self.severity} {self.code}"
