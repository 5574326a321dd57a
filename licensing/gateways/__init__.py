"""The payment gateway: the protocol (:mod:`.protocol`) and :func:`get_gateway`, which picks the real
one (:mod:`.stripe`) or the fake (:mod:`.fake`) as ``STRIPE_BACKEND`` says (README, "Configuration").

``stripe`` talks to Stripe (or, in tests, to a Stripe-compatible server at ``STRIPE_API_BASE``)
through the ``stripe`` library; ``fake`` stands in for Stripe's hosted pages with local ones
(``licensing.views.fake_stripe``) that send our own webhook endpoint events signed exactly as
Stripe signs them.
"""

from __future__ import annotations

from django.conf import settings

from marketplace.settings import StripeBackend

from .fake import FakeGateway
from .protocol import (
    CURRENCY,
    AccountStatus,
    CheckoutRequest,
    CheckoutSession,
    PaymentGateway,
    SubscriptionCheckoutRequest,
)
from .stripe import StripeGateway

__all__ = [
    "CURRENCY",
    "AccountStatus",
    "CheckoutRequest",
    "CheckoutSession",
    "PaymentGateway",
    "SubscriptionCheckoutRequest",
    "get_gateway",
]


def get_gateway() -> PaymentGateway:
    """The gateway ``STRIPE_BACKEND`` names."""
    if settings.STRIPE_BACKEND is StripeBackend.STRIPE:
        return StripeGateway()
    return FakeGateway()
