"""The buyer's e-mails: receipt (with the key), refund notice and renewal reminders.

Called from ``licensing.tasks`` after the transaction that caused them has committed. The key is
decrypted only here, into the message body, and never logged.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from catalog.constants import Pricing
from marketplace.text import header_safe

from . import licenses as license_services
from .constants import LicenseStatus, PaymentStatus
from .models import License, Payment

logger = logging.getLogger(__name__)


def _send(template: str, *, subject: str, to: str, context: dict) -> None:
    body = render_to_string(f"licensing/emails/{template}.txt", {"site_url": settings.SITE_URL, **context})
    send_mail(header_safe(subject), body, None, [to])


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
