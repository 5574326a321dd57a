"""The append-only audit log of moderation decisions."""

from django.conf import settings
from django.db import models

from .constants import Action


class Decision(models.Model):
    """One reviewer decision on a submission: who, when, what, note, status before and after.

    Rows are written only by ``moderation.services`` and never edited.
    """

    submission = models.ForeignKey(
        "publishing.Submission", on_delete=models.CASCADE, related_name="decisions"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    note = models.TextField(blank=True)
    status_before = models.CharField(max_length=20)
    status_after = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} #{self.submission_id} by {self.reviewer}"
