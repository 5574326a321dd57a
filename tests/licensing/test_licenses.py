"""License services: terms from the pricing table, state changes, lookups, activations, downloads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from licensing import keys, licenses
from licensing.constants import LicenseStatus, PaymentKind
from licensing.models import Activation, License, Payment

NOW = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("pricing", "expires", "limit"),
    [
        ("pro", dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC), 3),
        ("enterprise", dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC), None),
        ("per-skill", None, 1),
        ("trial", NOW + dt.timedelta(days=licenses.DEFAULT_TRIAL_DAYS), 1),
    ],
)
def test_issue_follows_the_pricing_table(make_package, user, pricing, expires, limit):
    package = make_package(pricing)
    license, key = licenses.license_issue(package=package, owner=user, now=NOW)
    license.refresh_from_db()
    assert (license.pricing, license.expires_at, license.activations_limit) == (pricing, expires, limit)
    assert license.status == LicenseStatus.ACTIVE and license.starts_at == NOW
    assert license.key_hmac == keys.key_hmac(key) and license.key_last4 == key[-4:]
    assert key.encode() not in bytes(license.key_encrypted)
    assert licenses.license_reveal(license) == key
    assert licenses.license_lookup(key.lower()) == license


def test_trial_days_come_from_the_latest_release(make_package, user):
    from catalog.models import Release

    package = make_package("trial")
    package.latest_release = Release(manifest={"trial_days": 7})
    assert licenses.term_end(package=package, pricing="trial", start=NOW) == NOW + dt.timedelta(days=7)


def test_leap_day_year_term():
    start = dt.datetime(2024, 2, 29, tzinfo=dt.UTC)
    assert licenses._add_years(start, 1) == dt.datetime(2025, 2, 28, tzinfo=dt.UTC)


def test_trial_once_per_customer_and_package(make_package, user, django_user_model):
    from tests.conftest import make_user

    package = make_package("trial")
    licenses.license_issue(package=package, owner=user)
    with pytest.raises(licenses.LicenseError) as exc:
        licenses.license_issue(package=package, owner=user)
    assert exc.value.code == "license.trial_used"
    licenses.license_issue(package=package, owner=make_user(django_user_model, "bob"))
    licenses.license_issue(package=make_package("trial", identifier="other-trial"), owner=user)
    assert License.objects.count() == 3


def test_free_packages_are_not_licensed(make_package, user):
    with pytest.raises(licenses.LicenseError) as exc:
        licenses.license_issue(package=make_package("free"), owner=user)
    assert exc.value.code == "license.not_licensed"


def test_issue_links_the_payment(pro_package, user):
    payment = Payment.objects.create(
        buyer=user, package=pro_package, kind=PaymentKind.PURCHASE, amount_cents=1900
    )
    license, _ = licenses.license_issue(package=pro_package, owner=user, payment=payment)
    payment.refresh_from_db()
    assert payment.license == license


def test_extend_never_moves_backwards_and_revives_expired(pro_package, user):
    license, _ = licenses.license_issue(package=pro_package, owner=user, now=NOW)
    original = license.expires_at
    licenses.license_extend(license=license, until=original - dt.timedelta(days=10))
    license.refresh_from_db()
    assert license.expires_at == original
    licenses.licenses_expire(now=original + dt.timedelta(seconds=1))
    license.refresh_from_db()
    assert license.status == LicenseStatus.EXPIRED
    until = licenses.renewal_until(license, now=timezone.now())
    license.renewal_reminders_sent = [30, 7]
    license.save()
    licenses.license_extend(license=license, until=until)
    license.refresh_from_db()
    assert license.expires_at == until and license.status == LicenseStatus.ACTIVE
    assert license.renewal_reminders_sent == []


def test_extend_keeps_revoked_and_perpetual(make_package, user):
    perpetual, _ = licenses.license_issue(package=make_package("per-skill"), owner=user)
    assert licenses.license_extend(license=perpetual, until=NOW).expires_at is None
    assert licenses.renewal_until(perpetual) is None
    license, _ = licenses.license_issue(package=make_package("pro"), owner=user)
    licenses.license_revoke(license=license, reason="Refunded.")
    licenses.license_extend(license=license, until=timezone.now() + dt.timedelta(days=800))
    license.refresh_from_db()
    assert license.status == LicenseStatus.REVOKED


def test_renewal_from_the_later_of_now_and_expiry(pro_package, user):
    license, _ = licenses.license_issue(package=pro_package, owner=user, now=NOW)
    assert licenses.renewal_until(license, now=NOW) == dt.datetime(2027, 3, 10, 12, tzinfo=dt.UTC)
    later = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert licenses.renewal_until(license, now=later) == dt.datetime(2027, 6, 1, tzinfo=dt.UTC)


def test_revoke_suspend_reinstate(pro_package, user):
    license, _ = licenses.license_issue(package=pro_package, owner=user)
    licenses.license_suspend(license=license, reason="Disputed.")
    license.refresh_from_db()
    assert license.status == LicenseStatus.SUSPENDED and license.status_reason == "Disputed."
    assert licenses.public_status(license) == "revoked"
    licenses.license_suspend(license=license, reason="Again.")
    licenses.license_reinstate(license=license, reason="Dispute won.")
    license.refresh_from_db()
    assert license.status == LicenseStatus.ACTIVE
    licenses.license_reinstate(license=license)  # not suspended: nothing to do
    licenses.license_revoke(license=license, reason="Refunded.")
    licenses.license_revoke(license=license, reason="Twice.")
    licenses.license_suspend(license=license, reason="Late dispute.")
    license.refresh_from_db()
    assert (license.status, license.status_reason) == (LicenseStatus.REVOKED, "Refunded.")


def test_reinstate_after_term_gives_expired(pro_package, user):
    license, _ = licenses.license_issue(package=pro_package, owner=user, now=NOW - dt.timedelta(days=800))
    licenses.license_suspend(license=license, reason="Disputed.")
    licenses.license_reinstate(license=license)
    license.refresh_from_db()
    assert license.status == LicenseStatus.EXPIRED


def test_expire_marks_only_past_active_licenses(make_package, user):
    old, _ = licenses.license_issue(package=make_package("pro"), owner=user, now=NOW - dt.timedelta(days=400))
    new, _ = licenses.license_issue(package=make_package("enterprise"), owner=user, now=NOW)
    forever, _ = licenses.license_issue(package=make_package("per-skill"), owner=user, now=NOW)
    assert licenses.licenses_expire(NOW) == 1
    assert licenses.licenses_expire(NOW) == 0
    statuses = dict(License.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "expired", new.pk: "active", forever.pk: "active"}


def test_lookup_of_unknown_and_malformed(pro_package, user):
    assert licenses.license_lookup(None) is None
    assert licenses.license_lookup("garbage") is None
    assert licenses.license_lookup(keys.generate_key()) is None


# --- activations --------------------------------------------------------------------------------------------


def test_activation_cap_and_idempotent_reactivation(pro_package, user):
    license, key = licenses.license_issue(package=pro_package, owner=user)
    first, _ = licenses.activation_register(key=key, instance_id="a")
    again, _ = licenses.activation_register(key=key.lower(), instance_id="a")
    assert first.pk == again.pk
    licenses.activation_register(key=key, instance_id="b")
    licenses.activation_register(key=key, instance_id="c")
    with pytest.raises(licenses.LicenseError) as exc:
        licenses.activation_register(key=key, instance_id="d")
    assert (exc.value.code, exc.value.status) == ("license.activation_limit", 409)
    licenses.activation_register(key=key, instance_id="c")  # still free
    licenses.activation_release(key=key, instance_id="a")
    licenses.activation_release(key=key, instance_id="a")  # idempotent
    licenses.activation_register(key=key, instance_id="d")
    assert licenses.activations_used(license) == 3
    assert Activation.objects.filter(license=license).count() == 4


def test_enterprise_is_unlimited(make_package, user):
    _, key = licenses.license_issue(package=make_package("enterprise"), owner=user)
    for n in range(10):
        licenses.activation_register(key=key, instance_id=f"i{n}")


@pytest.mark.parametrize(
    ("change", "code"),
    [("revoke", "license.revoked"), ("suspend", "license.revoked"), ("expire", "license.expired")],
)
def test_inactive_licenses_refuse_activation(pro_package, user, change, code):
    license, key = licenses.license_issue(package=pro_package, owner=user)
    if change == "revoke":
        licenses.license_revoke(license=license, reason="r")
    elif change == "suspend":
        licenses.license_suspend(license=license, reason="r")
    else:
        License.objects.filter(pk=license.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(licenses.LicenseError) as exc:
        licenses.activation_register(key=key, instance_id="a")
    assert (exc.value.code, exc.value.status) == (code, 410)


def test_activation_errors(pro_package, user):
    _, key = licenses.license_issue(package=pro_package, owner=user)
    with pytest.raises(licenses.LicenseError) as exc:
        licenses.activation_register(key=keys.generate_key(), instance_id="a")
    assert (exc.value.code, exc.value.status) == ("license.not_found", 404)
    with pytest.raises(licenses.LicenseError) as exc:
        licenses.activation_register(key=key, instance_id="a", package="another-package")
    assert exc.value.status == 404
    with pytest.raises(licenses.LicenseError) as exc:
        licenses.activation_register(key="ARG-nope", instance_id="a")
    assert (exc.value.code, exc.value.status) == ("license.key_invalid", 400)
    activation, _ = licenses.activation_register(key=key, instance_id="a", package=pro_package.identifier)
    assert activation.instance_id == "a"


def test_owner_deactivates_from_the_page(pro_package, user):
    license, key = licenses.license_issue(package=pro_package, owner=user)
    activation, _ = licenses.activation_register(key=key, instance_id="a")
    licenses.activation_release_by_owner(license=license, activation_id=activation.pk, user=user)
    licenses.activation_release_by_owner(license=license, activation_id=activation.pk, user=user)
    assert licenses.activations_used(license) == 0


# --- downloads and purchases -----------------------------------------------------------------------------------


def test_download_allowed(make_package, user, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    from tests.conftest import make_user

    free = make_package("free")
    paid = make_package("pro")
    other = make_package("pro", identifier="other-pro")
    stranger = make_user(django_user_model, "stranger")
    assert licenses.download_allowed(package=free, user=None, key=None)
    assert not licenses.download_allowed(package=paid, user=None, key=None)
    assert not licenses.download_allowed(package=paid, user=AnonymousUser(), key="garbage")
    license, key = licenses.license_issue(package=paid, owner=user)
    assert licenses.download_allowed(package=paid, user=None, key=key)
    assert licenses.download_allowed(package=paid, user=user, key=None)
    assert not licenses.download_allowed(package=other, user=user, key=key)
    assert not licenses.download_allowed(package=paid, user=stranger, key=None)
    assert licenses.download_allowed(package=paid, user=make_package.publisher_owner, key=None)
    assert licenses.unlocked_package_ids(key) == {paid.pk}
    licenses.license_revoke(license=license, reason="Refunded.")
    assert not licenses.download_allowed(package=paid, user=None, key=key)
    assert not licenses.download_allowed(package=paid, user=user, key=None)
    assert licenses.unlocked_package_ids(key) == set()


def test_has_purchased(make_package, user):
    from django.contrib.auth.models import AnonymousUser

    paid, trial = make_package("pro"), make_package("trial")
    assert not licenses.has_purchased(user, paid)
    assert not licenses.has_purchased(AnonymousUser(), paid)
    license, _ = licenses.license_issue(package=paid, owner=user)
    licenses.license_issue(package=trial, owner=user)
    assert licenses.has_purchased(user, paid)
    assert not licenses.has_purchased(user, trial)
    licenses.license_revoke(license=license, reason="Refunded.")
    assert not licenses.has_purchased(user, paid)


def test_catalog_asks_licensing_through_entitlements(pro_package, user):
    from catalog.entitlements import entitlements

    _, key = licenses.license_issue(package=pro_package, owner=user)
    assert entitlements().unlocked_package_ids(key) == {pro_package.pk}
    assert entitlements().download_allowed(package=pro_package, key=key)
    assert not entitlements().download_allowed(package=pro_package, key=None)
    assert entitlements().has_purchased(user, pro_package)


def test_demo_loader_can_fix_the_key(pro_package, user):
    fixed = keys.generate_key()
    _, key = licenses.license_issue(package=pro_package, owner=user, key=fixed.lower())
    assert key == fixed and licenses.license_lookup(fixed).owner == user
