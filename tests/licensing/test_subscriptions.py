"""Selling account plans: subscription checkout (Stripe and the fake), cancellation, and the webhooks.

``StripeGateway`` runs the real ``stripe`` library against the local Stripe-compatible server
(``tests/licensing/stripe_server.py``); events are signed with the endpoint secret and posted to
``/stripe/webhook/`` as Stripe would.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.core import mail

from catalog.constants import MemberRole, PublisherType
from catalog.models import PublisherMember
from licensing import plans, subscriptions
from licensing.constants import PaymentKind, PaymentStatus, SubscriptionStatus
from licensing.models import Payment, Plan, Subscription
from publishing import services
from tests.conftest import PASSWORD, make_user, subscribe
from tests.licensing.money import post_event, signed
from tests.licensing.stripe_server import stripe_server_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

PAGE = "/account/plan/"
DAY = 24 * 3600


@pytest.fixture
def buyer(django_user_model):
    return make_user(django_user_model, "bruno")


@pytest.fixture
def organization(buyer):
    return services.publisher_create(user=buyer, name="Acme", slug="acme", type=PublisherType.ORGANIZATION)


def deliver(client, event_type: str, obj: dict, event_id: str, captured) -> int:
    body, header = signed(event_type, obj, event_id=event_id)
    with captured(execute=True):
        return post_event(client, body, header).status_code


def session_completed(payment: Payment, subscription_id: str = "sub_1") -> dict:
    return {
        "id": payment.checkout_session_id,
        "object": "checkout.session",
        "mode": "subscription",
        "status": "complete",
        "payment_status": "paid",
        "subscription": subscription_id,
        "metadata": {"payment_id": str(payment.pk), "plan": payment.plan.slug},
    }


def invoice(subscription_id: str, end: int, *, reason: str = "subscription_cycle", amount: int = 900) -> dict:
    return {
        "id": f"in_{end}",
        "object": "invoice",
        "billing_reason": reason,
        "status": "paid",
        "amount_paid": amount,
        "currency": "usd",
        "payment_intent": f"pi_{end}",
        # API 2025-03 and later: the subscription is under parent.subscription_details.
        "parent": {"subscription_details": {"subscription": subscription_id}},
        "lines": {"object": "list", "data": [{"period": {"start": end - 30 * DAY, "end": end}}]},
    }


def subscription_obj(subscription_id: str, status: str, end: int, price: str | None = None) -> dict:
    item = {"current_period_end": end, "price": {"id": price} if price else {"id": "price_inline"}}
    return {"id": subscription_id, "object": "subscription", "status": status, "items": {"data": [item]}}


# --- StripeGateway: the exact request ------------------------------------------------------------------


def test_pro_checkout_sends_a_monthly_subscription_session(stripe_server, buyer):
    url = subscriptions.subscription_checkout_start(buyer=buyer, plan=Plan.objects.get(slug="pro"))

    [call] = stripe_server.state.calls("POST", "/v1/checkout/sessions")
    payment = Payment.objects.get(buyer=buyer)
    metadata = {"payment_id": str(payment.pk), "plan": "pro", "user_id": str(buyer.pk)}
    assert call.params == {
        "mode": "subscription",
        "line_items": [
            {
                "quantity": "1",
                "price_data": {
                    "currency": "usd",
                    "unit_amount": "900",
                    "recurring": {"interval": "month"},
                    "product_data": {"name": "Argent Marketplace Pro plan"},
                },
            }
        ],
        "client_reference_id": str(payment.pk),
        "customer_email": "bruno@example.com",
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
        "success_url": f"{settings.SITE_URL}{PAGE}?checkout=success",
        "cancel_url": f"{settings.SITE_URL}{PAGE}?checkout=cancelled",
    }
    assert call.headers["Idempotency-Key"] == f"checkout-subscription-{payment.pk}"
    assert url.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert payment.kind == PaymentKind.SUBSCRIPTION and payment.status == PaymentStatus.PENDING
    assert (payment.amount_cents, payment.application_fee_cents, payment.destination_account) == (900, 0, "")
    assert payment.checkout_session_id == url.rsplit("/", 1)[1]


def test_team_checkout_with_a_stripe_price_names_the_organization(stripe_server, buyer, organization):
    Plan.objects.filter(slug="team").update(stripe_price_id="price_team_monthly")
    stripe_server.state.prices["price_team_monthly"] = {"unit_amount": 3900, "currency": "usd"}

    subscriptions.subscription_checkout_start(
        buyer=buyer, plan=Plan.objects.get(slug="team"), organization=organization
    )

    [call] = stripe_server.state.calls("POST", "/v1/checkout/sessions")
    assert call.params["line_items"] == [{"quantity": "1", "price": "price_team_monthly"}]
    assert call.params["metadata"]["organization"] == "acme"
    assert call.params["subscription_data"]["metadata"]["organization"] == "acme"
    assert Payment.objects.get(buyer=buyer).organization == organization


def test_checkouts_that_cannot_start(stripe_server, buyer, organization, django_user_model):
    with pytest.raises(subscriptions.SubscriptionError, match="Free needs no checkout"):
        subscriptions.subscription_checkout_start(buyer=buyer, plan=Plan.objects.get(slug="free"))
    with pytest.raises(subscriptions.SubscriptionError, match="is for an organization"):
        subscriptions.subscription_checkout_start(buyer=buyer, plan=Plan.objects.get(slug="team"))
    stranger = make_user(django_user_model, "stranger")
    with pytest.raises(subscriptions.SubscriptionError, match="is for an organization"):
        subscriptions.subscription_checkout_start(
            buyer=stranger, plan=Plan.objects.get(slug="enterprise"), organization=organization
        )
    individual = services.publisher_create(user=buyer, name="Bruno", slug="bruno")
    with pytest.raises(subscriptions.SubscriptionError, match="is for an organization"):
        subscriptions.subscription_checkout_start(
            buyer=buyer, plan=Plan.objects.get(slug="team"), organization=individual
        )
    subscribe(buyer, "pro")
    with pytest.raises(subscriptions.SubscriptionError, match="already on the Pro plan"):
        subscriptions.subscription_checkout_start(buyer=buyer, plan=Plan.objects.get(slug="pro"))
    assert stripe_server.requests == [] and not Payment.objects.exists()


def test_cancel_asks_stripe_to_cancel_the_subscription(stripe_server, client, buyer):
    Subscription.objects.create(
        user=buyer, plan=Plan.objects.get(slug="pro"), stripe_subscription_id="sub_cancelme"
    )
    client.login(username=buyer.username, password=PASSWORD)

    response = client.post("/account/plan/cancel/")

    assert response.status_code == 302
    assert len(stripe_server.state.calls("DELETE", "/v1/subscriptions/sub_cancelme")) == 1
    # The plan ends when Stripe says so.
    assert plans.plan_of(buyer).slug == "pro"
    Subscription.objects.filter(user=buyer).update(status=SubscriptionStatus.CANCELED)
    response = client.post("/account/plan/cancel/", follow=True)
    assert "You have no paid subscription to cancel." in response.content.decode()
    assert len(stripe_server.state.calls("DELETE", "/v1/subscriptions/sub_cancelme")) == 1


# --- the webhooks -----------------------------------------------------------------------------------------


@pytest.fixture
def pending(stripe_server, buyer):
    subscriptions.subscription_checkout_start(buyer=buyer, plan=Plan.objects.get(slug="pro"))
    return Payment.objects.get(buyer=buyer)


def test_a_paid_checkout_starts_the_plan_once_and_invoices_extend_it(
    client, pending, buyer, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    for _ in range(3):  # Replays change nothing.
        assert (
            deliver(client, "checkout.session.completed", session_completed(pending), "evt_cs", captured)
            == 200
        )
    subscription = Subscription.objects.get(user=buyer)
    assert (subscription.plan.slug, subscription.status, subscription.stripe_subscription_id) == (
        "pro",
        SubscriptionStatus.ACTIVE,
        "sub_1",
    )
    assert plans.plan_of(buyer).slug == "pro"
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.PAID and pending.paid_at is not None
    assert subscription.current_period_end is None  # Known once the first invoice is reported.

    first_end = int(time.time()) + 31 * DAY
    assert (
        deliver(
            client,
            "invoice.paid",
            invoice("sub_1", first_end, reason="subscription_create"),
            "evt_i1",
            captured,
        )
        == 200
    )
    subscription.refresh_from_db()
    assert subscription.current_period_end.timestamp() == first_end
    assert Payment.objects.filter(buyer=buyer).count() == 1  # The checkout's payment is the first invoice.

    renewal_end = first_end + 30 * DAY
    assert deliver(client, "invoice.paid", invoice("sub_1", renewal_end), "evt_i2", captured) == 200
    assert deliver(client, "invoice.paid", invoice("sub_1", renewal_end), "evt_i2", captured) == 200
    subscription.refresh_from_db()
    assert subscription.current_period_end.timestamp() == renewal_end
    renewal = Payment.objects.filter(buyer=buyer).exclude(pk=pending.pk).get()
    assert (renewal.kind, renewal.status, renewal.amount_cents, renewal.plan.slug) == (
        "subscription",
        "paid",
        900,
        "pro",
    )
    assert renewal.payment_intent_id == f"pi_{renewal_end}"
    # Stripe e-mails plan invoices; there is no license receipt, only the plan's confirmation, once.
    assert [m.subject for m in mail.outbox] == ["[Argent Marketplace] You are on the Pro plan"]


def test_states_never_move_backwards(client, pending, buyer, django_capture_on_commit_callbacks):
    captured = django_capture_on_commit_callbacks
    deliver(client, "checkout.session.completed", session_completed(pending), "evt_cs", captured)
    end = int(time.time()) + 40 * DAY
    deliver(
        client, "customer.subscription.updated", subscription_obj("sub_1", "active", end), "evt_u1", captured
    )
    # An older update arriving late does not shorten the period.
    deliver(
        client,
        "customer.subscription.updated",
        subscription_obj("sub_1", "active", end - 30 * DAY),
        "evt_u0",
        captured,
    )
    assert Subscription.objects.get(user=buyer).current_period_end.timestamp() == end

    deliver(
        client,
        "customer.subscription.updated",
        subscription_obj("sub_1", "past_due", end),
        "evt_u2",
        captured,
    )
    assert Subscription.objects.get(user=buyer).status == SubscriptionStatus.PAST_DUE
    assert plans.plan_of(buyer).slug == "pro"  # Stripe is still retrying.

    deliver(
        client, "customer.subscription.deleted", subscription_obj("sub_1", "canceled", end), "evt_d", captured
    )
    assert Subscription.objects.get(user=buyer).status == SubscriptionStatus.CANCELED
    assert plans.plan_of(buyer).slug == "free"
    # Late events of the cancelled subscription revive nothing.
    deliver(
        client,
        "customer.subscription.updated",
        subscription_obj("sub_1", "active", end + DAY),
        "evt_u3",
        captured,
    )
    deliver(client, "invoice.paid", invoice("sub_1", end + 30 * DAY), "evt_i", captured)
    assert Subscription.objects.get(user=buyer).status == SubscriptionStatus.CANCELED
    assert plans.plan_of(buyer).slug == "free"


def test_events_in_any_order(client, pending, buyer, django_capture_on_commit_callbacks):
    captured = django_capture_on_commit_callbacks
    end = int(time.time()) + 31 * DAY
    # The invoice before anything else: Stripe is asked to deliver it again later.
    assert (
        deliver(
            client, "invoice.paid", invoice("sub_1", end, reason="subscription_create"), "evt_i", captured
        )
        == 503
    )
    # The subscription's own event first: it starts the plan from the payment its metadata names.
    sub = subscription_obj("sub_1", "active", end)
    sub["metadata"] = {"payment_id": str(pending.pk), "plan": "pro"}
    assert deliver(client, "customer.subscription.created", sub, "evt_c", captured) == 200
    assert plans.plan_of(buyer).slug == "pro"
    assert (
        deliver(client, "checkout.session.completed", session_completed(pending), "evt_cs", captured) == 200
    )
    assert (
        deliver(
            client, "invoice.paid", invoice("sub_1", end, reason="subscription_create"), "evt_i", captured
        )
        == 200
    )
    subscription = Subscription.objects.get(user=buyer)
    assert (
        subscription.current_period_end.timestamp() == end and subscription.stripe_subscription_id == "sub_1"
    )
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.PAID
    # Subscriptions we never sold are not ours.
    stray = subscription_obj("sub_stray", "active", end)
    assert deliver(client, "customer.subscription.updated", stray, "evt_s", captured) == 200
    assert not Subscription.objects.filter(stripe_subscription_id="sub_stray").exists()


def test_a_price_change_at_stripe_changes_the_plan(
    client, pending, buyer, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    deliver(client, "checkout.session.completed", session_completed(pending), "evt_cs", captured)
    Plan.objects.filter(slug="enterprise").update(stripe_price_id="price_ent")
    end = int(time.time()) + 31 * DAY
    deliver(
        client,
        "customer.subscription.updated",
        subscription_obj("sub_1", "active", end, "price_ent"),
        "evt_u",
        captured,
    )
    assert Subscription.objects.get(user=buyer).plan.slug == "enterprise"


def test_a_new_plan_replaces_the_old_one_which_is_cancelled_at_stripe(
    client, stripe_server, buyer, organization, django_user_model, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    member = make_user(django_user_model, "member")
    PublisherMember.objects.create(publisher=organization, user=member, role=MemberRole.MEMBER)
    subscribe(buyer, "pro")
    Subscription.objects.filter(user=buyer).update(stripe_subscription_id="sub_old")
    subscriptions.subscription_checkout_start(
        buyer=buyer, plan=Plan.objects.get(slug="team"), organization=organization
    )
    team_payment = Payment.objects.get(buyer=buyer, plan__slug="team")

    assert (
        deliver(
            client, "checkout.session.completed", session_completed(team_payment, "sub_team"), "evt", captured
        )
        == 200
    )

    subscription = Subscription.objects.get(user=buyer)
    assert (subscription.plan.slug, subscription.organization, subscription.stripe_subscription_id) == (
        "team",
        organization,
        "sub_team",
    )
    assert len(stripe_server.state.calls("DELETE", "/v1/subscriptions/sub_old")) == 1
    assert plans.plan_of(member).slug == "team"
    # The old subscription's deletion, when Stripe reports it, leaves the new one alone.
    deliver(
        client, "customer.subscription.deleted", subscription_obj("sub_old", "canceled", 1), "evt_d", captured
    )
    assert Subscription.objects.get(user=buyer).status == SubscriptionStatus.ACTIVE


def test_a_refunded_plan_payment_is_recorded_and_the_buyer_told(
    client, pending, buyer, django_capture_on_commit_callbacks
):
    captured = django_capture_on_commit_callbacks
    deliver(client, "checkout.session.completed", session_completed(pending), "evt_cs", captured)
    Payment.objects.filter(pk=pending.pk).update(payment_intent_id="pi_plan")
    charge = {
        "id": "ch_plan",
        "object": "charge",
        "payment_intent": "pi_plan",
        "amount": 900,
        "amount_refunded": 900,
        "refunded": True,
        "metadata": {},
    }
    assert deliver(client, "charge.refunded", charge, "evt_r", captured) == 200
    pending.refresh_from_db()
    assert pending.status == PaymentStatus.REFUNDED and pending.refunded_cents == 900
    assert mail.outbox[-1].subject == "[Argent Marketplace] Your payment for the Pro plan was refunded"


# --- the fake gateway, end to end through the pages ----------------------------------------------------


def test_fake_gateway_subscribe_pay_and_cancel_through_the_pages(
    client, buyer, django_capture_on_commit_callbacks
):
    client.login(username=buyer.username, password=PASSWORD)
    page = client.get(PAGE).content.decode()
    assert 'action="/account/plan/pro/subscribe/"' in page and "Upgrade to Pro" in page

    start = client.post("/account/plan/pro/subscribe/")
    assert start.status_code == 302 and start["Location"].startswith("/fake-stripe/checkout/cs_fake_")
    checkout = client.get(start["Location"]).content.decode()
    assert "The Pro plan, every month" in checkout and "$9.00" in checkout and "To the author" not in checkout

    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(start["Location"], {"action": "pay"})
    assert paid.status_code == 302 and paid["Location"] == f"{PAGE}?checkout=success"
    assert plans.plan_of(buyer).slug == "pro"
    subscription = Subscription.objects.get(user=buyer)
    assert subscription.stripe_subscription_id.startswith("sub_fake_")
    assert subscription.current_period_end.timestamp() > time.time() + 29 * DAY
    page = client.get(paid["Location"]).content.decode()
    assert "Your plan: Pro" in page and "Cancel subscription" in page

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client.post("/account/plan/cancel/")
    assert cancelled.status_code == 302
    assert Subscription.objects.get(user=buyer).status == SubscriptionStatus.CANCELED
    assert "Your plan: Free" in client.get(PAGE).content.decode()


def test_fake_gateway_team_for_an_organization_and_cancelled_checkout(
    client, buyer, organization, django_capture_on_commit_callbacks
):
    client.login(username=buyer.username, password=PASSWORD)
    page = client.get(PAGE).content.decode()
    assert '<option value="acme">Acme</option>' in page

    start = client.post("/account/plan/team/subscribe/", {"organization": "acme"})
    assert "for Acme" in client.get(start["Location"]).content.decode()
    cancelled = client.post(start["Location"], {"action": "cancel"})
    assert cancelled["Location"] == PAGE
    assert plans.plan_of(buyer).slug == "free"

    start = client.post("/account/plan/team/subscribe/", {"organization": "acme"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(start["Location"], {"action": "pay"})
    subscription = Subscription.objects.get(user=buyer)
    assert (subscription.plan.slug, subscription.organization) == ("team", organization)


def test_subscribe_errors_come_back_to_the_page(client, buyer):
    client.login(username=buyer.username, password=PASSWORD)
    response = client.post("/account/plan/team/subscribe/", follow=True)
    assert "is for an organization" in response.content.decode()
    assert "create an organization publisher" in client.get(PAGE).content.decode()
    assert client.post("/account/plan/nope/subscribe/").status_code == 404
    assert client.get("/account/plan/pro/subscribe/").status_code == 405
