"""Stripe Connect: whether a publisher can sell, its account's onboarding, and Stripe's view of it.

A paid release needs a connected account with charges enabled. Stripe's
``account.updated`` events reach :func:`connected_account_update` through ``licensing.webhooks``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from catalog.models import Publisher

from .gateways import get_gateway
from .models import ConnectedAccount


def can_sell(publisher) -> tuple[bool, str]:
    """Whether ``publisher`` may publish paid releases, and if not, why (for the submission).

    A paid release needs a connected account with charges enabled.
    """
    account = ConnectedAccount.objects.filter(publisher=publisher).first()
    if account is None:
        return False, (
            "Paid packages need a payout account: connect a Stripe account from the publisher's "
            "Earnings page before publishing a paid release."
        )
    if not account.charges_enabled:
        return False, (
            "The publisher's Stripe account cannot accept charges yet: finish onboarding from the "
            "Earnings page (Stripe may still be reviewing the details) before publishing a paid release."
        )
    return True, ""


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def connect_onboarding_start(*, publisher, user) -> str:
    """The Account Link URL that onboards ``publisher``'s Express account (created if needed)."""
    gateway = get_gateway()
    with transaction.atomic():
        Publisher.objects.select_for_update().filter(pk=publisher.pk).first()
        account = ConnectedAccount.objects.filter(publisher=publisher).first()
        if account is None:
            account_id = gateway.account_create(email=user.email, publisher_slug=publisher.slug)
            account = ConnectedAccount.objects.create(publisher=publisher, stripe_account_id=account_id)
    return gateway.account_link_create(
        account_id=account.stripe_account_id,
        refresh_url=_absolute(reverse("licensing:connect-refresh", kwargs={"slug": publisher.slug})),
        return_url=_absolute(reverse("licensing:connect-return", kwargs={"slug": publisher.slug})),
    )


def connected_account_sync(*, account: ConnectedAccount) -> ConnectedAccount:
    """Read the account's flags from Stripe (the onboarding return page; ``account.updated`` also does)."""
    status = get_gateway().account_retrieve(account.stripe_account_id)
    return (
        connected_account_update(
            account_id=account.stripe_account_id,
            details_submitted=status.details_submitted,
            charges_enabled=status.charges_enabled,
            payouts_enabled=status.payouts_enabled,
        )
        or account
    )


def connected_account_update(
    *, account_id: str, details_submitted: bool, charges_enabled: bool, payouts_enabled: bool
) -> ConnectedAccount | None:
    """Store Stripe's view of a connected account; ``None`` for an account that is not ours."""
    with transaction.atomic():
        account = ConnectedAccount.objects.select_for_update().filter(stripe_account_id=account_id).first()
        if account is None:
            return None
        account.details_submitted = details_submitted
        account.charges_enabled = charges_enabled
        account.payouts_enabled = payouts_enabled
        account.save(update_fields=["details_submitted", "charges_enabled", "payouts_enabled", "updated_at"])
    return account
