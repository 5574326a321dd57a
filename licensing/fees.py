"""The money arithmetic of a sale: which pricing models are paid, and the 70/30 split of a price.

Money is in US cents. The marketplace keeps 30% of a sale, rounded half up to the cent, as the
Checkout Session's ``application_fee_amount``; the rest goes to the publisher's connected account
(docs/package-format.md, "Pricing").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from catalog.constants import Pricing

#: The marketplace's share of a sale (docs/package-format.md, "Pricing").
APPLICATION_FEE_RATE = Decimal("0.30")
#: The pricing models that are paid for through checkout (``trial`` starts without payment).
PAID_PRICING = frozenset({Pricing.PRO, Pricing.ENTERPRISE, Pricing.PER_SKILL})


def application_fee(price_cents: int) -> int:
    """The marketplace's 30% of ``price_cents``, rounded half up to the cent."""
    return int((Decimal(price_cents) * APPLICATION_FEE_RATE).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def author_share(price_cents: int) -> int:
    """What the publisher receives: the price minus :func:`application_fee`."""
    return price_cents - application_fee(price_cents)
