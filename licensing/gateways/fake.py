"""The fake gateway (``STRIPE_BACKEND=fake``): local stand-ins for Stripe's hosted pages, and the
signed events Stripe would send, built here and delivered in-process to our webhook service.

The fake plays Stripe, which calls our webhook endpoint; like Stripe, it is told where that
endpoint is rather than importing it: ``LicensingConfig.ready()`` connects
``licensing.webhooks.webhook_receive`` with :func:`connect_endpoint`.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from urllib.parse import urlencode

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse

from ..models import ConnectedAccount, Payment
from .protocol import AccountStatus, CheckoutRequest, CheckoutSession, SubscriptionCheckoutRequest

#: Our webhook service, ``webhook_receive(*, payload: bytes, signature: str)`` (see :func:`connect_endpoint`).
_endpoint: Callable[..., object] | None = None


def connect_endpoint(receive: Callable[..., object]) -> None:
    """Deliver the fake's events to ``receive`` (``licensing.webhooks.webhook_receive``)."""
    global _endpoint
    _endpoint = receive


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
    if _endpoint is None:
        raise ImproperlyConfigured(
            "The fake gateway has no webhook endpoint: is the licensing app installed?"
        )
    payload = event_payload(event_type, obj, event_id=event_id)
    _endpoint(payload=payload.encode(), signature=sign_payload(payload, settings.STRIPE_WEBHOOK_SECRET))


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
        account = ConnectedAccount.objects.filter(stripe_account_id=account_id).first()
        return AccountStatus(
            id=account_id,
            details_submitted=bool(account and account.details_submitted),
            charges_enabled=bool(account and account.charges_enabled),
            payouts_enabled=bool(account and account.payouts_enabled),
        )

    def refund_create(self, *, payment_intent_id: str, payment_id: int) -> str:
        """Stripe refunds asynchronously and reports ``charge.refunded``; so does the fake, on commit."""

        def send() -> None:
            payment = Payment.objects.select_related("buyer").get(pk=payment_id)
            deliver_event("charge.refunded", fake_payment_objects(payment)["charge.refunded"])

        transaction.on_commit(send)
        return f"re_fake_{secrets.token_hex(8)}"
