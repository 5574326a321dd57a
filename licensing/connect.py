"""Stripe Connect: whether a publisher can sell, given its connected account."""

from __future__ import annotations

from .models import ConnectedAccount


def can_sell(publisher) -> tuple[bool, str]:
    """Whether ``publisher`` may publish paid releases, and if not, why (for the submission).

    A paid release needs a connected account with charges enabled (issue 6, Money).
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
