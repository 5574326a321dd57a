"""Stripe webhooks: verify, record the event id with its effects, move payments forward.

``webhook_receive`` verifies the ``Stripe-Signature`` header with ``stripe.Webhook.construct_event``
over the raw body (default tolerance, five minutes). Each event is processed in one transaction that
also inserts its id into ``WebhookEvent`` (unique): a replay, even a concurrent one, hits the unique
index and does nothing. The payment row is locked while it changes, and its states only move
forward (pending → paid → disputed → refunded), so ``checkout.session.completed`` and
``payment_intent.succeeded`` — in either order, or both at once — issue exactly one license, and a
refund or dispute that arrives first still wins. E-mails and other slow work run on commit.

Plan subscriptions (``checkout.session.completed`` in ``subscription`` mode,
``customer.subscription.created/updated/deleted``, ``invoice.paid``) are applied by
:mod:`licensing.subscriptions` in the same way: once per event, never backwards.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.celery import enqueue_on_commit

from . import licenses as license_services
from . import subscriptions, tasks
from .connect import connected_account_update
from .constants import PaymentKind, PaymentStatus
from .models import Payment, WebhookEvent

logger = logging.getLogger(__name__)

#: Payment states in the only order they may be reached.
_STATUS_RANK = {
    PaymentStatus.PENDING: 0,
    PaymentStatus.PAID: 1,
    PaymentStatus.DISPUTED: 2,
    PaymentStatus.REFUNDED: 3,
}


class WebhookRejected(Exception):
    """The body or its signature is not a valid Stripe event for our endpoint secret."""


class WebhookRetryLater(Exception):
    """The event refers to a payment we have not heard of yet (events arrive in any order).

    Nothing is stored; the endpoint answers 503 and Stripe delivers the event again later.
    """


#: The events we take from the Connect endpoint (connected accounts' events); others are ignored.
CONNECT_EVENTS = frozenset({"account.updated"})


def _verified_endpoint(payload: bytes, signature: str | None) -> str:
    """Which endpoint's secret signed ``payload``: ``"platform"`` or ``"connect"``.

    Stripe signs each endpoint's deliveries with that endpoint's secret; ours are
    ``STRIPE_WEBHOOK_SECRET`` and, when set, ``STRIPE_CONNECT_WEBHOOK_SECRET`` (README, "Configuration").

    Raises:
        stripe.SignatureVerificationError: neither secret signed it (or the timestamp is stale).
        ValueError: the body is not JSON.
    """
    try:
        stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
        return "platform"
    except stripe.SignatureVerificationError:
        if not settings.STRIPE_CONNECT_WEBHOOK_SECRET:
            raise
    stripe.Webhook.construct_event(payload, signature, settings.STRIPE_CONNECT_WEBHOOK_SECRET)
    return "connect"


def webhook_receive(*, payload: bytes, signature: str | None) -> WebhookEvent | None:
    """Verify and process one delivery; ``None`` when the event was processed before, or came from the
    Connect endpoint and is not one of :data:`CONNECT_EVENTS`.

    Raises:
        WebhookRejected: missing or wrong signature, stale timestamp, or a body that is not an event.
    """
    try:
        endpoint = _verified_endpoint(payload, signature)
        event = json.loads(payload)
        event_id, event_type, obj = event["id"], event["type"], event["data"]["object"]
    except (ValueError, KeyError, TypeError, stripe.SignatureVerificationError) as exc:
        raise WebhookRejected(str(exc).split("\n")[0]) from None
    if endpoint == "connect" and event_type not in CONNECT_EVENTS:
        logger.info("Stripe Connect event %s (%s) ignored", event_id, event_type)
        return None
    return event_process(event_id=event_id, event_type=event_type, obj=obj)


def event_process(*, event_id: str, event_type: str, obj: dict) -> WebhookEvent | None:
    """Apply one verified event exactly once."""
    handler = HANDLERS.get(event_type)
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = WebhookEvent.objects.create(event_id=event_id, type=event_type)
        except IntegrityError:
            logger.info("Stripe event %s (%s) already processed", event_id, event_type)
            return None
        if handler is not None:
            handler(obj)
    return event


# --- payments ------------------------------------------------------------------------------------


def _locked_payment(*, session_id: str | None = None, intent_id: str | None = None, metadata=None):
    payments = Payment.objects.select_for_update(of=("self",)).select_related("package", "buyer", "license")
    payment = None
    if session_id:
        payment = payments.filter(checkout_session_id=session_id).first()
    if payment is None and intent_id:
        payment = payments.filter(payment_intent_id=intent_id).first()
    payment_id = str((metadata or {}).get("payment_id", ""))
    if payment is None and payment_id.isdigit():
        payment = payments.filter(pk=int(payment_id)).first()
    return payment


def _advance(payment: Payment, status: str) -> bool:
    """Move ``payment`` to ``status`` if that is forward; whether it moved."""
    if _STATUS_RANK[status] <= _STATUS_RANK[PaymentStatus(payment.status)]:
        return False
    payment.status = status
    return True


def _set_intent(payment: Payment, intent_id: str | None) -> None:
    if intent_id and not payment.payment_intent_id:
        payment.payment_intent_id = intent_id


def _fulfil(payment: Payment, now) -> None:
    """Issue (or, for a renewal, extend) the license a payment bought; e-mail the receipt on commit."""
    if payment.kind == PaymentKind.RENEWAL and payment.license is not None:
        until = license_services.renewal_until(payment.license, now=now)
        if until is not None:
            license_services.license_extend(license=payment.license, until=until)
    elif payment.license is None:
        license, _raw_key = license_services.license_issue(
            package=payment.package, owner=payment.buyer, payment=payment, now=now
        )
        payment.license = license
    else:
        return
    payment_pk = payment.pk
    enqueue_on_commit(tasks.payment_receipt_send, payment_pk)


def payment_succeeded(*, payment: Payment, intent_id: str | None) -> Payment:
    """Checkout completed or payment succeeded: the first of the two fulfils, the second only fills in."""
    now = timezone.now()
    _set_intent(payment, intent_id)
    first = payment.paid_at is None
    if first:
        payment.paid_at = now
    _advance(payment, PaymentStatus.PAID)
    if first and payment.status != PaymentStatus.REFUNDED:
        _fulfil(payment, now)
        if (
            payment.status == PaymentStatus.DISPUTED
            and payment.license
            and payment.kind != PaymentKind.RENEWAL
        ):
            license_services.license_suspend(license=payment.license, reason="The payment is disputed.")
    payment.save(update_fields=["payment_intent_id", "paid_at", "status", "license"])
    return payment


def _amount_matches(payment: Payment, obj: dict, field: str) -> bool:
    """Whether the event's amount (``obj[field]``, cents) and currency are the payment's, where given.

    A signed event is trusted for what happened, but a license is issued only for the price we asked:
    an event that names another amount or currency is logged and fulfils nothing (else a forged
    ``amount_total: 1`` would buy a 1,900-cent license).
    """
    amount, currency = obj.get(field), obj.get("currency")
    if amount is not None and amount != payment.amount_cents:
        logger.error(
            "Payment %s: event amount %r is not %s cents; not fulfilled",
            payment.pk,
            amount,
            payment.amount_cents,
        )
        return False
    if currency is not None and str(currency).lower() != payment.currency.lower():
        logger.error(
            "Payment %s: event currency %r is not %s; not fulfilled", payment.pk, currency, payment.currency
        )
        return False
    return True


def on_checkout_completed(session: dict) -> None:
    if session.get("mode") == "subscription":
        on_subscription_checkout_completed(session)
        return
    if session.get("mode", "payment") != "payment" or session.get("payment_status") != "paid":
        return  # Delayed payment methods: payment_intent.succeeded follows.
    payment = _locked_payment(session_id=session.get("id"), metadata=session.get("metadata"))
    if payment is None:
        logger.warning("checkout.session.completed for unknown session %s", session.get("id"))
        return
    if not _amount_matches(payment, session, "amount_total"):
        return
    payment_succeeded(payment=payment, intent_id=session.get("payment_intent"))


def on_payment_intent_succeeded(intent: dict) -> None:
    payment = _locked_payment(intent_id=intent.get("id"), metadata=intent.get("metadata"))
    if payment is None:
        logger.warning("payment_intent.succeeded for unknown intent %s", intent.get("id"))
        return
    if payment.kind == PaymentKind.SUBSCRIPTION:
        return  # Plans are fulfilled by the checkout and invoice events.
    if not _amount_matches(payment, intent, "amount_received"):
        return
    payment_succeeded(payment=payment, intent_id=intent.get("id"))


# --- plan subscriptions (licensing.subscriptions) ----------------------------------------------------------


def on_subscription_checkout_completed(session: dict) -> None:
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return  # The subscription's invoice.paid follows once the payment succeeds.
    payment = _locked_payment(session_id=session.get("id"), metadata=session.get("metadata"))
    if payment is None or payment.kind != PaymentKind.SUBSCRIPTION:
        logger.warning("Subscription checkout.session.completed for unknown session %s", session.get("id"))
        return
    subscription_id = session.get("subscription")
    if isinstance(subscription_id, dict):
        subscription_id = subscription_id.get("id")
    subscriptions.subscription_payment_completed(
        payment=payment, stripe_subscription_id=subscription_id or ""
    )


def on_subscription_updated(obj: dict) -> None:
    subscriptions.subscription_update_from_stripe(obj=obj)


def on_subscription_deleted(obj: dict) -> None:
    subscriptions.subscription_update_from_stripe(obj=obj, deleted=True)


def on_invoice_paid(invoice: dict) -> None:
    try:
        subscriptions.invoice_paid_from_stripe(invoice=invoice)
    except subscriptions.SubscriptionNotYetKnown as exc:
        raise WebhookRetryLater(str(exc)) from None


def on_charge_refunded(charge: dict) -> None:
    """A full refund revokes the license a purchase issued; a refunded renewal only takes its year back."""
    payment = _locked_payment(intent_id=charge.get("payment_intent"), metadata=charge.get("metadata"))
    if payment is None:
        raise WebhookRetryLater(f"charge.refunded for unknown payment intent {charge.get('payment_intent')}")
    _set_intent(payment, charge.get("payment_intent"))
    payment.refunded_cents = max(payment.refunded_cents, int(charge.get("amount_refunded") or 0))
    fulfilled = payment.paid_at is not None  # Before the success events, nothing was given.
    if charge.get("refunded") and _advance(payment, PaymentStatus.REFUNDED):
        payment.refunded_at = timezone.now()
        if payment.license is not None and payment.kind == PaymentKind.RENEWAL:
            # A refunded renewal takes back the year it added; the purchase itself stands.
            if fulfilled:
                license_services.license_renewal_take_back(license=payment.license)
        elif payment.license is not None:
            license_services.license_revoke(license=payment.license, reason="The payment was refunded.")
        payment_pk = payment.pk
        enqueue_on_commit(tasks.payment_refund_notice_send, payment_pk)
    payment.save(update_fields=["payment_intent_id", "refunded_cents", "status", "refunded_at"])


def on_dispute_created(dispute: dict) -> None:
    payment = _locked_payment(intent_id=dispute.get("payment_intent"), metadata=dispute.get("metadata"))
    if payment is None:
        raise WebhookRetryLater(
            f"charge.dispute.created for unknown payment intent {dispute.get('payment_intent')}"
        )
    _set_intent(payment, dispute.get("payment_intent"))
    disputed = _advance(payment, PaymentStatus.DISPUTED)
    if disputed and payment.license is not None and payment.kind != PaymentKind.RENEWAL:
        license_services.license_suspend(license=payment.license, reason="The payment is disputed.")
    payment.save(update_fields=["payment_intent_id", "status"])


def on_account_updated(account: dict) -> None:
    connected_account_update(
        account_id=account.get("id", ""),
        details_submitted=bool(account.get("details_submitted")),
        charges_enabled=bool(account.get("charges_enabled")),
        payouts_enabled=bool(account.get("payouts_enabled")),
    )


HANDLERS: dict[str, Callable[[dict], None]] = {
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.async_payment_succeeded": on_checkout_completed,
    "payment_intent.succeeded": on_payment_intent_succeeded,
    "charge.refunded": on_charge_refunded,
    "charge.dispute.created": on_dispute_created,
    "account.updated": on_account_updated,
    "customer.subscription.created": on_subscription_updated,
    "customer.subscription.updated": on_subscription_updated,
    "customer.subscription.deleted": on_subscription_deleted,
    "invoice.paid": on_invoice_paid,
}
