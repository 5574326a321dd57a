"""The one way every API dialect filters, sorts and counts packages.

``catalog_search`` takes a queryset of packages (``Package.objects.listed()``
or ``reachable()``, joined with ``for_cards()``) and a :class:`CatalogQuery`,
and returns the filtered, ordered queryset. Both live in :mod:`catalog.search`,
the search the catalogue pages use too (PostgreSQL full-text search with a
SQLite fallback), so every dialect and every page answer alike.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from catalog.constants import Pricing
from catalog.search import SORTS, CatalogQuery, catalog_search, first_results

__all__ = ["PRICING_MODEL", "SORTS", "CatalogQuery", "catalog_facets", "catalog_search", "pricing_values"]

#: ObjectStack ``PricingModel`` for each of our pricing models (docs/package-format.md, "Pricing").
PRICING_MODEL = {
    Pricing.FREE: "free",
    Pricing.TRIAL: "freemium",
    Pricing.PRO: "subscription",
    Pricing.ENTERPRISE: "subscription",
    Pricing.PER_SKILL: "paid",
}


def pricing_values(model: str) -> list[str]:
    """Our pricing values that an ObjectStack ``PricingModel`` stands for (may be empty)."""
    return [ours for ours, theirs in PRICING_MODEL.items() if theirs == model]


def catalog_facets(qs: QuerySet) -> dict[str, list[tuple[str, int]]]:
    """Counts of the filtered packages by browsing category and by pricing (two queries).

    Counted among the first :data:`~catalog.search.MAX_RESULTS` + 1 results
    (:func:`~catalog.search.first_results`), so the cost is bounded however many packages match.
    """
    base = first_results(qs)
    categories = base.values_list("category__slug").annotate(n=Count("pk")).order_by("category__slug")
    pricing = base.values_list("pricing").annotate(n=Count("pk")).order_by("pricing")
    return {"categories": list(categories), "pricing": list(pricing)}
