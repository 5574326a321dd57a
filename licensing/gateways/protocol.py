"""The payment gateway protocol and the values that cross it: checkout requests, sessions, account status.

Money is in US cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

CURRENCY = "usd"


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class AccountStatus:
    id: str
    details_submitted: bool
    charges_enabled: bool
    payouts_enabled: bool


@dataclass(frozen=True)
class CheckoutRequest:
    """What a Checkout Session charges: one line item, the fee and the destination."""

    payment_id: int
    product_name: str
    amount_cents: int
    application_fee_cents: int
    destination_account: str
    customer_email: str
    success_url: str
    cancel_url: str
    currency: str = CURRENCY


@dataclass(frozen=True)
class SubscriptionCheckoutRequest:
    """A Checkout Session in ``subscription`` mode for an account plan, billed monthly.

    ``price_id`` is the plan's Stripe Price when staff set one; otherwise the session carries
    ``amount_cents`` as inline ``price_data`` recurring every month. ``metadata`` (payment id,
    plan slug, user id, organization slug) is copied onto the subscription, so its events can be
    traced back to the checkout. The whole amount is the marketplace's (no application fee, no
    transfer).
    """

    payment_id: int
    plan_slug: str
    plan_name: str
    price_id: str
    amount_cents: int
    customer_email: str
    user_id: int
    organization_slug: str | None
    success_url: str
    cancel_url: str
    currency: str = CURRENCY

    @property
    def metadata(self) -> dict[str, str]:
        data = {"payment_id": str(self.payment_id), "plan": self.plan_slug, "user_id": str(self.user_id)}
        if self.organization_slug:
            data["organization"] = self.organization_slug
        return data


class PaymentGateway(Protocol):
    def checkout_session_create(self, request: CheckoutRequest) -> CheckoutSession: ...

    def subscription_checkout_create(self, request: SubscriptionCheckoutRequest) -> CheckoutSession: ...

    def subscription_cancel(self, subscription_id: str) -> None: ...

    def account_create(self, *, email: str, publisher_slug: str) -> str: ...

    def account_link_create(self, *, account_id: str, refresh_url: str, return_url: str) -> str: ...

    def account_retrieve(self, account_id: str) -> AccountStatus: ...

    def refund_create(self, *, payment_intent_id: str, payment_id: int) -> str: ...
