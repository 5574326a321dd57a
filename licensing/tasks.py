"""Celery tasks of the licensing app: receipts, refund notices, renewal reminders, expiry, and
cancelling a replaced plan subscription at Stripe.

Callers do ``from licensing import tasks`` and ``tasks.payment_receipt_send.delay(pk)``.
"""

from __future__ import annotations

import stripe
from celery import shared_task

from marketplace.celery import SIDE_EFFECT_TASK, TRANSIENT_ERRORS

from . import emails, licenses
from .gateways import get_gateway

RETRY = SIDE_EFFECT_TASK


@shared_task(**RETRY)
def payment_receipt_send(payment_id: int) -> bool:
    """E-mail the receipt (with the license key) for a paid payment or a started trial."""
    return emails.payment_receipt_send(payment_id=payment_id)


@shared_task(**RETRY)
def plan_confirmation_send(subscription_id: int) -> bool:
    """Confirm a started paid plan to its subscriber: what it allows and when it renews."""
    return emails.plan_confirmation_send(subscription_id=subscription_id)


@shared_task(**RETRY)
def payment_refund_notice_send(payment_id: int) -> bool:
    """Tell the buyer a payment was refunded, and what became of its license (revoked, or a renewal's year taken back)."""
    return emails.payment_refund_notice_send(payment_id=payment_id)


@shared_task(**RETRY)
def licenses_renewal_sweep() -> dict:
    """Mark ended licenses expired, then send the 30- and 7-day renewal reminders that are due."""
    expired = licenses.licenses_expire()
    reminded = emails.renewal_reminders_send()
    return {"expired": expired, "reminded": reminded}


@shared_task(
    autoretry_for=(*TRANSIENT_ERRORS, stripe.APIConnectionError, stripe.RateLimitError),
    retry_backoff=True,
    max_retries=8,
)
def subscription_cancel_at_stripe(stripe_subscription_id: str) -> bool:
    """Cancel a Stripe subscription a newer plan replaced (so the customer is not billed twice).

    Network failures are retried; a subscription Stripe no longer knows or already cancelled is
    done with.
    """
    try:
        get_gateway().subscription_cancel(stripe_subscription_id)
    except stripe.InvalidRequestError:
        return False
    return True
