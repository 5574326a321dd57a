"""The Stripe webhook endpoint: signatures, exactly-once effects, and order-independent payments."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from licensing import checkout, connect
from licensing.constants import LicenseStatus, PaymentStatus
from licensing.gateways import fake
from licensing.licenses import _add_years
from licensing.models import ConnectedAccount, License, Payment, WebhookEvent
from tests.conftest import make_user
from tests.licensing.money import post_event, sellable, signed


@pytest.fixture
def buyer(db, django_user_model):
    return make_user(django_user_model, "bruno")


@pytest.fixture
def pending(make_package, buyer):
    """A pending purchase of a $19.00 ``pro`` package through the fake gateway."""
    package = sellable(make_package, "pro", price_cents=1900)
    checkout.checkout_start(buyer=buyer, package=package)
    return Payment.objects.get(buyer=buyer, package=package)


def objects(payment):
    return fake.fake_payment_objects(Payment.objects.select_related("buyer").get(pk=payment.pk))


def deliver(client, event_type, obj, event_id, capture):
    body, header = signed(event_type, obj, event_id=event_id)
    with capture(execute=True):
        response = post_event(client, body, header)
    assert response.status_code == 200, response.content
    return response


# --- verification --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("problem", ["tampered", "wrong secret", "missing header", "stale", "garbage header"])
def test_bad_signatures_are_refused_without_effect(
    client, pending, problem, django_capture_on_commit_callbacks
):
    obj = objects(pending)["checkout.session.completed"]
    body, header = signed("checkout.session.completed", obj, event_id="evt_bad")
    if problem == "tampered":
        body = body.replace('"amount_total": 1900', '"amount_total": 1')
        assert '"amount_total": 1,' in body
    elif problem == "wrong secret":
        body, header = signed("checkout.session.completed", obj, event_id="evt_bad", secret="whsec_other")
    elif problem == "missing header":
        header = None
    elif problem == "stale":
        body, header = signed(
            "checkout.session.completed", obj, event_id="evt_bad", timestamp=int(time.time()) - 301
        )
    else:
        header = "nonsense"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, body, header)
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert not License.objects.exists()
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.PENDING
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event_type", "field", "value"),
    [
        ("checkout.session.completed", "amount_total", 1),
        ("checkout.session.completed", "currency", "jpy"),
        ("payment_intent.succeeded", "amount_received", 1),
    ],
)
def test_a_signed_event_for_another_amount_or_currency_issues_no_license(
    client, pending, event_type, field, value, django_capture_on_commit_callbacks
):
    obj = dict(objects(pending)[event_type], **{field: value})
    deliver(client, event_type, obj, "evt_cheap", django_capture_on_commit_callbacks)
    assert not License.objects.exists()
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.PENDING
    assert mail.outbox == []


@pytest.mark.django_db
def test_get_is_not_allowed(client):
    assert client.get("/stripe/webhook/").status_code == 405


@pytest.mark.django_db
def test_endpoint_needs_no_csrf_token(pending, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    deliver(
        client,
        "checkout.session.completed",
        objects(pending)["checkout.session.completed"],
        "evt_1",
        django_capture_on_commit_callbacks,
    )
    assert License.objects.count() == 1


# --- exactly once --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_replayed_20_times_issues_one_license_and_one_email(
    client, pending, buyer, django_capture_on_commit_callbacks
):
    obj = objects(pending)["checkout.session.completed"]
    for _ in range(20):
        deliver(client, "checkout.session.completed", obj, "evt_same", django_capture_on_commit_callbacks)
    assert License.objects.filter(owner=buyer).count() == 1
    assert WebhookEvent.objects.count() == 1
    assert len(mail.outbox) == 1
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.PAID
    assert pending.license is not None
    key = checkout.license_services.license_reveal(pending.license)
    assert key in mail.outbox[0].body
    assert mail.outbox[0].to == [buyer.email]


@pytest.mark.django_db
def test_both_success_events_issue_one_license(client, pending, django_capture_on_commit_callbacks):
    objs = objects(pending)
    deliver(
        client,
        "payment_intent.succeeded",
        objs["payment_intent.succeeded"],
        "evt_pi",
        django_capture_on_commit_callbacks,
    )
    deliver(
        client,
        "checkout.session.completed",
        objs["checkout.session.completed"],
        "evt_cs",
        django_capture_on_commit_callbacks,
    )
    assert License.objects.count() == 1
    assert len(mail.outbox) == 1
    pending.refresh_from_db()
    assert pending.payment_intent_id == objs["payment_intent.succeeded"]["id"]
    assert pending.paid_at is not None


def _hammer(deliveries: list[tuple[str, str]], threads_per_delivery: int) -> list[int]:
    """POST each ``(body, header)`` from many threads at once; retry 5xx and lock errors like Stripe."""
    statuses: list[int] = []
    barrier = threading.Barrier(len(deliveries) * threads_per_delivery)

    errors: list[BaseException] = []

    def worker(body: str, header: str) -> None:
        client = Client(raise_request_exception=True)
        deadline = time.monotonic() + 60
        try:
            barrier.wait()
            while time.monotonic() < deadline:
                try:
                    response = post_event(client, body, header)
                except OperationalError:  # SQLite's shared-cache test database: "table is locked"
                    time.sleep(0.005)
                    continue
                if response.status_code < 500:
                    statuses.append(response.status_code)
                    return
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=delivery)
        for delivery in deliveries
        for _ in range(threads_per_delivery)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert errors == []
    return statuses


# Real concurrency needs a real database: SQLite's shared in-memory test database locks whole
# tables, so these run with the integration tests, on PostgreSQL.
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_replayed_20_times_concurrently_issues_one_license_and_one_email(make_package, django_user_model):
    buyer = make_user(django_user_model, "bruno")
    package = sellable(make_package, "pro", price_cents=1900)
    checkout.checkout_start(buyer=buyer, package=package)
    payment = Payment.objects.get(buyer=buyer)
    body, header = signed(
        "checkout.session.completed", objects(payment)["checkout.session.completed"], event_id="evt_c"
    )

    statuses = _hammer([(body, header)], 20)

    assert statuses == [200] * 20
    assert License.objects.filter(owner=buyer).count() == 1
    assert WebhookEvent.objects.count() == 1
    assert len(mail.outbox) == 1


# Real concurrency needs a real database: SQLite's shared in-memory test database locks whole
# tables, so these run with the integration tests, on PostgreSQL.
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_both_success_events_concurrently_issue_one_license(make_package, django_user_model):
    buyer = make_user(django_user_model, "bruno")
    package = sellable(make_package, "enterprise", price_cents=9900)
    checkout.checkout_start(buyer=buyer, package=package)
    payment = Payment.objects.get(buyer=buyer)
    objs = objects(payment)
    deliveries = [
        signed("checkout.session.completed", objs["checkout.session.completed"], event_id="evt_cs"),
        signed("payment_intent.succeeded", objs["payment_intent.succeeded"], event_id="evt_pi"),
    ]

    statuses = _hammer(deliveries, 10)

    assert statuses == [200] * 20
    assert License.objects.filter(owner=buyer).count() == 1
    assert WebhookEvent.objects.count() == 2
    assert len(mail.outbox) == 1


# --- order independence --------------------------------------------------------------------------

EVENTS = ["checkout.session.completed", "payment_intent.succeeded", "charge.refunded"]


@pytest.mark.django_db
@pytest.mark.parametrize("order", list(itertools.permutations(EVENTS)), ids="→".join)
def test_every_order_ends_refunded_with_no_usable_license(
    client, pending, buyer, order, django_capture_on_commit_callbacks
):
    objs = objects(pending)
    for n, event_type in enumerate(order):
        deliver(client, event_type, objs[event_type], f"evt_{n}", django_capture_on_commit_callbacks)
        # A replay of everything so far changes nothing.
        deliver(client, event_type, objs[event_type], f"evt_{n}", django_capture_on_commit_callbacks)

    pending.refresh_from_db()
    assert pending.status == PaymentStatus.REFUNDED
    assert pending.refunded_cents == 1900
    assert pending.refunded_at is not None
    assert pending.paid_at is not None
    assert pending.payment_intent_id == objs["payment_intent.succeeded"]["id"]
    licenses = License.objects.filter(owner=buyer)
    assert licenses.count() <= 1
    assert not licenses.filter(status=LicenseStatus.ACTIVE).exists()
    if licenses:
        assert licenses.get() == pending.license
        assert licenses.get().status == LicenseStatus.REVOKED


@pytest.mark.django_db
@pytest.mark.parametrize("order", list(itertools.permutations(EVENTS[:2])), ids="→".join)
def test_success_in_either_order_ends_paid_with_one_active_license(
    client, pending, buyer, order, django_capture_on_commit_callbacks
):
    objs = objects(pending)
    for n, event_type in enumerate(order):
        deliver(client, event_type, objs[event_type], f"evt_{n}", django_capture_on_commit_callbacks)
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.PAID
    assert License.objects.get(owner=buyer).status == LicenseStatus.ACTIVE


@pytest.mark.django_db
def test_refund_of_a_paid_purchase_revokes_and_emails(
    client, pending, buyer, django_capture_on_commit_callbacks
):
    objs = objects(pending)
    deliver(
        client,
        "checkout.session.completed",
        objs["checkout.session.completed"],
        "evt_1",
        django_capture_on_commit_callbacks,
    )
    deliver(client, "charge.refunded", objs["charge.refunded"], "evt_2", django_capture_on_commit_callbacks)
    license = License.objects.get(owner=buyer)
    assert license.status == LicenseStatus.REVOKED
    assert [m.subject for m in mail.outbox] == [
        f"[Argent Marketplace] Your receipt for {pending.package.display_name}",
        f"[Argent Marketplace] Your payment for {pending.package.display_name} was refunded",
    ]


@pytest.mark.django_db
def test_partial_refund_is_recorded_but_keeps_the_license(
    client, pending, buyer, django_capture_on_commit_callbacks
):
    objs = objects(pending)
    deliver(
        client,
        "checkout.session.completed",
        objs["checkout.session.completed"],
        "evt_1",
        django_capture_on_commit_callbacks,
    )
    partial = {**objs["charge.refunded"], "amount_refunded": 500, "refunded": False}
    deliver(client, "charge.refunded", partial, "evt_2", django_capture_on_commit_callbacks)
    pending.refresh_from_db()
    assert (pending.status, pending.refunded_cents) == (PaymentStatus.PAID, 500)
    assert License.objects.get(owner=buyer).status == LicenseStatus.ACTIVE


@pytest.mark.django_db
def test_dispute_suspends_the_license_and_never_goes_back(
    client, pending, buyer, django_capture_on_commit_callbacks
):
    objs = objects(pending)
    deliver(
        client,
        "checkout.session.completed",
        objs["checkout.session.completed"],
        "evt_1",
        django_capture_on_commit_callbacks,
    )
    deliver(
        client,
        "charge.dispute.created",
        objs["charge.dispute.created"],
        "evt_2",
        django_capture_on_commit_callbacks,
    )
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.DISPUTED
    assert License.objects.get(owner=buyer).status == LicenseStatus.SUSPENDED
    deliver(
        client,
        "payment_intent.succeeded",
        objs["payment_intent.succeeded"],
        "evt_3",
        django_capture_on_commit_callbacks,
    )
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.DISPUTED
    assert License.objects.get(owner=buyer).status == LicenseStatus.SUSPENDED


@pytest.mark.django_db
def test_dispute_before_payment_is_deferred_until_the_payment_is_known(
    client, pending, buyer, django_capture_on_commit_callbacks
):
    objs = objects(pending)
    body, header = signed("charge.dispute.created", objs["charge.dispute.created"], event_id="evt_1")
    assert post_event(client, body, header).status_code == 503
    assert not WebhookEvent.objects.exists()
    deliver(
        client,
        "checkout.session.completed",
        objs["checkout.session.completed"],
        "evt_2",
        django_capture_on_commit_callbacks,
    )
    deliver(
        client,
        "charge.dispute.created",
        objs["charge.dispute.created"],
        "evt_1",
        django_capture_on_commit_callbacks,
    )
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.DISPUTED
    assert License.objects.get(owner=buyer).status == LicenseStatus.SUSPENDED


@pytest.mark.django_db
def test_unknown_payments_and_unhandled_types_are_acknowledged(client, django_capture_on_commit_callbacks):
    deliver(
        client,
        "payment_intent.succeeded",
        {"id": "pi_elsewhere", "metadata": {}},
        "evt_1",
        django_capture_on_commit_callbacks,
    )
    deliver(client, "customer.created", {"id": "cus_1"}, "evt_2", django_capture_on_commit_callbacks)
    assert WebhookEvent.objects.count() == 2
    assert not License.objects.exists()


@pytest.mark.django_db
def test_unpaid_checkout_completion_waits_for_the_payment(
    client, pending, django_capture_on_commit_callbacks
):
    obj = {**objects(pending)["checkout.session.completed"], "payment_status": "unpaid"}
    deliver(client, "checkout.session.completed", obj, "evt_1", django_capture_on_commit_callbacks)
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.PENDING
    assert not License.objects.exists()


# --- Connect -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_account_updated_sets_the_connected_account_flags(
    client, make_package, django_capture_on_commit_callbacks
):
    package = make_package("pro")
    account = ConnectedAccount.objects.create(publisher=package.publisher, stripe_account_id="acct_123")
    assert connect.can_sell(package.publisher)[0] is False
    obj = {
        "id": "acct_123",
        "object": "account",
        "details_submitted": True,
        "charges_enabled": True,
        "payouts_enabled": False,
    }
    deliver(client, "account.updated", obj, "evt_1", django_capture_on_commit_callbacks)
    account.refresh_from_db()
    assert (account.details_submitted, account.charges_enabled, account.payouts_enabled) == (
        True,
        True,
        False,
    )
    assert connect.can_sell(package.publisher) == (True, "")
    deliver(
        client,
        "account.updated",
        {**obj, "charges_enabled": False},
        "evt_2",
        django_capture_on_commit_callbacks,
    )
    account.refresh_from_db()
    assert account.charges_enabled is False
    assert "cannot accept charges" in connect.can_sell(package.publisher)[1]
    deliver(
        client, "account.updated", {**obj, "id": "acct_not_ours"}, "evt_3", django_capture_on_commit_callbacks
    )
    assert ConnectedAccount.objects.count() == 1


@pytest.mark.django_db
def test_the_connect_endpoint_secret_verifies_account_updates_only(
    client, settings, pending, django_capture_on_commit_callbacks
):
    account = ConnectedAccount.objects.get(publisher=pending.package.publisher)
    account.charges_enabled = account.details_submitted = False
    account.save()
    connect_secret = "whsec_" + "Z5x6C7v8" * 4
    obj = {
        "id": account.stripe_account_id,
        "object": "account",
        "details_submitted": True,
        "charges_enabled": True,
    }
    body, header = signed("account.updated", obj, event_id="evt_connect_1", secret=connect_secret)
    # Without the Connect endpoint's secret, its deliveries are not ours.
    assert post_event(client, body, header).status_code == 400

    settings.STRIPE_CONNECT_WEBHOOK_SECRET = connect_secret
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(client, body, header).status_code == 200
    account.refresh_from_db()
    assert account.charges_enabled and account.details_submitted
    # Anything else signed with the Connect secret changes nothing: payments come to the platform endpoint.
    paid, header = signed(
        "checkout.session.completed",
        objects(pending)["checkout.session.completed"],
        event_id="evt_connect_2",
        secret=connect_secret,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(client, paid, header).status_code == 200
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.PENDING and not License.objects.exists()
    assert not WebhookEvent.objects.filter(event_id="evt_connect_2").exists()


# --- refunds of renewals: the renewal's year is taken back, the purchase stands ----


def _renewal(license, client, capture, *, event_prefix: str, pay: bool = True) -> Payment:
    """A renewal checkout of ``license`` through the fake gateway, paid by its signed events."""
    checkout.renewal_checkout_start(license=license)
    payment = Payment.objects.filter(license=license, kind="renewal").order_by("-pk").first()
    if pay:
        objs = objects(payment)
        for n, event_type in enumerate(("checkout.session.completed", "payment_intent.succeeded")):
            deliver(client, event_type, objs[event_type], f"{event_prefix}_{n}", capture)
    return payment


@pytest.fixture
def licensed(make_package, buyer):
    """An active ``pro`` license of ``buyer``'s, bought a month ago."""
    from licensing import licenses

    package = sellable(make_package, "pro", price_cents=1900)
    bought = timezone.now() - dt.timedelta(days=30)
    license, _ = licenses.license_issue(package=package, owner=buyer, now=bought)
    return license


@pytest.mark.django_db
def test_refund_of_a_renewal_takes_back_its_year_and_keeps_the_license(
    client, licensed, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    original = licensed.expires_at
    renewal = _renewal(licensed, client, capture, event_prefix="evt_r")
    licensed.refresh_from_db()
    assert licensed.expires_at == _add_years(original, 1)

    deliver(client, "charge.refunded", objects(renewal)["charge.refunded"], "evt_refund", capture)

    licensed.refresh_from_db()
    assert licensed.expires_at == original
    assert licensed.status == LicenseStatus.ACTIVE
    renewal.refresh_from_db()
    assert renewal.status == PaymentStatus.REFUNDED
    notice = mail.outbox[-1]
    assert (
        notice.subject
        == f"[Argent Marketplace] Your payment for {licensed.package.display_name} was refunded"
    )
    assert "The year this renewal added was taken back" in notice.body
    assert f"now expires on {original:%-d %B %Y}" in notice.body
    assert "revoked" not in notice.body


@pytest.mark.django_db
def test_refunding_the_first_of_two_renewals_takes_back_one_year(
    client, licensed, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    original = licensed.expires_at
    first = _renewal(licensed, client, capture, event_prefix="evt_a")
    _renewal(licensed, client, capture, event_prefix="evt_b")
    licensed.refresh_from_db()
    assert licensed.expires_at == _add_years(original, 2)

    deliver(client, "charge.refunded", objects(first)["charge.refunded"], "evt_refund", capture)

    licensed.refresh_from_db()
    assert licensed.expires_at == _add_years(original, 1) and licensed.status == LicenseStatus.ACTIVE


@pytest.mark.django_db
def test_refunding_the_renewal_of_an_expired_license_leaves_it_expired_not_revoked(
    client, licensed, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    lapsed = timezone.now() - dt.timedelta(days=10)
    License.objects.filter(pk=licensed.pk).update(expires_at=lapsed, status=LicenseStatus.EXPIRED)
    licensed.refresh_from_db()
    renewal = _renewal(licensed, client, capture, event_prefix="evt_r")
    licensed.refresh_from_db()
    assert licensed.status == LicenseStatus.ACTIVE and licensed.expires_at > timezone.now()

    deliver(client, "charge.refunded", objects(renewal)["charge.refunded"], "evt_refund", capture)

    licensed.refresh_from_db()
    assert licensed.status == LicenseStatus.EXPIRED
    assert lapsed < licensed.expires_at <= timezone.now()


@pytest.mark.django_db
def test_a_renewal_refunded_before_it_was_paid_neither_extends_nor_shortens(
    client, licensed, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    original = licensed.expires_at
    renewal = _renewal(licensed, client, capture, event_prefix="evt_r", pay=False)
    objs = objects(renewal)
    deliver(client, "charge.refunded", objs["charge.refunded"], "evt_refund", capture)
    for n, event_type in enumerate(("checkout.session.completed", "payment_intent.succeeded")):
        deliver(client, event_type, objs[event_type], f"evt_late_{n}", capture)

    licensed.refresh_from_db()
    assert licensed.expires_at == original and licensed.status == LicenseStatus.ACTIVE
    renewal.refresh_from_db()
    assert renewal.status == PaymentStatus.REFUNDED
