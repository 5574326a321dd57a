"""Choices shared by the catalog models (names from the ObjectStack schemas)."""

from django.db import models


class PublisherType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    ORGANIZATION = "organization", "Organization"


class VerificationLevel(models.TextChoices):
    """``PublisherVerification`` in the ObjectStack schema."""

    UNVERIFIED = "unverified", "Unverified"
    PENDING = "pending", "Verification pending"
    VERIFIED = "verified", "Verified"
    TRUSTED = "trusted", "Trusted"
    PARTNER = "partner", "Partner"


#: Levels shown to customers as a verified publisher.
VERIFIED_LEVELS = frozenset(
    {VerificationLevel.VERIFIED, VerificationLevel.TRUSTED, VerificationLevel.PARTNER}
)


class MemberRole(models.TextChoices):
    OWNER = "owner", "Owner"
    MEMBER = "member", "Member"


class ListingStatus(models.TextChoices):
    """``ListingStatus`` in the ObjectStack schema."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in-review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    SUSPENDED = "suspended", "Suspended"
    DEPRECATED = "deprecated", "Deprecated"
    UNLISTED = "unlisted", "Unlisted"


class Pricing(models.TextChoices):
    """Pricing models of docs/package-format.md, "Pricing"."""

    FREE = "free", "Free"
    TRIAL = "trial", "Free trial"
    PRO = "pro", "Pro"
    ENTERPRISE = "enterprise", "Enterprise"
    PER_SKILL = "per-skill", "Per skill"
