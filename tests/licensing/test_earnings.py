"""Platform totals for staff: gross, application fees, refunds, net to authors and sales, per month and
per publisher, and plan subscription revenue (``licensing.earnings.platform_report`` and its admin page)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from catalog.models import Publisher
from licensing import earnings
from licensing.constants import PaymentKind, PaymentStatus
from licensing.fees import application_fee
from licensing.models import Payment, Plan
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

TOTALS = "/admin/licensing/payment/totals/"


def at(year: int, month: int, day: int = 15) -> dt.datetime:
    return dt.datetime(year, month, day, 12, tzinfo=dt.UTC)


@pytest.fixture
def sales(make_package, django_user_model):
    """Four sales of two publishers over two months, one refunded in full and one in part; plan payments."""
    buyer = make_user(django_user_model, "bruno")
    paid = make_package("pro", identifier="paid-one", price_cents=1900)
    other = Publisher.objects.create(slug="acme", name="Acme")
    acme = make_package("enterprise", identifier="acme-one", price_cents=10000)
    acme.publisher = other
    acme.save(update_fields=["publisher"])

    def sale(package, when, *, kind=PaymentKind.PURCHASE, refunded=0, status=PaymentStatus.PAID):
        return Payment.objects.create(
            buyer=buyer,
            package=package,
            kind=kind,
            amount_cents=package.price_cents,
            application_fee_cents=application_fee(package.price_cents),
            status=status,
            refunded_cents=refunded,
            paid_at=when,
        )

    sale(paid, at(2026, 9))  # 1900: fee 570, net 1330
    sale(
        paid, at(2026, 10), kind=PaymentKind.RENEWAL, refunded=1900, status=PaymentStatus.REFUNDED
    )  # all back
    sale(acme, at(2026, 10))  # 10000: fee 3000, net 7000
    sale(acme, at(2026, 10, 20), refunded=5000)  # half back: fee 3000 - 1500, net 7000 - 3500
    Payment.objects.create(
        buyer=buyer, package=acme, kind=PaymentKind.PURCHASE, amount_cents=10000
    )  # pending
    Payment.objects.create(buyer=buyer, package=paid, kind=PaymentKind.TRIAL, amount_cents=0, status="paid")
    pro = Plan.objects.get(slug="pro")
    for when, refunded in ((at(2026, 9), 0), (at(2026, 10), 0), (at(2026, 10, 2), 900)):
        Payment.objects.create(
            buyer=buyer,
            plan=pro,
            kind=PaymentKind.SUBSCRIPTION,
            amount_cents=900,
            status=PaymentStatus.PAID,
            refunded_cents=refunded,
            paid_at=when,
        )
    return paid.publisher, other


def test_platform_report_splits_sales_per_month_and_per_publisher(sales, settings):
    settings.TIME_ZONE = "UTC"
    paid_tools, acme = sales

    report = earnings.platform_report()

    assert report.totals == earnings.Totals(
        count=4,
        gross_cents=1900 + 1900 + 10000 + 10000,
        fee_cents=570 + 570 + 3000 + 3000,
        refunded_cents=1900 + 5000,
        net_cents=1330 + 0 + 7000 + 3500,
        platform_cents=570 + 0 + 3000 + 1500,
    )
    assert report.months == [
        (dt.date(2026, 10, 1), earnings.Totals(3, 21900, 6570, 6900, 10500, 4500)),
        (dt.date(2026, 9, 1), earnings.Totals(1, 1900, 570, 0, 1330, 570)),
    ]
    assert report.publishers == [
        (acme, earnings.Totals(2, 20000, 6000, 5000, 10500, 4500)),
        (paid_tools, earnings.Totals(2, 3800, 1140, 1900, 1330, 570)),
    ]
    # Every split adds up to the totals, which match the payments changelist's summary.
    for rows in (report.months, report.publishers):
        assert sum(t.gross_cents for _, t in rows) == report.totals.gross_cents
        assert sum(t.net_cents for _, t in rows) == report.totals.net_cents
        assert sum(t.platform_cents for _, t in rows) == report.totals.platform_cents
    assert earnings.totals(payments_qs=earnings.sales()) == report.totals
    assert report.plans == earnings.PlanRevenue(count=3, gross_cents=2700, refunded_cents=900)
    assert report.plans.net_cents == 1800
    assert [(month, r.count, r.net_cents) for month, r in report.plan_months] == [
        (dt.date(2026, 10, 1), 2, 900),
        (dt.date(2026, 9, 1), 1, 900),
    ]


def test_the_totals_page_is_for_staff_who_may_view_payments(client, sales, reviewer, django_user_model):
    client.force_login(reviewer)
    index = client.get("/admin/").content.decode()
    assert f'href="{TOTALS}"' in index

    page = client.get(TOTALS)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Platform totals" in html
    assert "$238.00" in html  # gross, all time
    assert "$50.70" in html  # platform revenue after refunds
    assert "$118.30" in html  # net to authors
    assert "2026-10" in html and "2026-09" in html
    assert "Acme <span" in html and "(acme)" in html
    assert "$27.00" in html and "$18.00" in html  # plan subscriptions: gross and net
    changelist = client.get("/admin/licensing/payment/").content.decode()
    assert f'href="{TOTALS}"' in changelist

    clerk = make_user(django_user_model, "clerk", is_staff=True)
    client.force_login(clerk)
    assert client.get(TOTALS).status_code == 403
    assert f'href="{TOTALS}"' not in client.get("/admin/").content.decode()
    clerk.user_permissions.add(Permission.objects.get(codename="view_payment"))
    assert client.get(TOTALS).status_code == 200

    customer = make_user(django_user_model, "carol")
    client.force_login(customer)
    assert client.get(TOTALS).status_code == 302


def test_empty_report(client, reviewer):
    report = earnings.platform_report()
    assert report.totals.count == 0 and report.months == [] and report.publishers == []
    client.force_login(reviewer)
    assert "No sales yet." in client.get(TOTALS).content.decode()


def test_month_follows_the_local_time_zone(settings):
    settings.TIME_ZONE = "Pacific/Auckland"
    timezone.activate("Pacific/Auckland")
    try:
        assert earnings._month(dt.datetime(2026, 9, 30, 13, tzinfo=dt.UTC)) == dt.date(2026, 10, 1)
    finally:
        timezone.deactivate()
