"""Choices for moderation decisions."""

from django.db import models


class Action(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    REQUEST_CHANGES = "request-changes", "Request changes"
    FLAG = "flag", "Flag for a senior reviewer"
