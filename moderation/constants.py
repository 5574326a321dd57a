"""Choices for moderation decisions."""

from django.db import models


class Action(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    REQUEST_CHANGES = "request-changes", "Request changes"
    FLAG = "flag", "Flag for a senior reviewer"


#: How a decision reads in the e-mail to the author.
OUTCOME_WORDS = {
    Action.APPROVE: "approved and published",
    Action.REJECT: "rejected",
    Action.REQUEST_CHANGES: "sent back: changes requested",
    Action.FLAG: "flagged for a senior reviewer",
}
