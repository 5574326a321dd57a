"""Choices for licenses, payments and account plans."""

from django.db import models


class LicenseStatus(models.TextChoices):
    """docs/api.md, "Licenses": active, expired or revoked (suspended during a dispute)."""

    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    SUSPENDED = "suspended", "Suspended"


class PaymentStatus(models.TextChoices):
    """A payment's state; transitions only move forward."""

    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    DISPUTED = "disputed", "Disputed"
    REFUNDED = "refunded", "Refunded"


class PaymentKind(models.TextChoices):
    PURCHASE = "purchase", "Purchase"
    TRIAL = "trial", "Trial"
    RENEWAL = "renewal", "Renewal"
    SUBSCRIPTION = "subscription", "Plan subscription"


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    CANCELED = "canceled", "Canceled"
