"""Licenses, activations, payments, connected accounts, webhook events and account plans."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .constants import LicenseStatus, PaymentKind, PaymentStatus, SubscriptionStatus


class ConnectedAccount(models.Model):
    """A publisher's Stripe Connect Express account (the destination of its sales)."""

    publisher = models.OneToOneField(
        "catalog.Publisher", on_delete=models.CASCADE, related_name="connected_account"
    )
    stripe_account_id = models.CharField(max_length=64, unique=True)
    details_submitted = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.publisher} ({self.stripe_account_id})"


class License(models.Model):
    """A license to one package for one customer (docs/package-format.md, "Pricing": term and activation cap by pricing).

    The key itself is stored only encrypted (``key_encrypted``, PyNaCl SecretBox) and looked
    up by ``key_hmac`` (HMAC-SHA256 under a server pepper); ``key_last4`` is for display.
    """

    package = models.ForeignKey("catalog.Package", on_delete=models.PROTECT, related_name="licenses")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="licenses")
    pricing = models.CharField(max_length=16, help_text="The package's pricing model when it was issued.")
    key_hmac = models.CharField(max_length=64, unique=True)
    key_encrypted = models.BinaryField()
    key_last4 = models.CharField(max_length=4)
    status = models.CharField(max_length=12, choices=LicenseStatus.choices, default=LicenseStatus.ACTIVE)
    status_reason = models.CharField(max_length=300, blank=True)
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: perpetual.")
    activations_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    renewal_reminders_sent = models.JSONField(default=list, blank=True, help_text="Days before expiry.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "package"])]

    def __str__(self) -> str:
        return f"…{self.key_last4} for {self.package} ({self.status})"


class Activation(models.Model):
    """One installation (``instance_id``) using a license; counted against its cap while active."""

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="activations")
    instance_id = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["license", "instance_id"],
                condition=models.Q(deactivated_at__isnull=True),
                name="one_active_activation_per_instance",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instance_id} on {self.license}"


class Payment(models.Model):
    """A checkout (purchase, trial, renewal or plan subscription) and what became of it.

    Amounts in US cents; ``application_fee_cents`` is the marketplace's 30% (docs/package-format.md, "Pricing").
    """

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    package = models.ForeignKey(
        "catalog.Package", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    plan = models.ForeignKey("Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    organization = models.ForeignKey(
        "catalog.Publisher",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_payments",
        help_text="The organization a Team or Enterprise plan checkout is for.",
    )
    kind = models.CharField(max_length=16, choices=PaymentKind.choices)
    license = models.ForeignKey(
        License, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    amount_cents = models.PositiveIntegerField()
    application_fee_cents = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="usd")
    destination_account = models.CharField(max_length=64, blank=True)
    checkout_session_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    payment_intent_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    status = models.CharField(max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    refunded_cents = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # The platform totals page without the payments themselves (README "Staff see platform totals").
        permissions = [("view_platform_totals", "Can view the platform totals")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents}¢ by {self.buyer} ({self.status})"


class WebhookEvent(models.Model):
    """A processed Stripe event id: stored with its effects, so a replay does nothing."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Plan(models.Model):
    """A customer account plan (Cloud OS): install caps per kind and whether it may publish."""

    slug = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    price_cents = models.PositiveIntegerField(default=0, help_text="Per month, US cents.")
    install_caps = models.JSONField(
        default=dict,
        blank=True,
        help_text='Kind slug → maximum installs, e.g. {"app": 3}; absent = unlimited.',
    )
    can_publish = models.BooleanField(default=False)
    max_members = models.PositiveIntegerField(default=1)
    stripe_price_id = models.CharField(max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """A customer's (or an organization's) plan."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    organization = models.ForeignKey(
        "catalog.Publisher", null=True, blank=True, on_delete=models.SET_NULL, related_name="subscriptions"
    )
    status = models.CharField(
        max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    stripe_subscription_id = models.CharField(max_length=100, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} on {self.plan}"
