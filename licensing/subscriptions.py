"""Selling account plans: subscription checkout and cancellation, and what Stripe's events do to them.

A paid plan is a Stripe subscription through the same gateway as package sales
(:mod:`licensing.gateways`): :func:`subscription_checkout_start` records a pending plan
:class:`~licensing.models.Payment` and opens a Checkout Session in ``subscription`` mode; the
webhooks (:mod:`licensing.webhooks`) then call the ``*_from_stripe`` functions here, each inside
the transaction that records the event id, so a replayed event changes nothing.

States never move backwards: a subscription that Stripe cancelled stays cancelled (a later
``customer.subscription.updated`` of the same Stripe subscription is ignored; a new checkout makes
a new Stripe subscription), and ``current_period_end`` only ever moves later. A user holds one
subscription row; a new plan bought while another is effective replaces it, and the replaced Stripe
subscription is cancelled at Stripe by a task after commit.

Team and Enterprise name an organization (a publisher of type organization the buyer belongs to);
:mod:`licensing.plans` gives its first ``max_members`` members the plan.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from catalog.constants import PublisherType
from catalog.models import Publisher
from marketplace.celery import enqueue_on_commit

from . import tasks
from .constants import PaymentKind, PaymentStatus, SubscriptionStatus
from .gateways import SubscriptionCheckoutRequest, get_gateway
from .models import Payment, Plan, Subscription
from .plans import EFFECTIVE_STATUSES

logger = logging.getLogger(__name__)

#: Stripe's subscription statuses, as ours (``incomplete``: the first payment has not succeeded).
STRIPE_STATUSES = {
    "active": SubscriptionStatus.ACTIVE,
    "trialing": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    "unpaid": SubscriptionStatus.PAST_DUE,
    "paused": SubscriptionStatus.PAST_DUE,
    "incomplete": SubscriptionStatus.PAST_DUE,
    "canceled": SubscriptionStatus.CANCELED,
    "incomplete_expired": SubscriptionStatus.CANCELED,
}


class SubscriptionError(Exception):
    """A plan checkout or cancellation that cannot start; the message is for the customer."""


def _organization_ok(organization: Publisher | None, user) -> bool:
    return (
        organization is not None
        and organization.type == PublisherType.ORGANIZATION
        and organization.memberships.filter(user=user).exists()
    )


def subscription_checkout_start(*, buyer, plan: Plan, organization: Publisher | None = None) -> str:
    """Start paying for ``plan``: the URL of the Checkout Session to send ``buyer`` to.

    Args:
        buyer: the signed-in customer; their e-mail goes to Stripe.
        plan: a paid plan (``price_cents`` > 0, per month, US cents).
        organization: for a plan with ``max_members`` > 1 (Team, Enterprise), the organization
            publisher it is for; ``buyer`` must be a member. Ignored for single-member plans.

    Raises:
        SubscriptionError: a free plan, the plan ``buyer`` already pays for, or a multi-member
            plan without an organization of ``buyer``'s.
    """
    if not plan.price_cents:
        raise SubscriptionError(
            f"{plan.name} costs nothing: cancel your subscription to move to it at the end of the checkout."
            if plan.slug != "free"
            else "Free needs no checkout: cancel your paid subscription to return to Free."
        )
    if plan.max_members > 1:
        if not _organization_ok(organization, buyer):
            raise SubscriptionError(
                f"{plan.name} is for an organization: choose an organization publisher you belong to "
                "(create one under Publish if you have none)."
            )
    else:
        organization = None
    current = Subscription.objects.filter(user=buyer, status__in=EFFECTIVE_STATUSES).first()
    if (
        current is not None
        and current.plan_id == plan.pk
        and current.organization_id == (organization.pk if organization else None)
    ):
        raise SubscriptionError(f"You are already on the {plan.name} plan.")
    with transaction.atomic():
        payment = Payment.objects.create(
            buyer=buyer,
            plan=plan,
            organization=organization,
            kind=PaymentKind.SUBSCRIPTION,
            amount_cents=plan.price_cents,
        )
    page = reverse("plans:page")
    session = get_gateway().subscription_checkout_create(
        SubscriptionCheckoutRequest(
            payment_id=payment.pk,
            plan_slug=plan.slug,
            plan_name=plan.name,
            price_id=plan.stripe_price_id,
            amount_cents=plan.price_cents,
            customer_email=buyer.email,
            user_id=buyer.pk,
            organization_slug=organization.slug if organization else None,
            success_url=f"{settings.SITE_URL}{page}?checkout=success",
            cancel_url=f"{settings.SITE_URL}{page}?checkout=cancelled",
        )
    )
    Payment.objects.filter(pk=payment.pk).update(checkout_session_id=session.id)
    return session.url


def subscription_cancel_start(*, user) -> Subscription:
    """Ask Stripe to cancel ``user``'s own paid subscription now.

    The plan ends when Stripe reports ``customer.subscription.deleted``; members of an
    organization cancel through the subscription's buyer.

    Raises:
        SubscriptionError: ``user`` has no effective subscription of their own at Stripe.
    """
    subscription = Subscription.objects.filter(user=user, status__in=EFFECTIVE_STATUSES).first()
    if subscription is None or not subscription.stripe_subscription_id:
        raise SubscriptionError("You have no paid subscription to cancel.")
    get_gateway().subscription_cancel(subscription.stripe_subscription_id)
    logger.info("Cancellation of subscription %s requested by its owner", subscription.stripe_subscription_id)
    return subscription


# --- what Stripe reports (called by licensing.webhooks inside the event's transaction) --------------


def _timestamp(value) -> dt.datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return None


def _later(current: dt.datetime | None, new: dt.datetime | None) -> dt.datetime | None:
    """The later of two period ends (a period end never moves backwards)."""
    if new is None:
        return current
    return new if current is None or new > current else current


def _subscription_period_end(obj: dict) -> dt.datetime | None:
    """``current_period_end`` of a subscription object (top level before API 2025-03, else on its items)."""
    ends = [_timestamp(obj.get("current_period_end"))]
    items = (obj.get("items") or {}).get("data") or []
    ends += [_timestamp(item.get("current_period_end")) for item in items if isinstance(item, dict)]
    ends = [end for end in ends if end is not None]
    return max(ends) if ends else None


def _locked_subscription(stripe_id: str | None) -> Subscription | None:
    if not stripe_id:
        return None
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "user")
        .filter(stripe_subscription_id=stripe_id)
        .first()
    )


def subscription_activate(
    *, payment: Payment, stripe_subscription_id: str, period_end: dt.datetime | None = None
) -> Subscription:
    """Give ``payment``'s buyer the plan it paid for, under ``stripe_subscription_id``.

    Idempotent for the same Stripe subscription, which is never revived once cancelled. Another
    effective subscription of the buyer is replaced (its Stripe subscription is cancelled after
    commit). The organization must still be one the buyer belongs to, else the plan is kept
    without it. Call inside a transaction.
    """
    subscription = (
        Subscription.objects.select_for_update(of=("self",)).filter(user_id=payment.buyer_id).first()
    )
    organization = payment.organization if _organization_ok(payment.organization, payment.buyer) else None
    if subscription is not None and subscription.stripe_subscription_id == stripe_subscription_id:
        if subscription.status != SubscriptionStatus.CANCELED and period_end is not None:
            subscription.current_period_end = _later(subscription.current_period_end, period_end)
            subscription.save(update_fields=["current_period_end"])
        return subscription
    if subscription is None:
        subscription = Subscription(user=payment.buyer)
    elif subscription.status in EFFECTIVE_STATUSES and subscription.stripe_subscription_id:
        replaced = subscription.stripe_subscription_id
        enqueue_on_commit(tasks.subscription_cancel_at_stripe, replaced)
    subscription.plan = payment.plan
    subscription.organization = organization
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.stripe_subscription_id = stripe_subscription_id
    subscription.current_period_end = period_end  # Unknown until the first invoice or update says.
    subscription.save()
    enqueue_on_commit(tasks.plan_confirmation_send, subscription.pk)
    logger.info("User %s is on the %s plan (%s)", payment.buyer_id, payment.plan, stripe_subscription_id)
    return subscription


def subscription_payment_completed(*, payment: Payment, stripe_subscription_id: str) -> Subscription | None:
    """``checkout.session.completed`` of a plan checkout: the payment is paid, the plan starts.

    ``payment`` is locked by the caller; a refunded or disputed payment stays so, and a repeated
    event only fills in what is missing.
    """
    now = timezone.now()
    if payment.paid_at is None:
        payment.paid_at = now
    if payment.status == PaymentStatus.PENDING:
        payment.status = PaymentStatus.PAID
    payment.save(update_fields=["paid_at", "status"])
    if payment.status != PaymentStatus.PAID or not stripe_subscription_id:
        return None
    return subscription_activate(payment=payment, stripe_subscription_id=stripe_subscription_id)


def _plan_for_price(obj: dict) -> Plan | None:
    items = (obj.get("items") or {}).get("data") or []
    price_ids = [((item.get("price") or {}).get("id")) for item in items if isinstance(item, dict)]
    price_ids = [price for price in price_ids if price]
    return Plan.objects.filter(stripe_price_id__in=price_ids).first() if price_ids else None


def subscription_update_from_stripe(*, obj: dict, deleted: bool = False) -> Subscription | None:
    """``customer.subscription.updated`` / ``.deleted``: status, period end and plan of one subscription.

    A subscription we have no row for yet (its checkout's event has not arrived) is started from
    the plan payment its metadata names, when Stripe reports it active. A cancelled row stays
    cancelled. Returns the row, or ``None`` for a subscription that is not ours.
    """
    stripe_id = obj.get("id") or ""
    status = SubscriptionStatus.CANCELED if deleted else STRIPE_STATUSES.get(obj.get("status") or "")
    period_end = _subscription_period_end(obj)
    subscription = _locked_subscription(stripe_id)
    if subscription is None:
        payment_id = str((obj.get("metadata") or {}).get("payment_id", ""))
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("buyer", "plan", "organization")
            .filter(pk=int(payment_id), kind=PaymentKind.SUBSCRIPTION)
            .first()
            if payment_id.isdigit()
            else None
        )
        if payment is None or status != SubscriptionStatus.ACTIVE:
            logger.info("Subscription event for %s, which is not (yet) ours: ignored", stripe_id)
            return None
        return subscription_activate(payment=payment, stripe_subscription_id=stripe_id, period_end=period_end)
    if subscription.status == SubscriptionStatus.CANCELED:
        return subscription  # Final: a late update never revives it.
    if status is not None:
        subscription.status = status
    subscription.current_period_end = _later(subscription.current_period_end, period_end)
    plan = _plan_for_price(obj)
    if plan is not None:
        subscription.plan = plan
    subscription.save(update_fields=["status", "current_period_end", "plan"])
    return subscription


def _invoice_subscription_id(invoice: dict) -> str:
    """The subscription of an invoice: ``subscription`` (before API 2025-03) or ``parent.subscription_details``."""
    value = invoice.get("subscription")
    if isinstance(value, dict):
        value = value.get("id")
    if not value:
        details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
        value = details.get("subscription")
    return value or ""


def _invoice_period_end(invoice: dict) -> dt.datetime | None:
    lines = (invoice.get("lines") or {}).get("data") or []
    ends = [_timestamp((line.get("period") or {}).get("end")) for line in lines if isinstance(line, dict)]
    ends = [end for end in ends if end is not None]
    return max(ends) if ends else None


class SubscriptionNotYetKnown(Exception):
    """An invoice of a subscription whose checkout we have not processed yet (retry later)."""


def invoice_paid_from_stripe(*, invoice: dict) -> Subscription | None:
    """``invoice.paid``: the subscription's period is extended (and a past-due one is active again).

    A renewal invoice (any ``billing_reason`` but ``subscription_create``, which the checkout's
    payment already records) is recorded as a paid plan :class:`Payment`. Invoices that are not
    for a subscription are ignored.

    Raises:
        SubscriptionNotYetKnown: the subscription is not known yet (events arrive in any order).
    """
    stripe_id = _invoice_subscription_id(invoice)
    if not stripe_id:
        return None
    subscription = _locked_subscription(stripe_id)
    if subscription is None:
        raise SubscriptionNotYetKnown(f"invoice.paid for unknown subscription {stripe_id}")
    if subscription.status == SubscriptionStatus.CANCELED:
        return subscription
    subscription.current_period_end = _later(subscription.current_period_end, _invoice_period_end(invoice))
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.save(update_fields=["current_period_end", "status"])
    if invoice.get("billing_reason") != "subscription_create":
        intent = invoice.get("payment_intent") if isinstance(invoice.get("payment_intent"), str) else None
        if intent is None or not Payment.objects.filter(payment_intent_id=intent).exists():
            Payment.objects.create(
                buyer=subscription.user,
                plan=subscription.plan,
                organization=subscription.organization,
                kind=PaymentKind.SUBSCRIPTION,
                amount_cents=int(invoice.get("amount_paid") or 0),
                currency=str(invoice.get("currency") or "usd"),
                payment_intent_id=intent,
                status=PaymentStatus.PAID,
                paid_at=timezone.now(),
            )
    return subscription
