"""The payment gateway: a small protocol over Stripe, with a real and a fake implementation.

``STRIPE_BACKEND`` picks one (STYLE.md section 8): ``stripe`` talks to Stripe (or, in tests, to a
Stripe-compatible server at ``STRIPE_API_BASE``) through the ``stripe`` library; ``fake`` stands in
for Stripe's hosted pages with local ones (``licensing.views``) that send our own webhook endpoint
events signed exactly as Stripe signs them.

Money is in US cents. The marketplace keeps 30% of a sale, rounded half up to the cent, as the
Checkout Session's ``application_fee_amount``; the rest goes to the publisher's connected account
(spec section 6).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol
from urllib.parse import urlencode

import stripe
from django.conf import settings
from django.urls import reverse

from catalog.constants import Pricing

#: The marketplace's share of a sale (spec section 6).
APPLICATION_FEE_RATE = Decimal("0.30")
#: The pricing models that are paid for through checkout (``trial`` starts without payment).
PAID_PRICING = frozenset({Pricing.PRO, Pricing.ENTERPRISE, Pricing.PER_SKILL})
CURRENCY = "usd"


def application_fee(price_cents: int) -> int:
    """The marketplace's 30% of ``price_cents``, rounded half up to the cent."""
    return int((Decimal(price_cents) * APPLICATION_FEE_RATE).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def author_share(price_cents: int) -> int:
    """What the publisher receives: the price minus :func:`application_fee`."""
    return price_cents - application_fee(price_cents)


def can_sell(publisher) -> tuple[bool, str]:
    """Whether ``publisher`` may publish paid releases, and if not, why (for the submission).

    A paid release needs a connected account with charges enabled (issue 6, Money).
    """
    from .models import ConnectedAccount

    account = ConnectedAccount.objects.filter(publisher=publisher).first()
    if account is None:
        return False, (
            "Paid packages need a payout account: connect a Stripe account from the publisher's "
            "Earnings page before publishing a paid release."
        )
    if not account.charges_enabled:
        return False, (
            "The publisher's Stripe account cannot accept charges yet: finish onboarding from the "
            "Earnings page (Stripe may still be reviewing the details) before publishing a paid release."
        )
    return True, ""


# --- the protocol ----------------------------------------------------------------------------


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


def get_gateway() -> PaymentGateway:
    """The gateway ``STRIPE_BACKEND`` names."""
    from marketplace.settings import StripeBackend

    if settings.STRIPE_BACKEND is StripeBackend.STRIPE:
        return StripeGateway()
    return FakeGateway()


# --- Stripe ----------------------------------------------------------------------------------


class StripeGateway:
    """Stripe through the ``stripe`` library, at ``STRIPE_API_BASE`` (``https://api.stripe.com``)."""

    def __init__(self) -> None:
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            max_network_retries=2,
        )

    def checkout_session_create(self, request: CheckoutRequest) -> CheckoutSession:
        metadata = {"payment_id": str(request.payment_id)}
        session = self.client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": request.currency,
                            "unit_amount": request.amount_cents,
                            "product_data": {"name": request.product_name},
                        },
                    }
                ],
                "payment_intent_data": {
                    "application_fee_amount": request.application_fee_cents,
                    "transfer_data": {"destination": request.destination_account},
                    "metadata": metadata,
                },
                "client_reference_id": str(request.payment_id),
                "customer_email": request.customer_email,
                "metadata": metadata,
                "success_url": request.success_url,
                "cancel_url": request.cancel_url,
            },
            options={"idempotency_key": f"checkout-payment-{request.payment_id}"},
        )
        return CheckoutSession(id=session.id, url=session.url)

    def subscription_checkout_create(self, request: SubscriptionCheckoutRequest) -> CheckoutSession:
        """``POST /v1/checkout/sessions`` with ``mode=subscription`` (one line item, monthly)."""
        if request.price_id:
            line_item: dict = {"quantity": 1, "price": request.price_id}
        else:
            line_item = {
                "quantity": 1,
                "price_data": {
                    "currency": request.currency,
                    "unit_amount": request.amount_cents,
                    "recurring": {"interval": "month"},
                    "product_data": {"name": f"Argent Marketplace {request.plan_name} plan"},
                },
            }
        session = self.client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "line_items": [line_item],
                "client_reference_id": str(request.payment_id),
                "customer_email": request.customer_email,
                "metadata": request.metadata,
                "subscription_data": {"metadata": request.metadata},
                "success_url": request.success_url,
                "cancel_url": request.cancel_url,
            },
            options={"idempotency_key": f"checkout-subscription-{request.payment_id}"},
        )
        return CheckoutSession(id=session.id, url=session.url)

    def subscription_cancel(self, subscription_id: str) -> None:
        """``DELETE /v1/subscriptions/{id}``: cancel now; Stripe then sends ``customer.subscription.deleted``."""
        self.client.v1.subscriptions.cancel(subscription_id)

    def account_create(self, *, email: str, publisher_slug: str) -> str:
        account = self.client.v1.accounts.create(
            params={
                "type": "express",
                "email": email,
                "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
                "metadata": {"publisher": publisher_slug},
            },
            options={"idempotency_key": f"account-publisher-{publisher_slug}"},
        )
        return account.id

    def account_link_create(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        link = self.client.v1.account_links.create(
            params={
                "account": account_id,
                "type": "account_onboarding",
                "refresh_url": refresh_url,
                "return_url": return_url,
            }
        )
        return link.url

    def account_retrieve(self, account_id: str) -> AccountStatus:
        account = self.client.v1.accounts.retrieve(account_id)
        return AccountStatus(
            id=account.id,
            details_submitted=bool(account.details_submitted),
            charges_enabled=bool(account.charges_enabled),
            payouts_enabled=bool(account.payouts_enabled),
        )

    def refund_create(self, *, payment_intent_id: str, payment_id: int) -> str:
        refund = self.client.v1.refunds.create(
            params={
                "payment_intent": payment_intent_id,
                "reverse_transfer": True,
                "refund_application_fee": True,
                "metadata": {"payment_id": str(payment_id)},
            },
            options={"idempotency_key": f"refund-payment-{payment_id}"},
        )
        return refund.id


# --- the fake --------------------------------------------------------------------------------


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``: ``t=<unix time>,v1=<HMAC-SHA256 hex>``."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def event_payload(event_type: str, obj: dict, *, event_id: str | None = None) -> str:
    """A Stripe event (API version-independent subset) as the JSON body Stripe would POST."""
    return json.dumps(
        {
            "id": event_id or f"evt_fake_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": event_type,
            "data": {"object": obj},
        }
    )


def deliver_event(event_type: str, obj: dict, *, event_id: str | None = None) -> None:
    """Sign an event with ``STRIPE_WEBHOOK_SECRET`` and hand it to our webhook service in-process.

    The body and header are exactly what Stripe would send, so the service verifies them with
    ``stripe.Webhook.construct_event`` as it does for real deliveries.
    """
    from . import webhooks

    payload = event_payload(event_type, obj, event_id=event_id)
    webhooks.webhook_receive(
        payload=payload.encode(), signature=sign_payload(payload, settings.STRIPE_WEBHOOK_SECRET)
    )


def fake_payment_objects(payment) -> dict[str, dict]:
    """The Stripe objects the fake's events carry for ``payment`` (a :class:`~licensing.models.Payment`)."""
    metadata = {"payment_id": str(payment.pk)}
    pi = payment.payment_intent_id or f"pi_fake_{payment.pk}_{secrets.token_hex(6)}"
    charge = f"ch_fake_{payment.pk}"
    return {
        "checkout.session.completed": {
            "id": payment.checkout_session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "complete",
            "payment_status": "paid",
            "payment_intent": pi,
            "amount_total": payment.amount_cents,
            "currency": payment.currency,
            "client_reference_id": str(payment.pk),
            "customer_details": {"email": payment.buyer.email},
            "metadata": metadata,
        },
        "payment_intent.succeeded": {
            "id": pi,
            "object": "payment_intent",
            "status": "succeeded",
            "amount": payment.amount_cents,
            "amount_received": payment.amount_cents,
            "application_fee_amount": payment.application_fee_cents,
            "currency": payment.currency,
            "latest_charge": charge,
            "transfer_data": {"destination": payment.destination_account},
            "metadata": metadata,
        },
        "charge.refunded": {
            "id": charge,
            "object": "charge",
            "payment_intent": pi,
            "amount": payment.amount_cents,
            "amount_refunded": payment.amount_cents,
            "refunded": True,
            "currency": payment.currency,
            "metadata": metadata,
        },
        "charge.dispute.created": {
            "id": f"dp_fake_{payment.pk}",
            "object": "dispute",
            "charge": charge,
            "payment_intent": pi,
            "amount": payment.amount_cents,
            "currency": payment.currency,
            "reason": "fraudulent",
            "status": "needs_response",
            "metadata": {},
        },
    }


def fake_subscription_object(
    subscription_id: str, status: str, *, metadata: dict | None = None, period_end: int | None = None
) -> dict:
    """A Stripe ``subscription`` object as the fake's events carry it."""
    end = period_end or int(time.time()) + 30 * 24 * 3600
    return {
        "id": subscription_id,
        "object": "subscription",
        "status": status,
        "current_period_end": end,
        "items": {"object": "list", "data": [{"object": "subscription_item", "current_period_end": end}]},
        "metadata": metadata or {},
    }  # fmt: skip


def fake_subscription_payment_objects(payment) -> dict[str, dict]:
    """The events a paid subscription checkout sends for ``payment`` (a plan's :class:`Payment`)."""
    subscription_id = f"sub_fake_{payment.pk}"
    metadata = {"payment_id": str(payment.pk), "plan": payment.plan.slug, "user_id": str(payment.buyer_id)}
    now = int(time.time())
    end = now + 30 * 24 * 3600
    return {
        "checkout.session.completed": {
            "id": payment.checkout_session_id,
            "object": "checkout.session",
            "mode": "subscription",
            "status": "complete",
            "payment_status": "paid",
            "subscription": subscription_id,
            "amount_total": payment.amount_cents,
            "currency": payment.currency,
            "client_reference_id": str(payment.pk),
            "customer_details": {"email": payment.buyer.email},
            "metadata": {
                **metadata,
                **({"organization": payment.organization.slug} if payment.organization else {}),
            },
        },
        "invoice.paid": {
            "id": f"in_fake_{payment.pk}",
            "object": "invoice",
            "billing_reason": "subscription_create",
            "status": "paid",
            "subscription": subscription_id,
            "amount_paid": payment.amount_cents,
            "currency": payment.currency,
            "lines": {"object": "list", "data": [{"period": {"start": now, "end": end}}]},
        },
    }


class FakeGateway:
    """Local pages stand in for Stripe's hosted checkout and onboarding (the demo's default)."""

    def checkout_session_create(self, request: CheckoutRequest) -> CheckoutSession:
        return self._local_session()

    def subscription_checkout_create(self, request: SubscriptionCheckoutRequest) -> CheckoutSession:
        """The same local checkout page; paying sends the events of a subscription checkout."""
        return self._local_session()

    @staticmethod
    def _local_session() -> CheckoutSession:
        session_id = f"cs_fake_{secrets.token_urlsafe(18)}"
        return CheckoutSession(
            id=session_id, url=reverse("licensing:fake-checkout", kwargs={"session_id": session_id})
        )

    def subscription_cancel(self, subscription_id: str) -> None:
        """Stripe reports ``customer.subscription.deleted``; so does the fake, on commit."""
        from django.db import transaction

        def send() -> None:
            deliver_event(
                "customer.subscription.deleted", fake_subscription_object(subscription_id, "canceled")
            )

        transaction.on_commit(send)

    def account_create(self, *, email: str, publisher_slug: str) -> str:
        return f"acct_fake_{secrets.token_hex(8)}"

    def account_link_create(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        url = reverse("licensing:fake-onboarding", kwargs={"account_id": account_id})
        return f"{url}?{urlencode({'return_url': return_url, 'refresh_url': refresh_url})}"

    def account_retrieve(self, account_id: str) -> AccountStatus:
        from .models import ConnectedAccount

        account = ConnectedAccount.objects.filter(stripe_account_id=account_id).first()
        return AccountStatus(
            id=account_id,
            details_submitted=bool(account and account.details_submitted),
            charges_enabled=bool(account and account.charges_enabled),
            payouts_enabled=bool(account and account.payouts_enabled),
        )

    def refund_create(self, *, payment_intent_id: str, payment_id: int) -> str:
        """Stripe refunds asynchronously and reports ``charge.refunded``; so does the fake, on commit."""
        from django.db import transaction

        from .models import Payment

        def send() -> None:
            payment = Payment.objects.select_related("buyer").get(pk=payment_id)
            deliver_event("charge.refunded", fake_payment_objects(payment)["charge.refunded"])

        transaction.on_commit(send)
        return f"re_fake_{secrets.token_hex(8)}"
