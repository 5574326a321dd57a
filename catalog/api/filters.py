"""The one way every API dialect filters, sorts and counts packages.

``catalog_search`` takes a queryset of packages (``Package.objects.listed()``
or ``reachable()``, joined with ``for_cards()``) and a :class:`CatalogQuery`,
and returns the filtered, ordered queryset. The text match goes through
``PackageQuerySet.search()``, so replacing that with PostgreSQL full-text
search changes every dialect at once; the relevance order lives in
:func:`_order` beside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from catalog.constants import Pricing

#: ``sort`` / ``sortBy`` values, in every dialect.
SORTS = ("relevance", "popularity", "rating", "newest", "updated", "name")

#: ObjectStack ``PricingModel`` for each of our pricing models (spec section 6).
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


@dataclass(frozen=True)
class CatalogQuery:
    """What a client asks for, whatever the dialect.

    ``kind`` is a kind slug, ``category`` a browsing-category slug,
    ``kind_or_category`` either (a kind in plural or singular, or a category slug), ``pricing``
    our pricing values (any of them), ``verification`` publisher verification
    levels (any of them), ``platform_version`` an ArgentOS version the latest
    release's ``compatibility`` must admit.
    """

    q: str = ""
    kind: str | None = None
    kind_or_category: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    pricing: tuple[str, ...] | None = None
    verification: tuple[str, ...] | None = None
    platform_version: str | None = None
    sort: str = "relevance"
    descending: bool = True


def catalog_search(queryset: QuerySet, query: CatalogQuery) -> QuerySet:
    """Filter and order ``queryset`` (packages) as ``query`` asks."""
    qs = queryset
    if query.q.strip():
        qs = qs.search(query.q.strip())
    if query.kind:
        qs = qs.filter(kind__slug=query.kind)
    if query.category:
        qs = qs.filter(category__slug=query.category)
    if query.kind_or_category:
        value = query.kind_or_category
        qs = qs.filter(Q(kind__plural=value) | Q(kind__slug=value) | Q(category__slug=value))
    for tag in query.tags:
        # The JSON text of the list holds '"tag"' exactly when the list holds the tag
        # (JSONField's icontains works on SQLite and PostgreSQL alike).
        qs = qs.filter(tags__icontains=json.dumps(tag))
    if query.pricing is not None:
        qs = qs.filter(pricing__in=query.pricing)
    if query.verification is not None:
        qs = qs.filter(publisher__verification__in=query.verification)
    if query.platform_version:
        qs = qs.filter(pk__in=_compatible_ids(qs, query.platform_version))
    return _order(qs, query)


def _compatible_ids(qs: QuerySet, platform_version: str) -> list[int]:
    """Packages whose latest release admits ``platform_version`` (no specifier admits every version)."""
    try:
        version = Version(platform_version)
    except InvalidVersion:
        return []
    ids = []
    for pk, spec in qs.order_by().values_list("pk", "latest_release__compatibility"):
        try:
            if not spec or SpecifierSet(spec).contains(version, prereleases=True):
                ids.append(pk)
        except InvalidSpecifier:
            continue
    return ids


def _order(qs: QuerySet, query: CatalogQuery) -> QuerySet:
    sign = "-" if query.descending else ""
    if query.sort == "popularity":
        keys = [f"{sign}installs_30d", f"{sign}total_downloads"]
    elif query.sort == "rating":
        keys = [f"{sign}rating_average", f"{sign}rating_count"]
    elif query.sort == "newest":
        keys = [F("published_at").desc(nulls_last=True) if query.descending else F("published_at").asc()]
    elif query.sort == "updated":
        keys = [f"{sign}latest_release__published_at"]
    elif query.sort == "name":
        keys = [f"{sign}display_name"]
    else:
        qs = qs.annotate(relevance=_relevance(query.q.strip()))
        keys = ["-relevance", "-featured", "-installs_30d", "-total_downloads"]
    return qs.order_by(*keys, "identifier")


def _relevance(q: str):
    """A simple rank: identifier over name over tagline over the rest (SQLite-friendly)."""
    if not q:
        return Value(0, output_field=IntegerField())
    return Case(
        When(identifier__iexact=q, then=Value(4)),
        When(display_name__iexact=q, then=Value(3)),
        When(Q(identifier__icontains=q) | Q(display_name__icontains=q), then=Value(2)),
        When(tagline__icontains=q, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def catalog_facets(qs: QuerySet) -> dict[str, list[tuple[str, int]]]:
    """Counts of the filtered packages by browsing category and by pricing (two queries)."""
    base = qs.order_by()
    categories = base.values_list("category__slug").annotate(n=Count("pk")).order_by("category__slug")
    pricing = base.values_list("pricing").annotate(n=Count("pk")).order_by("pricing")
    return {"categories": list(categories), "pricing": list(pricing)}
