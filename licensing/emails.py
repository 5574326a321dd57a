"""The buyer's e-mails: receipt (with the key), refund notice, renewal reminders and plan confirmation.

Called from ``licensing.tasks`` after the transaction that caused them has committed. The key is
decrypted only here, into the message body, and never logged.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from catalog.constants import Pricing
from marketplace import emails

from . import licenses as license_services
from . import plans
from .constants import LicenseStatus, PaymentStatus
from .models import License, Payment, Subscription

logger = logging.getLogger(__name__)


def _send(template: str, *, subject: str, to: str, context: dict) -> None:
    emails.send(template=f"licensing/emails/{template}", subject=subject, to=[to], context=context)


def payment_receipt_send(*, payment_id: int) -> bool:
    payment = Payment.objects.select_related("buyer", "package", "license").filter(pk=payment_id).first()
    if payment is None or payment.license is None or payment.status != PaymentStatus.PAID:
        return False
    license = payment.license
    _send(
        "receipt",
        subject=f"Your receipt for {payment.package.display_name}",
        to=payment.buyer.email,
        context={
            "payment": payment,
            "license": license,
            "key": license_services.license_reveal(license),
            "amount": f"${payment.amount_cents // 100}.{payment.amount_cents % 100:02d}",
            "success_url": settings.SITE_URL
            + reverse("licensing:checkout-success", kwargs={"payment_id": payment.pk}),
        },
    )
    return True


def payment_refund_notice_send(*, payment_id: int) -> bool:
    payment = (
        Payment.objects.select_related("buyer", "package", "license", "plan").filter(pk=payment_id).first()
    )
    if payment is None or payment.status != PaymentStatus.REFUNDED:
        return False
    what = payment.package.display_name if payment.package else f"the {payment.plan.name} plan"
    _send(
        "refund",
        subject=f"Your payment for {what} was refunded",
        to=payment.buyer.email,
        context={"payment": payment, "license": payment.license, "what": what},
    )
    return True


def plan_allowances(plan) -> list[str]:
    """What ``plan`` allows, as phrases for a person: publishing, members, install caps (``plans.caps_summary``)."""
    allows = [
        "publishing packages" if plan.can_publish else "installing packages (publishing is not included)"
    ]
    if plan.max_members > 1:
        allows.append(f"up to {plan.max_members} members of an organization")
    caps = plans.caps_summary(plan)
    allows.append(f"installs: {', '.join(caps)}" if caps else "installs: no limit")
    return allows


def plan_confirmation_send(*, subscription_id: int) -> bool:
    """E-mail the subscriber that their paid plan started: what it allows, its price and when it renews.

    Plans are paid per month (``Plan.price_cents``); the renewal date is the subscription's
    ``current_period_end`` once Stripe has reported it. Returns False when the subscription is not
    active any more (nothing to confirm).
    """
    subscription = (
        Subscription.objects.select_related("user", "plan", "organization").filter(pk=subscription_id).first()
    )
    if subscription is None or subscription.status not in plans.EFFECTIVE_STATUSES:
        return False
    plan = subscription.plan
    _send(
        "plan_confirmation",
        subject=f"You are on the {plan.name} plan",
        to=subscription.user.email,
        context={
            "subscription": subscription,
            "plan": plan,
            "allows": plan_allowances(plan),
            "price": f"${plan.price_cents // 100}.{plan.price_cents % 100:02d}",
            "plan_url": settings.SITE_URL + reverse("plans:page"),
        },
    )
    return True


def renewal_reminders_send(*, now=None) -> int:
    """Send each due reminder once: 30 and 7 days before a ``pro``/``enterprise`` license expires.

    A license found already inside the 7-day window gets one reminder, not two.
    """
    now = now or timezone.now()
    windows = sorted(settings.LICENSE_RENEWAL_REMINDER_DAYS)
    horizon = now + timezone.timedelta(days=max(windows))
    candidates = License.objects.filter(
        status=LicenseStatus.ACTIVE,
        pricing__in=[Pricing.PRO, Pricing.ENTERPRISE],
        expires_at__gt=now,
        expires_at__lte=horizon,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in candidates:
        with transaction.atomic():
            license = License.objects.select_for_update().select_related("owner", "package").get(pk=pk)
            due = [days for days in windows if license.expires_at <= now + timezone.timedelta(days=days)]
            if not due or all(days in license.renewal_reminders_sent for days in due):
                continue
            license.renewal_reminders_sent = sorted({*license.renewal_reminders_sent, *due})
            license.save(update_fields=["renewal_reminders_sent"])
            days_left = max(0, (license.expires_at - now).days)
            context = {
                "license": license,
                "days_left": days_left,
                "renew_url": settings.SITE_URL
                + reverse("licensing:license-renew", kwargs={"pk": license.pk}),
            }
            subject = f"Your {license.package.display_name} license expires in {days_left} days"
            owner_email = license.owner.email
            transaction.on_commit(
                lambda c=context, s=subject, e=owner_email: _send(
                    "renewal_reminder", subject=s, to=e, context=c
                )
            )
            sent += 1
    return sent
