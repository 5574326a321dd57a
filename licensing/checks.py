"""Deployment checks for payments: ``python manage.py check --deploy`` reports a site that would take
money through the fake gateway, or through Stripe with settings that cannot work or are unsafe.

The settings refuse the worst of these at start-up when ``DEBUG`` is off (``marketplace/settings.py``);
these checks say the same, and more, before ``DEBUG`` is turned off. Every check is listed with its id
in ``docs/error-codes.md`` ("Deployment checks"); the variables are in the README ("Configuration",
"Production").
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

from marketplace.settings import DEV_STRIPE_SECRET_KEY, StripeBackend

#: A Stripe secret or restricted API key and its mode (Stripe's "API keys" page: ``sk_live_``,
#: ``sk_test_``, ``rk_live_``, ``rk_test_``, then the key's characters).
_SECRET_KEY = re.compile(r"(?:sk|rk)_(live|test)_[0-9A-Za-z]{16,}")
#: An endpoint's signing secret as Stripe shows it (``whsec_`` and its characters).
_WEBHOOK_SECRET = re.compile(r"whsec_[0-9A-Za-z]{16,}")

_HINT = "See the README, Production, for the variables a production site sets."


@checks.register(checks.Tags.security, deploy=True)
def stripe_settings_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The Stripe settings a production site needs (``check --deploy`` only).

    Args:
        app_configs: the apps being checked (unused: the settings are the project's), or ``None``.

    Returns:
        ``licensing.E001`` when the fake gateway is on (then nothing else is checked),
        ``licensing.E002`` for a secret key that is the placeholder or not a Stripe secret key,
        ``licensing.W001`` for a test-mode key, ``licensing.E003`` for the development or a malformed
        webhook signing secret, ``licensing.W002`` when the Connect endpoint's secret is not set and
        ``licensing.E006`` when it is malformed or the platform endpoint's,
        ``licensing.E004`` for a Stripe API address that is not HTTPS, and
        ``licensing.E005`` for a ``SITE_URL`` that is not HTTPS (Checkout and Connect onboarding send
        people back to it). The rules: docs/error-codes.md, "Deployment checks".
    """
    if settings.STRIPE_BACKEND is not StripeBackend.STRIPE:
        return [
            checks.Error(
                "STRIPE_BACKEND is 'fake': its checkout page marks payments paid without charging "
                "anyone, and its webhook secret is published.",
                hint="Set STRIPE_BACKEND=stripe with STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET. " + _HINT,
                id="licensing.E001",
            )
        ]
    found: list[checks.CheckMessage] = []
    key = _SECRET_KEY.fullmatch(settings.STRIPE_SECRET_KEY)
    if settings.STRIPE_SECRET_KEY == DEV_STRIPE_SECRET_KEY or key is None:
        found.append(
            checks.Error(
                "STRIPE_SECRET_KEY is the development placeholder or not a Stripe secret key "
                "(sk_live_…, or a restricted rk_live_… key).",
                hint="Set it to the platform account's secret key from Stripe's dashboard. " + _HINT,
                id="licensing.E002",
            )
        )
    elif key.group(1) == "test":
        found.append(
            checks.Warning(
                "STRIPE_SECRET_KEY is a test-mode key: Stripe's test cards buy licenses and no money moves.",
                hint="Use the live key (sk_live_… or rk_live_…) in production. " + _HINT,
                id="licensing.W001",
            )
        )
    secret = settings.STRIPE_WEBHOOK_SECRET
    if secret.startswith("whsec_dev_") or not _WEBHOOK_SECRET.fullmatch(secret):
        found.append(
            checks.Error(
                "STRIPE_WEBHOOK_SECRET is the development secret or not an endpoint signing secret "
                "(whsec_…): anyone could sign events that mark payments paid.",
                hint="Set it to the signing secret of the endpoint at /stripe/webhook/. " + _HINT,
                id="licensing.E003",
            )
        )
    connect_secret = settings.STRIPE_CONNECT_WEBHOOK_SECRET
    if not connect_secret:
        found.append(
            checks.Warning(
                "STRIPE_CONNECT_WEBHOOK_SECRET is not set: Stripe sends connected accounts' events "
                "(account.updated) only to a Connect endpoint, so a publisher's account would change "
                "only when they come back from onboarding.",
                hint="Register /stripe/webhook/ a second time as a Connect endpoint (account.updated) "
                "and set its signing secret. " + _HINT,
                id="licensing.W002",
            )
        )
    elif not _WEBHOOK_SECRET.fullmatch(connect_secret) or connect_secret == secret:
        found.append(
            checks.Error(
                "STRIPE_CONNECT_WEBHOOK_SECRET is not an endpoint signing secret (whsec_…) of its own.",
                hint="Set the signing secret Stripe shows for the Connect endpoint. " + _HINT,
                id="licensing.E006",
            )
        )
    if urlsplit(settings.STRIPE_API_BASE).scheme != "https":
        found.append(
            checks.Error(
                "STRIPE_API_BASE is not an https:// address: the secret key would cross the network "
                "in clear.",
                hint="Leave STRIPE_API_BASE unset (https://api.stripe.com).",
                id="licensing.E004",
            )
        )
    if urlsplit(settings.SITE_URL).scheme != "https":
        found.append(
            checks.Error(
                "SITE_URL is not an https:// address: Stripe Checkout and Connect onboarding send "
                "buyers and publishers back to it.",
                hint="Set SITE_URL to the site's public https:// URL. " + _HINT,
                id="licensing.E005",
            )
        )
    return found
