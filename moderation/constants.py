"""Choices for moderation: decisions, reports, blocks and verification requests."""

from django.db import models


class Action(models.TextChoices):
    """What an audit-log entry records."""

    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    REQUEST_CHANGES = "request-changes", "Request changes"
    FLAG = "flag", "Flag for a senior reviewer"
    SUSPEND = "suspend", "Suspend listing"
    UNSUSPEND = "unsuspend", "Unsuspend listing"
    DEPRECATE = "deprecate", "Deprecate listing"
    UNLIST = "unlist", "Unlist listing"
    YANK = "yank", "Yank release"
    QUARANTINE = "quarantine", "Quarantine after a trusted report"
    QUARANTINE_LIFT = "quarantine-lift", "Lift a quarantine (report dismissed)"
    RELIST = "relist", "List again"
    REPORT_RESOLVE = "report-resolve", "Resolve report"
    BLOCK_REQUEST = "block-request", "Request a block"
    BLOCK_CONFIRM = "block-confirm", "Confirm a block"
    BLOCK_LIFT = "block-lift", "Lift a block"
    VERIFICATION_GRANT = "verification-grant", "Grant verification"
    VERIFICATION_REFUSE = "verification-refuse", "Refuse verification"
    RETRO_HUNT = "retro-hunt", "Run a retro-hunt"
    HIDE_REVIEW = "hide-review", "Hide a review"
    UNHIDE_REVIEW = "unhide-review", "Show a hidden review again"


#: How a decision reads in the e-mail to the publisher's members.
OUTCOME_WORDS = {
    Action.APPROVE: "approved and published",
    Action.REJECT: "rejected",
    Action.REQUEST_CHANGES: "sent back: changes requested",
    Action.FLAG: "flagged for a senior reviewer",
    Action.SUSPEND: "suspended",
    Action.UNSUSPEND: "reinstated",
    Action.DEPRECATE: "deprecated",
    Action.UNLIST: "unlisted",
    Action.YANK: "yanked",
    Action.QUARANTINE: "quarantined after a report",
    Action.QUARANTINE_LIFT: "reinstated: the report was dismissed",
    Action.RELIST: "listed again",
}

#: The suspension reason a quarantine shows on the listing page; also how a quarantine is recognised.
QUARANTINE_REASON = "Quarantined after a report from a trusted reporter, until a reviewer decides."


class ReportReason(models.TextChoices):
    MALWARE = "malware", "Malware"
    SPAM = "spam", "Spam"
    IMPERSONATION = "impersonation", "Impersonation"
    LICENSE_BREACH = "license-breach", "License breach"
    OTHER = "other", "Other"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACTIONED = "actioned", "Actioned"
    DISMISSED = "dismissed", "Dismissed"


class BlockSeverity(models.TextChoices):
    """Blocklist severity (docs/api.md, "Blocklist")."""

    SOFT = "soft", "Soft: clients warn"
    HARD = "hard", "Hard: clients disable"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    GRANTED = "granted", "Granted"
    REFUSED = "refused", "Refused"


class HuntStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
