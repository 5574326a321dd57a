"""``check --deploy`` reports payment settings that would take money unsafely (licensing/checks.py)."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from marketplace.settings import StripeBackend

LIVE_KEY = "sk_live_51Hx" + "A1b2C3d4" * 12
LIVE_WEBHOOK_SECRET = "whsec_" + "Q7w8E9r0" * 4
LIVE_CONNECT_WEBHOOK_SECRET = "whsec_" + "Z5x6C7v8" * 4


@pytest.fixture
def production_stripe(settings):
    """Stripe settings as a correctly configured production site has them."""
    settings.STRIPE_BACKEND = StripeBackend.STRIPE
    settings.STRIPE_SECRET_KEY = LIVE_KEY
    settings.STRIPE_WEBHOOK_SECRET = LIVE_WEBHOOK_SECRET
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = LIVE_CONNECT_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    settings.SITE_URL = "https://market.example.com"
    return settings


def _payment_ids() -> list[str]:
    return sorted(m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("licensing."))


def test_a_correct_stripe_configuration_has_no_payment_issues(production_stripe):
    assert _payment_ids() == []
    # And the checks are deployment checks only: a plain `check` never runs them.
    production_stripe.STRIPE_BACKEND = StripeBackend.FAKE
    assert not [m for m in run_checks() if m.id.startswith("licensing.")]


def test_the_fake_gateway_fails_check_deploy(settings):
    settings.STRIPE_BACKEND = StripeBackend.FAKE

    with pytest.raises(SystemCheckError) as raised:
        call_command("check", "--deploy")

    assert "licensing.E001" in str(raised.value) and "STRIPE_BACKEND" in str(raised.value)
    assert _payment_ids() == ["licensing.E001"]


@pytest.mark.parametrize("key", ["sk_test_fake", "", "pk_live_51HxA1b2C3d4A1b2C3d4", "sk_live_short"])
def test_a_placeholder_or_malformed_secret_key_is_an_error(production_stripe, key):
    production_stripe.STRIPE_SECRET_KEY = key

    with pytest.raises(SystemCheckError, match="licensing.E002"):
        call_command("check", "--deploy")
    assert _payment_ids() == ["licensing.E002"]


def test_a_test_mode_key_is_a_warning(production_stripe, capsys):
    production_stripe.STRIPE_SECRET_KEY = "rk_test_" + "A1b2C3d4" * 4

    assert _payment_ids() == ["licensing.W001"]
    with pytest.raises(SystemCheckError, match="licensing.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING")
    production_stripe.STRIPE_SECRET_KEY = "rk_live_" + "A1b2C3d4" * 4
    assert _payment_ids() == []


@pytest.mark.parametrize(
    "secret", ["whsec_dev_insecure_fake_gateway_secret", "whsec_dev_A1b2C3d4A1b2C3d4A1b2", "", "sk_live_x"]
)
def test_the_development_or_a_malformed_webhook_secret_is_an_error(production_stripe, secret):
    production_stripe.STRIPE_WEBHOOK_SECRET = secret

    with pytest.raises(SystemCheckError, match="licensing.E003"):
        call_command("check", "--deploy")
    assert _payment_ids() == ["licensing.E003"]


def test_no_connect_endpoint_secret_is_a_warning(production_stripe):
    production_stripe.STRIPE_CONNECT_WEBHOOK_SECRET = ""

    assert _payment_ids() == ["licensing.W002"]


@pytest.mark.parametrize("secret", ["whsec_dev_A1b2C3d4A1b2C3d4A1b2", LIVE_WEBHOOK_SECRET, "acct_123"])
def test_a_malformed_or_shared_connect_endpoint_secret_is_an_error(production_stripe, secret):
    production_stripe.STRIPE_CONNECT_WEBHOOK_SECRET = secret

    with pytest.raises(SystemCheckError, match="STRIPE_CONNECT_WEBHOOK_SECRET"):
        call_command("check", "--deploy")
    assert _payment_ids() == ["licensing.E006"]


def test_stripe_over_plain_http_is_an_error(production_stripe):
    production_stripe.STRIPE_API_BASE = "http://127.0.0.1:12111"

    assert _payment_ids() == ["licensing.E004"]


def test_a_site_url_that_is_not_https_is_an_error(production_stripe):
    production_stripe.SITE_URL = "http://127.0.0.1:8000"

    with pytest.raises(SystemCheckError, match="SITE_URL"):
        call_command("check", "--deploy")
    assert _payment_ids() == ["licensing.E005"]
