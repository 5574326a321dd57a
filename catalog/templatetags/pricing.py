"""The price a package card shows, with its period or trial length.

Usage in ``partials/package_card.html``::

    {% load pricing %}
    {{ package|price_summary }}
    {% with offer=package|package_offer %}…{% endwith %}

The words come from :class:`catalog.entitlements.Offer` (licensing fills in the terms of
docs/package-format.md, "Pricing"), so a card and the listing say the same thing.
"""

from __future__ import annotations

from django import template

from catalog.entitlements import Offer, entitlements
from catalog.models import Package

register = template.Library()


@register.filter
def price_summary(package: Package) -> str:
    """``"Free"``, ``"$19 / year"``, ``"$5 per skill"`` or ``"14-day free trial"`` for ``package``.

    No query when ``package.latest_release`` is already joined (``Package.objects.for_cards()``),
    which a trial's length is read from.
    """
    return entitlements().offer(package).summary


@register.filter
def package_offer(package: Package) -> Offer:
    """The :class:`catalog.entitlements.Offer` of ``package``: price, term, activations, renewal."""
    return entitlements().offer(package)
