"""Earnings: a publisher's sales (purchases and renewals) with gross, fee, net and refunds; CSV export;
platform totals for staff, overall, per month and per publisher, and plan subscription revenue.

A refund we start reverses the transfer and the application fee (``reverse_transfer`` and
``refund_application_fee``), so a refunded amount comes back out of both shares in proportion.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum
from django.utils import timezone

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


def totals_of(payments: Iterable[Payment]) -> Totals:
    """:class:`Totals` of payments already loaded (the same sums :func:`totals` makes in the database)."""
    rows = list(payments)
    fee_back = sum(refunded_fee(p) for p in rows)
    fee = sum(p.application_fee_cents for p in rows)
    return Totals(
        count=len(rows),
        gross_cents=sum(p.amount_cents for p in rows),
        fee_cents=fee,
        refunded_cents=sum(p.refunded_cents for p in rows),
        net_cents=sum(net(p) for p in rows),
        platform_cents=fee - fee_back,
    )


@dataclass(frozen=True)
class PlanRevenue:
    """Plan subscription payments (all of it the marketplace's): count, gross, refunds, net, cents."""

    count: int
    gross_cents: int
    refunded_cents: int

    @property
    def net_cents(self) -> int:
        return self.gross_cents - self.refunded_cents


@dataclass
class PlatformReport:
    """What staff see on the platform totals page (all amounts in US cents).

    ``months`` and ``publishers`` split the confirmed package sales of ``totals`` (newest month
    first; publishers by gross, largest first); ``plans`` is plan subscription revenue, which is
    not a sale of any publisher.
    """

    totals: Totals
    months: list[tuple[dt.date, Totals]] = field(default_factory=list)
    publishers: list[tuple[object, Totals]] = field(default_factory=list)
    plans: PlanRevenue = PlanRevenue(0, 0, 0)
    plan_months: list[tuple[dt.date, PlanRevenue]] = field(default_factory=list)


def _month(moment: dt.datetime | None) -> dt.date:
    moment = timezone.localtime(moment) if moment is not None else timezone.localtime()
    return dt.date(moment.year, moment.month, 1)


def platform_report() -> PlatformReport:
    """Platform totals of confirmed sales (:func:`sales`) overall, per month paid and per publisher.

    Gross, application fees, refunds, the platform's revenue after refunds and the net paid to
    authors follow :func:`net` and :func:`refunded_fee` (a refund takes back the fee in proportion).
    Plan subscription payments that are not pending are summed apart.
    """
    rows = list(sales().select_related("package__publisher"))
    by_month: dict[dt.date, list[Payment]] = defaultdict(list)
    by_publisher: dict[int, list[Payment]] = defaultdict(list)
    publishers = {}
    for payment in rows:
        by_month[_month(payment.paid_at)].append(payment)
        by_publisher[payment.package.publisher_id].append(payment)
        publishers[payment.package.publisher_id] = payment.package.publisher
    per_publisher = [(publishers[pk], totals_of(payments)) for pk, payments in by_publisher.items()]
    per_publisher.sort(key=lambda row: (-row[1].gross_cents, str(row[0])))
    plan_rows = list(
        Payment.objects.filter(kind=PaymentKind.SUBSCRIPTION)
        .exclude(status=PaymentStatus.PENDING)
        .only("amount_cents", "refunded_cents", "paid_at")
    )
    plan_by_month: dict[dt.date, list[Payment]] = defaultdict(list)
    for payment in plan_rows:
        plan_by_month[_month(payment.paid_at)].append(payment)

    def plan_revenue(payments: list[Payment]) -> PlanRevenue:
        return PlanRevenue(
            count=len(payments),
            gross_cents=sum(p.amount_cents for p in payments),
            refunded_cents=sum(p.refunded_cents for p in payments),
        )

    return PlatformReport(
        totals=totals_of(rows),
        months=[(month, totals_of(by_month[month])) for month in sorted(by_month, reverse=True)],
        publishers=per_publisher,
        plans=plan_revenue(plan_rows),
        plan_months=[
            (month, plan_revenue(plan_by_month[month])) for month in sorted(plan_by_month, reverse=True)
        ],
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
