"""Money services: checkout, trials, renewals and refunds (Connect onboarding is in ``licensing.connect``).

Each service writes its rows in a transaction and calls the gateway outside it (a slow or failing
Stripe never holds a database lock); what Stripe then reports arrives through ``licensing.webhooks``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from catalog.constants import Pricing
from marketplace.celery import enqueue_on_commit

from . import licenses as license_services
from . import tasks
from .connect import can_sell
from .constants import LicenseStatus, PaymentKind, PaymentStatus
from .fees import PAID_PRICING, application_fee
from .gateways import CheckoutRequest, get_gateway
from .models import ConnectedAccount, License, Payment

logger = logging.getLogger(__name__)

RENEWABLE_PRICING = frozenset({Pricing.PRO, Pricing.ENTERPRISE})


class CheckoutError(Exception):
    """A checkout that cannot start; the message is for the buyer."""


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def payment_success_path(payment: Payment) -> str:
    return reverse("licensing:checkout-success", kwargs={"payment_id": payment.pk})


def _checkout_request(payment: Payment, *, product_name: str) -> CheckoutRequest:
    return CheckoutRequest(
        payment_id=payment.pk,
        product_name=product_name,
        amount_cents=payment.amount_cents,
        application_fee_cents=payment.application_fee_cents,
        destination_account=payment.destination_account,
        customer_email=payment.buyer.email,
        success_url=_absolute(payment_success_path(payment)),
        cancel_url=_absolute(payment.package.get_absolute_url()),
        currency=payment.currency,
    )


def _open_session(payment: Payment, *, product_name: str) -> str:
    session = get_gateway().checkout_session_create(_checkout_request(payment, product_name=product_name))
    Payment.objects.filter(pk=payment.pk).update(checkout_session_id=session.id)
    payment.checkout_session_id = session.id
    return session.url


def _priced_payment(*, buyer, package, kind: str, license: License | None = None) -> Payment:
    if not can_sell(package.publisher)[0]:
        raise CheckoutError(
            f"{package.display_name} cannot be bought right now: the publisher's payout account is not ready."
        )
    return Payment.objects.create(
        buyer=buyer,
        package=package,
        kind=kind,
        license=license,
        amount_cents=package.price_cents,
        application_fee_cents=application_fee(package.price_cents),
        destination_account=ConnectedAccount.objects.get(publisher=package.publisher).stripe_account_id,
    )


def checkout_start(*, buyer, package) -> str:
    """Start buying ``package``: the URL to send the buyer to.

    ``trial`` packages start at once, without payment and once per customer per package: the
    license is issued here and the URL is the success page. Paid packages get a pending
    :class:`Payment` and a Checkout Session; the license is issued by the webhook.
    """
    if package.pricing == Pricing.TRIAL:
        return payment_success_path(trial_start(buyer=buyer, package=package))
    if package.pricing not in PAID_PRICING or not package.price_cents:
        raise CheckoutError(f"{package.display_name} is free: install it without a license.")
    # The listing's rule (licenses.license_for): a license past its expiry no longer counts, even
    # before the expiry task has marked it, so the Buy button the listing shows then works.
    held = license_services.license_for(buyer, package)
    if held is not None and held.active:
        raise CheckoutError(f"You already have an active license for {package.display_name}.")
    with transaction.atomic():
        payment = _priced_payment(buyer=buyer, package=package, kind=PaymentKind.PURCHASE)
    return _open_session(payment, product_name=f"{package.display_name} ({package.get_pricing_display()})")


def trial_start(*, buyer, package) -> Payment:
    """Issue a trial license for ``package`` to ``buyer``: once per customer per package."""
    with transaction.atomic():
        # Serialise this buyer's trial starts (PostgreSQL row lock; SQLite serialises writers).
        get_user_model().objects.select_for_update().filter(pk=buyer.pk).first()
        if Payment.objects.filter(buyer=buyer, package=package, kind=PaymentKind.TRIAL).exists():
            raise CheckoutError(
                f"You have already tried {package.display_name}; a trial is once per customer."
            )
        now = timezone.now()
        payment = Payment.objects.create(
            buyer=buyer,
            package=package,
            kind=PaymentKind.TRIAL,
            amount_cents=0,
            status=PaymentStatus.PAID,
            paid_at=now,
        )
        try:
            license, _raw_key = license_services.license_issue(
                package=package, owner=buyer, payment=payment, now=now
            )
        except license_services.LicenseError as exc:
            raise CheckoutError(str(exc)) from None
        payment.license = license
        payment.save(update_fields=["license"])
        enqueue_on_commit(tasks.payment_receipt_send, payment.pk)
    return payment


def renewal_checkout_start(*, license: License) -> str:
    """A Checkout Session that extends ``license`` by a year once paid (``pro`` and ``enterprise``)."""
    if license.pricing not in RENEWABLE_PRICING:
        raise CheckoutError("Only pro and enterprise licenses are renewed.")
    if license.status in (LicenseStatus.REVOKED, LicenseStatus.SUSPENDED):
        raise CheckoutError("This license can no longer be renewed.")
    package = license.package
    if not package.price_cents:
        raise CheckoutError(f"{package.display_name} has no price.")
    with transaction.atomic():
        payment = _priced_payment(
            buyer=license.owner, package=package, kind=PaymentKind.RENEWAL, license=license
        )
    return _open_session(payment, product_name=f"{package.display_name}: one more year")


def refund_start(*, payment: Payment, reviewer) -> Payment:
    """Ask Stripe to refund ``payment`` in full, taking back the transfer and the application fee.

    The license is revoked when Stripe reports ``charge.refunded`` (``licensing.webhooks``).
    """
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.DISPUTED) or not payment.payment_intent_id:
        raise CheckoutError("Only a paid payment can be refunded.")
    refund_id = get_gateway().refund_create(
        payment_intent_id=payment.payment_intent_id, payment_id=payment.pk
    )
    logger.info("Refund %s of payment %s requested by %s", refund_id, payment.pk, reviewer)
    return payment
