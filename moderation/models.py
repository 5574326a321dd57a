"""Moderation: the append-only audit log, canned reasons, reports, the blocklist,
retro-hunts and publisher verification requests."""

from django.conf import settings
from django.db import models

from publishing.constants import Severity

from .constants import Action, BlockSeverity, HuntStatus, ReportReason, ReportStatus, RequestStatus


class Decision(models.Model):
    """One entry of the audit log: who did what to which object, when, with what note.

    The object is a submission, a package (listing actions, blocks), a release
    (yank) or a publisher (verification). ``status_before``/``status_after``
    hold the status of that object around the action. Rows are written only by
    ``moderation`` services and never edited or deleted (the admin refuses).
    """

    submission = models.ForeignKey(
        "publishing.Submission", null=True, blank=True, on_delete=models.CASCADE, related_name="decisions"
    )
    package = models.ForeignKey(
        "catalog.Package", null=True, blank=True, on_delete=models.CASCADE, related_name="decisions"
    )
    release = models.ForeignKey(
        "catalog.Release", null=True, blank=True, on_delete=models.CASCADE, related_name="decisions"
    )
    publisher = models.ForeignKey(
        "catalog.Publisher", null=True, blank=True, on_delete=models.CASCADE, related_name="decisions"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=24, choices=Action.choices)
    note = models.TextField(blank=True)
    status_before = models.CharField(max_length=24, blank=True)
    status_after = models.CharField(max_length=24, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        target = self.submission or self.release or self.package or self.publisher
        return f"{self.get_action_display()} {target} by {self.reviewer or 'the system'}"


class CannedReason(models.Model):
    """A reusable note for a decision; reviewers pick one, staff edit them."""

    title = models.CharField(max_length=100)
    text = models.TextField(help_text="The note the author reads.")
    action = models.CharField(
        max_length=24,
        choices=[(a, a.label) for a in (Action.REJECT, Action.REQUEST_CHANGES, Action.FLAG, Action.SUSPEND)],
    )
    enabled = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["action", "position", "title"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.title}"


class TrustedReporter(models.Model):
    """A user whose reports quarantine a listing at once, until a reviewer decides."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trusted_reporter"
    )
    note = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.user)


class Report(models.Model):
    """A report about a listing, from a signed-in user or from a retro-hunt."""

    package = models.ForeignKey("catalog.Package", on_delete=models.CASCADE, related_name="reports")
    release = models.ForeignKey(
        "catalog.Release", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    description = models.TextField()
    status = models.CharField(max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    quarantined = models.BooleanField(default=False, help_text="The report suspended the listing at once.")
    retro_hunt = models.ForeignKey(
        "RetroHunt", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} report on {self.package}"


class BlockEntry(models.Model):
    """A blocked release (or, with ``release`` empty, every release of a package).

    A block takes effect once a second reviewer confirms it; ``GET
    /api/v1/blocklist`` lists the confirmed ones that are not lifted.
    """

    package = models.ForeignKey("catalog.Package", on_delete=models.CASCADE, related_name="blocks")
    release = models.ForeignKey(
        "catalog.Release", null=True, blank=True, on_delete=models.CASCADE, related_name="blocks"
    )
    severity = models.CharField(max_length=8, choices=BlockSeverity.choices)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name_plural = "blocklist"
        permissions = [("confirm_blockentry", "Can confirm another reviewer's block")]

    def __str__(self) -> str:
        return f"{self.package} {self.release.version if self.release else '(all versions)'}: {self.severity}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.lifted_at is None


class RetroHunt(models.Model):
    """Running one scan rule over every published release, as a Celery job with progress."""

    rule = models.ForeignKey("publishing.ScanRule", on_delete=models.CASCADE, related_name="retro_hunts")
    report_severity = models.CharField(
        max_length=10,
        choices=Severity.choices,
        default=Severity.HIGH,
        help_text="Matches at this severity or above also become reports.",
    )
    status = models.CharField(max_length=10, choices=HuntStatus.choices, default=HuntStatus.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Releases to scan.")
    done = models.PositiveIntegerField(default=0, help_text="Releases scanned so far.")
    matches = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Retro-hunt {self.rule} ({self.status})"

    @property
    def progress(self) -> int:
        """Percent done, 0 to 100."""
        return 100 if not self.total else round(100 * self.done / self.total)


class RetroHuntMatch(models.Model):
    """A release the rule matched during a retro-hunt."""

    hunt = models.ForeignKey(RetroHunt, on_delete=models.CASCADE, related_name="found")
    release = models.ForeignKey(
        "catalog.Release", on_delete=models.CASCADE, related_name="retro_hunt_matches"
    )
    path = models.CharField(max_length=300)
    line = models.PositiveIntegerField(null=True, blank=True)
    excerpt = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hunt", "release", "path"], name="unique_hunt_match")]

    def __str__(self) -> str:
        return f"{self.release} {self.path}:{self.line or ''}"


class VerificationRequest(models.Model):
    """A publisher's request for a verification level, with evidence; staff grant or refuse it."""

    publisher = models.ForeignKey(
        "catalog.Publisher", on_delete=models.CASCADE, related_name="verification_requests"
    )
    requested_level = models.CharField(max_length=16)
    evidence = models.TextField(help_text="Domain, company registration, links: what proves who you are.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.publisher} → {self.requested_level} ({self.status})"
