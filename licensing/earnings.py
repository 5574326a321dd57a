"""Earnings: a publisher's sales (purchases and renewals) with gross, fee, net and refunds; CSV export;
platform totals for staff.

A refund we start reverses the transfer and the application fee (``reverse_transfer`` and
``refund_application_fee``), so a refunded amount comes back out of both shares in proportion.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from .constants import PaymentKind, PaymentStatus
from .models import Payment

SALE_KINDS = (PaymentKind.PURCHASE, PaymentKind.RENEWAL)


def sales(*, publisher=None) -> QuerySet[Payment]:
    """Confirmed sales (not pending checkouts, not trials), newest first; all publishers when ``None``."""
    payments = Payment.objects.filter(kind__in=SALE_KINDS).exclude(status=PaymentStatus.PENDING)
    if publisher is not None:
        payments = payments.filter(package__publisher=publisher)
    return payments.select_related("package", "buyer").order_by("-paid_at", "-pk")


def refunded_fee(payment: Payment) -> int:
    """The part of the application fee returned with the refunded amount (proportional, rounded)."""
    if not payment.amount_cents:
        return 0
    return round(payment.application_fee_cents * payment.refunded_cents / payment.amount_cents)


def net(payment: Payment) -> int:
    """What the author keeps of ``payment`` after the fee and any refund."""
    author = payment.amount_cents - payment.application_fee_cents
    return author - (payment.refunded_cents - refunded_fee(payment))


@dataclass(frozen=True)
class Totals:
    count: int
    gross_cents: int
    fee_cents: int
    refunded_cents: int
    net_cents: int
    platform_cents: int


def totals(*, payments_qs: QuerySet[Payment]) -> Totals:
    sums = payments_qs.aggregate(
        gross=Sum("amount_cents"), fee=Sum("application_fee_cents"), refunded=Sum("refunded_cents")
    )
    rows = list(
        payments_qs.select_related(None).only("amount_cents", "application_fee_cents", "refunded_cents")
    )
    fee_back = sum(refunded_fee(p) for p in rows)
    return Totals(
        count=len(rows),
        gross_cents=sums["gross"] or 0,
        fee_cents=sums["fee"] or 0,
        refunded_cents=sums["refunded"] or 0,
        net_cents=sum(net(p) for p in rows),
        platform_cents=(sums["fee"] or 0) - fee_back,
    )


def _dollars(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


CSV_HEADER = [
    "date",
    "payment",
    "kind",
    "package",
    "status",
    "currency",
    "gross",
    "application_fee",
    "refunded",
    "net",
]


def write_csv(out, *, publisher) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for p in sales(publisher=publisher).iterator():
        writer.writerow(
            [
                p.paid_at.isoformat() if p.paid_at else "",
                p.pk,
                p.kind,
                p.package.identifier,
                p.status,
                p.currency.upper(),
                _dollars(p.amount_cents),
                _dollars(p.application_fee_cents),
                _dollars(p.refunded_cents),
                _dollars(net(p)),
            ]
        )
