"""Buying through the fake gateway, trials, renewals and reminders, onboarding pages, earnings."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone

from licensing import checkout, emails, licenses
from licensing.constants import LicenseStatus, PaymentKind, PaymentStatus
from licensing.models import ConnectedAccount, License, Payment
from tests.conftest import make_user
from tests.licensing.money import sellable


@pytest.fixture
def buyer(db, django_user_model):
    return make_user(django_user_model, "bruno")


@pytest.mark.django_db
def test_buy_with_the_fake_gateway_shows_the_key_and_emails_it(
    client, make_package, buyer, django_capture_on_commit_callbacks
):
    package = sellable(make_package, "pro", price_cents=1900)
    client.force_login(buyer)

    response = client.post(f"/checkout/buy/{package.identifier}/")
    payment = Payment.objects.get(buyer=buyer)
    assert response.status_code == 302
    assert response["Location"] == f"/fake-stripe/checkout/{payment.checkout_session_id}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "$19.00" in page.content.decode() and "$5.70" in page.content.decode()

    pending_page = client.get(f"/checkout/{payment.pk}/success/")
    assert "Confirming your payment" in pending_page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(response["Location"], {"action": "pay"})
    assert paid["Location"] == f"/checkout/{payment.pk}/success/"
    success = client.get(paid["Location"]).content.decode()
    license = License.objects.get(owner=buyer, package=package)
    key = licenses.license_reveal(license)
    assert key in success
    assert buyer.email in success
    [receipt] = mail.outbox
    assert key in receipt.body and "$19.00" in receipt.body
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    # Paying again (a double click) changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"action": "pay"})
    assert License.objects.count() == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_cancel_returns_to_the_listing_unpaid(client, make_package, buyer):
    package = sellable(make_package, "per-skill", price_cents=500)
    client.force_login(buyer)
    url = client.post(f"/checkout/buy/{package.identifier}/")["Location"]
    response = client.post(url, {"action": "cancel"})
    assert response["Location"] == package.get_absolute_url()
    assert Payment.objects.get().status == PaymentStatus.PENDING
    assert not License.objects.exists()


@pytest.mark.django_db
def test_success_page_is_only_for_the_buyer(client, make_package, buyer, django_user_model):
    package = sellable(make_package, "pro")
    checkout.checkout_start(buyer=buyer, package=package)
    client.force_login(make_user(django_user_model, "mallory"))
    assert client.get(f"/checkout/{Payment.objects.get().pk}/success/").status_code == 404


@pytest.mark.django_db
def test_fake_pages_are_off_with_the_stripe_backend(client, make_package, buyer, settings):
    from marketplace.settings import StripeBackend

    package = sellable(make_package, "pro")
    checkout.checkout_start(buyer=buyer, package=package)
    settings.STRIPE_BACKEND = StripeBackend.STRIPE
    assert (
        client.get(f"/fake-stripe/checkout/{Payment.objects.get().checkout_session_id}/").status_code == 404
    )


@pytest.mark.django_db
def test_free_packages_and_unready_publishers_cannot_be_bought(make_package, buyer):
    with pytest.raises(checkout.CheckoutError, match="free"):
        checkout.checkout_start(buyer=buyer, package=make_package("free"))
    with pytest.raises(checkout.CheckoutError, match="payout account"):
        checkout.checkout_start(buyer=buyer, package=make_package("pro"))
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_active_license_holders_are_not_charged_twice(
    make_package, buyer, django_capture_on_commit_callbacks
):
    package = sellable(make_package, "pro")
    licenses.license_issue(package=package, owner=buyer)
    with pytest.raises(checkout.CheckoutError, match="already have"):
        checkout.checkout_start(buyer=buyer, package=package)


@pytest.mark.django_db
def test_trial_starts_without_payment_once_per_customer(
    client, make_package, buyer, django_capture_on_commit_callbacks
):
    package = make_package("trial")
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/checkout/buy/{package.identifier}/")
    payment = Payment.objects.get(buyer=buyer)
    assert (payment.kind, payment.amount_cents, payment.status) == (PaymentKind.TRIAL, 0, PaymentStatus.PAID)
    assert response["Location"] == f"/checkout/{payment.pk}/success/"
    license = payment.license
    assert license.pricing == "trial" and license.activations_limit == 1
    assert licenses.license_reveal(license) in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1

    again = client.post(f"/checkout/buy/{package.identifier}/")
    assert again["Location"] == package.get_absolute_url()
    assert License.objects.filter(owner=buyer).count() == 1
    with pytest.raises(checkout.CheckoutError, match="once per customer"):
        checkout.checkout_start(buyer=buyer, package=package)


@pytest.mark.django_db
def test_buying_needs_a_login(client, make_package):
    package = sellable(make_package, "pro")
    response = client.post(f"/checkout/buy/{package.identifier}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- renewals --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_renewal_checkout_extends_the_same_license_by_a_year(
    client, make_package, buyer, django_capture_on_commit_callbacks
):
    package = sellable(make_package, "pro", price_cents=1900)
    license, key = licenses.license_issue(package=package, owner=buyer)
    expires = license.expires_at
    client.force_login(buyer)
    assert "Renew for $19.00" in client.get(f"/checkout/renew/{license.pk}/").content.decode()
    url = client.post(f"/checkout/renew/{license.pk}/")["Location"]
    payment = Payment.objects.get(kind=PaymentKind.RENEWAL)
    assert payment.license == license and payment.application_fee_cents == 570
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "pay"})
    license.refresh_from_db()
    assert license.expires_at == licenses._add_years(expires, 1)
    assert License.objects.count() == 1
    assert key in mail.outbox[0].body


@pytest.mark.django_db
def test_per_skill_licenses_are_not_renewed(make_package, buyer):
    license, _ = licenses.license_issue(package=sellable(make_package, "per-skill"), owner=buyer)
    with pytest.raises(checkout.CheckoutError):
        checkout.renewal_checkout_start(license=license)


@pytest.mark.django_db
def test_renewal_reminders_at_30_and_7_days_once_each(
    make_package, buyer, django_capture_on_commit_callbacks
):
    package = sellable(make_package, "pro")
    now = timezone.now()
    license, _ = licenses.license_issue(package=package, owner=buyer, now=now - dt.timedelta(days=340))
    license.expires_at = now + dt.timedelta(days=25)
    license.save()

    def sweep(at):
        with django_capture_on_commit_callbacks(execute=True):
            return emails.renewal_reminders_send(now=at)

    assert sweep(now) == 1
    assert sweep(now + dt.timedelta(days=1)) == 0
    assert sweep(now + dt.timedelta(days=19)) == 1  # 6 days left
    assert sweep(now + dt.timedelta(days=20)) == 0
    assert len(mail.outbox) == 2
    assert f"/checkout/renew/{license.pk}/" in mail.outbox[0].body
    assert "25 days" in mail.outbox[0].subject and "6 days" in mail.outbox[1].subject


@pytest.mark.django_db
def test_sweep_task_marks_expired_licenses(make_package, buyer):
    from licensing import tasks

    license, _ = licenses.license_issue(
        package=sellable(make_package, "pro"), owner=buyer, now=timezone.now() - dt.timedelta(days=400)
    )
    assert tasks.licenses_renewal_sweep.delay().get() == {"expired": 1, "reminded": 0}
    license.refresh_from_db()
    assert license.status == LicenseStatus.EXPIRED


# --- onboarding and earnings -------------------------------------------------------------------------


@pytest.mark.django_db
def test_fake_onboarding_enables_charges_through_a_signed_webhook(client, make_package):
    package = make_package("pro")
    client.force_login(make_package.publisher_owner)
    link = client.post("/publishers/paid-tools/earnings/connect/")["Location"]
    account = ConnectedAccount.objects.get(publisher=package.publisher)
    assert link.startswith(f"/fake-stripe/connect/{account.stripe_account_id}/?return_url=")
    assert "Complete onboarding" in client.get(link).content.decode()
    back = client.post(link)
    assert back["Location"].endswith("/publishers/paid-tools/earnings/connect/return/")
    account.refresh_from_db()
    assert account.charges_enabled and account.payouts_enabled and account.details_submitted
    page = client.get("/publishers/paid-tools/earnings/").content.decode()
    assert account.stripe_account_id in page


@pytest.mark.django_db
def test_fake_onboarding_is_only_for_members_of_the_accounts_publisher(client, make_package, buyer):
    package = make_package("pro")
    client.force_login(make_package.publisher_owner)
    link = client.post("/publishers/paid-tools/earnings/connect/")["Location"]
    account = ConnectedAccount.objects.get(publisher=package.publisher)
    client.logout()

    # Anonymous: to the login page, for the page and for Complete.
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # Signed in, but not a member of the publisher that owns the account.
    client.force_login(buyer)
    assert client.get(link).status_code == 403
    assert client.post(link).status_code == 403
    assert client.get("/fake-stripe/connect/acct_fake_unknown/").status_code == 404
    account.refresh_from_db()
    assert not (account.charges_enabled or account.payouts_enabled or account.details_submitted)


@pytest.mark.django_db
def test_earnings_page_csv_and_staff_totals(client, make_package, buyer, reviewer):
    package = sellable(make_package, "pro", price_cents=1900)
    now = timezone.now()
    common = {"buyer": buyer, "package": package, "kind": PaymentKind.PURCHASE, "paid_at": now}
    Payment.objects.create(**common, amount_cents=1900, application_fee_cents=570, status=PaymentStatus.PAID)
    Payment.objects.create(
        **common,
        amount_cents=1900,
        application_fee_cents=570,
        status=PaymentStatus.REFUNDED,
        refunded_cents=1900,
    )
    Payment.objects.create(
        buyer=buyer, package=package, kind=PaymentKind.PURCHASE, amount_cents=1900
    )  # pending

    client.force_login(make_package.publisher_owner)
    page = client.get("/publishers/paid-tools/earnings/").content.decode()
    assert "$38.00" in page and "$11.40" in page and "$13.30" in page

    response = client.get("/publishers/paid-tools/earnings/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    assert {(r["gross"], r["application_fee"], r["refunded"], r["net"]) for r in rows} == {
        ("19.00", "5.70", "0.00", "13.30"),
        ("19.00", "5.70", "19.00", "0.00"),
    }

    client.force_login(reviewer)
    admin = client.get("/admin/licensing/payment/").content.decode()
    assert 'data-testid="platform-totals"' in admin
    assert "platform revenue after refunds $5.70" in admin


@pytest.mark.django_db
def test_buy_button_partial(rf, make_package, buyer):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = buyer
    pro = make_package("pro", price_cents=1900)
    html = render_to_string(
        "licensing/partials/buy_button.html", {"package": pro, "user": buyer}, request=request
    )
    assert "/checkout/buy/pro-package/" in html and "Buy · $19 / year" in html
    trial = make_package("trial", identifier="trial-package")
    assert "Start 14-day free trial" in render_to_string(
        "licensing/partials/buy_button.html", {"package": trial, "user": buyer}, request=request
    )
    free = make_package("free", identifier="free-package")
    assert (
        render_to_string("licensing/partials/buy_button.html", {"package": free, "user": buyer}).strip() == ""
    )
    request.user = AnonymousUser()
    assert "Sign in to buy" in render_to_string(
        "licensing/partials/buy_button.html", {"package": pro, "user": request.user}, request=request
    )
