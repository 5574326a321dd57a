"""The fee split, ``can_sell``, and ``StripeGateway`` against a local Stripe-compatible server."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings

from licensing import checkout, connect, fees
from licensing.constants import PaymentStatus
from licensing.gateways.stripe import StripeGateway
from licensing.models import ConnectedAccount, Payment
from tests.conftest import make_user
from tests.licensing.money import sellable
from tests.licensing.stripe_server import parse_form, stripe_server_fixture  # noqa: F401


def test_fee_plus_author_share_is_the_price_for_every_price_from_50_cents_to_1000_dollars():
    for price in range(50, 100_001):
        fee = fees.application_fee(price)
        assert fee + fees.author_share(price) == price
        assert fee == int((Decimal(price) * Decimal("0.3")).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize(
    ("price", "fee"), [(5, 2), (15, 5), (25, 8), (1, 0), (50, 15), (1900, 570), (999, 300)]
)
def test_fee_rounds_half_up(price, fee):
    assert fees.application_fee(price) == fee


def test_parse_form_nests_like_stripe():
    body = "line_items[0][price_data][unit_amount]=5&line_items[0][quantity]=1&a[b]=c&mode=payment"
    assert parse_form(body) == {
        "line_items": [{"price_data": {"unit_amount": "5"}, "quantity": "1"}],
        "a": {"b": "c"},
        "mode": "payment",
    }


@pytest.mark.django_db
def test_can_sell_needs_charges_enabled(make_package):
    package = make_package("pro")
    ok, why = connect.can_sell(package.publisher)
    assert not ok and "connect a Stripe account" in why
    account = ConnectedAccount.objects.create(publisher=package.publisher, stripe_account_id="acct_1")
    ok, why = connect.can_sell(package.publisher)
    assert not ok and "cannot accept charges" in why
    account.charges_enabled = True
    account.save()
    assert connect.can_sell(package.publisher) == (True, "")


# --- StripeGateway through the stripe library ------------------------------------------------------


@pytest.fixture
def buyer(db, django_user_model):
    return make_user(django_user_model, "bruno")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("pricing", "price", "fee"), [("pro", 1900, 570), ("enterprise", 99_95, 29_99), ("per-skill", 105, 32)]
)
def test_checkout_session_carries_exact_amount_fee_and_destination(
    stripe_server, make_package, buyer, pricing, price, fee
):
    package = sellable(make_package, pricing, price_cents=price)
    url = checkout.checkout_start(buyer=buyer, package=package)

    [call] = stripe_server.state.calls("POST", "/v1/checkout/sessions")
    payment = Payment.objects.get(buyer=buyer)
    assert url == f"https://checkout.stripe.com/c/pay/{payment.checkout_session_id}"
    assert payment.status == PaymentStatus.PENDING
    assert call.headers["Authorization"] == "Bearer sk_test_local_server"
    assert call.headers["Idempotency-Key"] == f"checkout-payment-{payment.pk}"
    params = call.params
    assert params["mode"] == "payment"
    [item] = params["line_items"]
    assert item["quantity"] == "1"
    assert item["price_data"]["unit_amount"] == str(price)
    assert item["price_data"]["currency"] == "usd"
    assert params["payment_intent_data"]["application_fee_amount"] == str(fee)
    assert params["payment_intent_data"]["transfer_data"] == {"destination": "acct_test_paidtools"}
    assert params["payment_intent_data"]["metadata"] == {"payment_id": str(payment.pk)}
    assert params["metadata"] == {"payment_id": str(payment.pk)}
    assert params["client_reference_id"] == str(payment.pk)
    assert params["customer_email"] == buyer.email
    assert params["success_url"] == f"{settings.SITE_URL}/checkout/{payment.pk}/success/"
    assert params["cancel_url"] == f"{settings.SITE_URL}{package.get_absolute_url()}"
    assert (payment.amount_cents, payment.application_fee_cents, payment.destination_account) == (
        price,
        fee,
        "acct_test_paidtools",
    )


@pytest.mark.django_db
def test_onboarding_creates_an_express_account_once_and_links_back(stripe_server, make_package, client):
    package = make_package("pro")
    owner = make_package.publisher_owner
    url = connect.connect_onboarding_start(publisher=package.publisher, user=owner)
    again = connect.connect_onboarding_start(publisher=package.publisher, user=owner)

    [create] = stripe_server.state.calls("POST", "/v1/accounts")
    assert create.params["type"] == "express"
    assert create.params["email"] == owner.email
    assert create.params["capabilities"]["transfers"] == {"requested": "true"}
    account = ConnectedAccount.objects.get(publisher=package.publisher)
    assert account.stripe_account_id.startswith("acct_")
    assert not account.charges_enabled
    links = stripe_server.state.calls("POST", "/v1/account_links")
    assert len(links) == 2
    assert links[0].params == {
        "account": account.stripe_account_id,
        "type": "account_onboarding",
        "refresh_url": f"{settings.SITE_URL}/publishers/paid-tools/earnings/connect/refresh/",
        "return_url": f"{settings.SITE_URL}/publishers/paid-tools/earnings/connect/return/",
    }
    assert url.startswith(f"https://connect.stripe.com/setup/e/{account.stripe_account_id}/")
    assert again != url

    # Back from Stripe: the return page reads the account's flags.
    stripe_server.state.accounts[account.stripe_account_id].update(
        details_submitted=True, charges_enabled=True, payouts_enabled=True
    )
    client.force_login(owner)
    response = client.get("/publishers/paid-tools/earnings/connect/return/")
    assert response.status_code == 302
    assert response["Location"] == "/publishers/paid-tools/earnings/"
    assert stripe_server.state.calls("GET", f"/v1/accounts/{account.stripe_account_id}")
    account.refresh_from_db()
    assert (account.details_submitted, account.charges_enabled, account.payouts_enabled) == (True, True, True)
    assert connect.can_sell(package.publisher) == (True, "")


@pytest.mark.django_db
def test_onboarding_views_are_for_members_only(stripe_server, make_package, client, buyer):
    make_package("pro")
    client.force_login(buyer)
    assert client.post("/publishers/paid-tools/earnings/connect/").status_code == 403
    assert client.get("/publishers/paid-tools/earnings/").status_code == 403
    assert stripe_server.requests == []


@pytest.mark.django_db
def test_refund_reverses_the_transfer_and_the_fee(stripe_server, make_package, buyer):
    package = sellable(make_package, "pro", price_cents=1900)
    checkout.checkout_start(buyer=buyer, package=package)
    payment = Payment.objects.get(buyer=buyer)
    with pytest.raises(checkout.CheckoutError):
        checkout.refund_start(payment=payment, reviewer=None)
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.PAID, payment_intent_id="pi_123")
    payment.refresh_from_db()

    checkout.refund_start(payment=payment, reviewer=None)

    [call] = stripe_server.state.calls("POST", "/v1/refunds")
    assert call.params == {
        "payment_intent": "pi_123",
        "reverse_transfer": "true",
        "refund_application_fee": "true",
        "metadata": {"payment_id": str(payment.pk)},
    }


@pytest.mark.django_db
def test_stripe_errors_surface(stripe_server, settings):
    import stripe

    gateway = StripeGateway()
    with pytest.raises(stripe.InvalidRequestError):
        gateway.account_retrieve("acct_missing")
    settings.STRIPE_SECRET_KEY = "rk_wrong"
    with pytest.raises(stripe.AuthenticationError):
        StripeGateway().account_retrieve("acct_missing")
