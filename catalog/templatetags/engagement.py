"""Template tags for the listing page's reviews and watch button.

Usage in ``catalog/package_detail.html``::

    {% load engagement %}
    {% package_engagement package as engagement %}
    {% include "catalog/partials/watch_button.html" %}
    {% include "catalog/partials/reviews.html" %}
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.urls import NoReverseMatch, reverse

from catalog.models import Package
from catalog.views.engagement import ListingEngagement, listing_context

register = template.Library()


def _urls_included() -> bool:
    """True once the root URLconf includes ``catalog.urls.engagement`` (the ``engagement`` namespace)."""
    try:
        reverse("engagement:review-list", args=["x"])
    except NoReverseMatch:
        return False
    return True


@register.simple_tag(takes_context=True)
def package_engagement(context, package: Package) -> ListingEngagement | None:
    """The reviews, the user's own review and the watch state of ``package`` for the listing page.

    None (the partials render nothing) until ``catalog.urls.engagement`` is included.
    """
    request = context.get("request")
    if request is None or not _urls_included():
        return None
    return listing_context(package=package, user=request.user)


@register.filter
def star_percent(rating) -> str:
    """A 0-5 rating as the width of the filled stars in percent, to the nearest 5, e.g. ``4.3`` → ``"85"``.

    The steps are those of the ``stars__fill--N`` classes in ``static/css/site.css``
    (the Content-Security-Policy allows no style attribute).
    """
    try:
        value = Decimal(str(rating))
    except ArithmeticError:
        return "0"
    percent = max(Decimal(0), min(value, Decimal(5))) * 20
    return str(int((percent / 5).to_integral_value(rounding=ROUND_HALF_UP)) * 5)
