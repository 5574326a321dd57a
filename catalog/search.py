"""The one search over packages: text match and rank, filters, facets and sorts.

Every page (``catalog.views``) and every API dialect (``catalog.api.filters``)
goes through :class:`CatalogSearch`, so a query returns the same packages, in
the same order, with the same counts, wherever it is asked.

Text search (:func:`search_packages`):

* **PostgreSQL** – full-text search on the stored generated column
  ``catalog_package.search_vector`` (migration ``0006``: identifier and
  display name weighted ``A``, tagline and description ``B``, tags ``C``,
  README ``D``; GIN index; PostgreSQL keeps it current on every write),
  matched with ``websearch_to_tsquery`` (plus a prefix query on the last word,
  for search as you type) **or** by ``pg_trgm`` word similarity of the query
  (punctuation removed) to the identifier or display name (GIN trigram
  indexes), so ``sales-foce`` finds ``salesforce-connector``. A query using
  web-search syntax (quotes, ``-word``, ``or``) gets exactly that, no fuzzy extras.
  ``relevance = ts_rank + word similarity (where above the threshold) + 2 for
  an exact identifier or name``.
* **SQLite** – every word of the query must appear (case-insensitively) in
  the identifier, name, tagline, description, tags or README; ``relevance``
  is the count of matching fields weighted like ``ts_rank``'s defaults
  (1.0 / 0.4 / 0.2 / 0.1), plus 2 for an exact identifier or name.

Compatibility (``platform_version``): the few distinct specifiers of the
candidates' latest releases are read in one query and evaluated with
``packaging``; the filter is then ``latest_release__compatibility IN (…)``
in SQL, so counts, facets and pagination are exact and the cost does not grow
with the number of packages (only with the number of distinct specifiers).

Popularity is the denormalised ``Package.installs_30d`` (installs over the
last 30 days, refreshed by the statistics job), so sorting needs no
per-row count of ``Install`` rows.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    Case,
    Count,
    Expression,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Greatest
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .constants import Pricing, VerificationLevel

#: ``sort`` / ``sortBy`` values, in every dialect.
SORTS = ("relevance", "popularity", "rating", "newest", "updated", "name")

#: What the sort control shows for each value.
SORT_LABELS = {
    "relevance": "Best match",
    "popularity": "Most installed (30 days)",
    "rating": "Highest rated",
    "newest": "Newest",
    "updated": "Recently updated",
    "name": "Name (A–Z)",
}

#: How many tags the tag facet lists.
TOP_TAGS = 20

#: Field weights of the SQLite fallback, as ``ts_rank``'s defaults for A, B, C, D.
FALLBACK_WEIGHTS = {
    "identifier": 1.0,
    "display_name": 1.0,
    "tagline": 0.4,
    "description": 0.4,
    "tags": 0.2,
    "readme": 0.1,
}

_WORD = re.compile(r"\w+")
_WEBSEARCH_SYNTAX = re.compile(r'"|(^|\s)-|\bor\b', re.IGNORECASE)


@dataclass(frozen=True)
class CatalogQuery:
    """What a client asks for, whatever the dialect or page.

    ``kind`` is a kind slug, ``category`` a browsing-category slug,
    ``kind_or_category`` either (a kind in plural or singular, or a category slug), ``pricing``
    our pricing values (any of them), ``verification`` publisher verification
    levels (any of them), ``tags`` tags the package must all carry,
    ``platform_version`` an ArgentOS version the latest release's
    ``compatibility`` must admit.
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


# --- text search ---------------------------------------------------------------------------


class SearchVectorColumn(Expression):
    """The generated ``search_vector`` column of the query's base table (PostgreSQL only).

    The column is not a model field (migration ``0006`` adds it on PostgreSQL
    only), so it is read through this expression, which follows the table's
    alias when the query becomes a subquery.
    """

    def __init__(self):
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(output_field=SearchVectorField())

    def as_sql(self, compiler, connection):
        alias = next(iter(compiler.query.alias_map))
        return f"{compiler.quote_name_unless_alias(alias)}.search_vector", []


#: Shorter queries (letters, after removing punctuation) get no trigram (typo-tolerant) matching.
MIN_FUZZY_LENGTH = 4


def _is_postgresql(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _match(queryset: QuerySet, q: str) -> tuple[QuerySet, Expression]:
    """``queryset`` narrowed to the packages matching ``q``, and the relevance expression."""
    if _is_postgresql(queryset):
        return _match_postgresql(queryset, q)
    return _match_fallback(queryset, q)


def _match_postgresql(queryset: QuerySet, q: str) -> tuple[QuerySet, Expression]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity

    words = _WORD.findall(q)
    if not words:
        return queryset.none(), Value(0.0, output_field=FloatField())
    tsquery = SearchQuery(q, search_type="websearch", config="simple")
    compact = "".join(words)  # ``sales-foce`` -> ``salesfoce``, whose trigrams meet ``salesforce``.
    if len(compact) < MIN_FUZZY_LENGTH:
        # One or two letters resemble nearly every name: only the full-text match is meaningful.
        prefix = " & ".join([*words[:-1], f"{words[-1]}:*"])
        tsquery = tsquery | SearchQuery(prefix, search_type="raw", config="simple")
        matched = queryset.alias(_search_vector=SearchVectorColumn()).filter(_search_vector=tsquery)
        return matched, SearchRank(SearchVectorColumn(), tsquery) + _exact_bonus(q)
    if _WEBSEARCH_SYNTAX.search(q):
        # Quotes, ``-word`` or ``or``: the customer spelt out what to match; no fuzzy extras.
        matched = queryset.alias(_search_vector=SearchVectorColumn()).filter(_search_vector=tsquery)
    else:
        # As you type, the last word is usually unfinished: ``weat`` should find ``weather``.
        prefix = " & ".join([*words[:-1], f"{words[-1]}:*"])
        tsquery = tsquery | SearchQuery(prefix, search_type="raw", config="simple")
        matched = queryset.alias(_search_vector=SearchVectorColumn()).filter(
            Q(_search_vector=tsquery)
            | Q(identifier__trigram_word_similar=compact)
            | Q(display_name__trigram_word_similar=compact)
        )
    # Word similarity counts only where it matched (above pg_trgm's threshold): below it, it is
    # noise that would outweigh the gap between the B, C and D weights.
    similarity = Case(
        When(
            Q(identifier__trigram_word_similar=compact) | Q(display_name__trigram_word_similar=compact),
            then=Greatest(
                TrigramWordSimilarity(compact, "identifier"),
                TrigramWordSimilarity(compact, "display_name"),
            ),
        ),
        default=Value(0.0),
        output_field=FloatField(),
    )
    relevance = SearchRank(SearchVectorColumn(), tsquery) + similarity + _exact_bonus(q)
    return matched, relevance


def _exact_bonus(q: str) -> Expression:
    """2 for a package whose identifier or name is exactly ``q`` (case aside), else 0."""
    return Case(
        When(Q(identifier__iexact=q) | Q(display_name__iexact=q), then=Value(2.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )


def _match_fallback(queryset: QuerySet, q: str) -> tuple[QuerySet, Expression]:
    relevance = _exact_bonus(q)
    for word in q.split():
        queryset = queryset.filter(_any_field_contains(word))
        for field, weight in FALLBACK_WEIGHTS.items():
            relevance = relevance + Case(
                When(**{f"{field}__icontains": word}, then=Value(weight)),
                default=Value(0.0),
                output_field=FloatField(),
            )
    return queryset, relevance


def _any_field_contains(word: str) -> Q:
    match = Q()
    for field in FALLBACK_WEIGHTS:
        match |= Q(**{f"{field}__icontains": word})
    return match


def search_packages(queryset: QuerySet, q: str) -> QuerySet:
    """The packages of ``queryset`` matching ``q``, annotated with ``relevance`` (higher is better).

    A blank ``q`` keeps every package, with a relevance of 0.
    """
    q = (q or "").strip()
    if not q:
        return queryset.annotate(relevance=Value(0.0, output_field=FloatField()))
    matched, relevance = _match(queryset, q)
    return matched.annotate(relevance=relevance)


# --- filters, facets, sorts --------------------------------------------------------------------


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    #: The kind's plural (its page's address), for kind values.
    plural: str = ""


class CatalogSearch:
    """One search over ``queryset`` (packages) for ``query``: its results and its facets."""

    #: Facet groups whose counts ignore their own selection (pick one among many).
    OWN_SELECTION_IGNORED = ("kind", "category", "pricing", "verification")

    def __init__(self, queryset: QuerySet, query: CatalogQuery):
        self.base = queryset
        self.query = query
        self._specifiers: list[str] | None = None

    def results(self) -> QuerySet:
        """The matching packages, annotated with ``relevance`` and ordered as asked."""
        qs = self._filter(search_packages(self.base, self.query.q))
        return order_packages(qs, self.query)

    def filtered(self, *, ignore: str | None = None) -> QuerySet:
        """The matching packages, without ``relevance`` or order; ``ignore`` drops one filter."""
        qs = self.base
        if self.query.q.strip():
            qs, _ = _match(qs, self.query.q.strip())
        return self._filter(qs, ignore=ignore).order_by()

    def _filter(self, qs: QuerySet, *, ignore: str | None = None) -> QuerySet:
        query = self.query
        if query.kind and ignore != "kind":
            qs = qs.filter(kind__slug=query.kind)
        if query.category and ignore != "category":
            qs = qs.filter(category__slug=query.category)
        if query.kind_or_category:
            value = query.kind_or_category
            qs = qs.filter(Q(kind__plural=value) | Q(kind__slug=value) | Q(category__slug=value))
        for tag in query.tags:
            # The JSON text of the list holds '"tag"' exactly when the list holds the tag
            # (JSONField's icontains works on SQLite and PostgreSQL alike).
            qs = qs.filter(tags__icontains=_json_string(tag))
        if query.pricing is not None and ignore != "pricing":
            qs = qs.filter(pricing__in=query.pricing)
        if query.verification is not None and ignore != "verification":
            qs = qs.filter(publisher__verification__in=query.verification)
        if query.platform_version:
            qs = qs.filter(latest_release__compatibility__in=self.compatible_specifiers())
        return qs

    def compatible_specifiers(self) -> list[str]:
        """The distinct ``compatibility`` values among the candidates that admit ``platform_version``.

        One query, whatever the number of packages; an empty specifier admits
        every version, an invalid one none.
        """
        if self._specifiers is None:
            self._specifiers = []
            try:
                version = Version(self.query.platform_version or "")
            except InvalidVersion:
                return self._specifiers
            specs = self.base.order_by().values_list("latest_release__compatibility", flat=True).distinct()
            for spec in specs:
                try:
                    if not spec or SpecifierSet(spec).contains(version, prereleases=True):
                        self._specifiers.append(spec or "")
                except InvalidSpecifier:
                    continue
        return self._specifiers

    def facets(self) -> dict[str, list[FacetValue]]:
        """Counts per kind, category, pricing, publisher verification (one query each) and top tags.

        Each group counts the packages matching the query and every other
        selected filter; kind, category, pricing and verification leave their
        own selection out, so their other values stay reachable.
        """
        pricing_labels = dict(Pricing.choices)
        verification_labels = dict(VerificationLevel.choices)
        kinds = (
            self.filtered(ignore="kind")
            .values_list("kind__slug", "kind__plural", "kind__name", "kind__position")
            .annotate(n=Count("pk"))
            .order_by("kind__position", "kind__slug")
        )
        categories = (
            self.filtered(ignore="category")
            .values_list("category__slug", "category__name", "category__position")
            .annotate(n=Count("pk"))
            .order_by("category__position", "category__slug")
        )
        pricing = (
            self.filtered(ignore="pricing").values_list("pricing").annotate(n=Count("pk")).order_by("pricing")
        )
        verification = (
            self.filtered(ignore="verification")
            .values_list("publisher__verification")
            .annotate(n=Count("pk"))
            .order_by("publisher__verification")
        )
        return {
            "kind": [FacetValue(slug, name, n, plural) for slug, plural, name, _pos, n in kinds],
            "category": [FacetValue(slug, name, n) for slug, name, _pos, n in categories],
            "pricing": [
                FacetValue(value, pricing_labels.get(value, value), n)
                for value, n in sorted(pricing, key=lambda row: list(pricing_labels).index(row[0]))
                if value in pricing_labels
            ],
            "verification": [
                FacetValue(value, verification_labels.get(value, value), n)
                for value, n in sorted(verification, key=lambda row: _verification_order(row[0]))
            ],
            "tags": [FacetValue(tag, tag, n) for tag, n in top_tags(self.filtered())],
        }


def _verification_order(level: str) -> int:
    levels = list(VerificationLevel.values)
    return -levels.index(level) if level in levels else 0


def _json_string(value: str) -> str:
    return json.dumps(value)


def top_tags(queryset: QuerySet, limit: int = TOP_TAGS) -> list[tuple[str, int]]:
    """The ``limit`` most frequent tags of ``queryset`` with their counts (one query).

    PostgreSQL counts in SQL (``jsonb_array_elements_text``); elsewhere the tag
    lists of the matching packages are counted in Python, fine for a
    catalogue of a few thousand packages.
    """
    values = queryset.order_by().values("tags")
    if _is_postgresql(queryset):
        sql, params = values.query.sql_with_params()
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(
                "SELECT t.tag, COUNT(*) AS n FROM (" + sql + ") AS s "  # noqa: S608 (compiled by the ORM)
                "CROSS JOIN LATERAL jsonb_array_elements_text("
                "CASE WHEN jsonb_typeof(s.tags) = 'array' THEN s.tags ELSE '[]'::jsonb END) AS t(tag) "
                "GROUP BY t.tag ORDER BY n DESC, t.tag LIMIT %s",
                [*params, limit],
            )
            return [(tag, n) for tag, n in cursor.fetchall()]
    counter: Counter[str] = Counter()
    for tags in values.values_list("tags", flat=True):
        if isinstance(tags, list):
            counter.update({tag for tag in tags if isinstance(tag, str)})
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]


def order_packages(qs: QuerySet, query: CatalogQuery) -> QuerySet:
    """``qs`` (annotated with ``relevance``) in the order ``query.sort`` names; ties by identifier."""
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
        keys = ["-relevance", "-featured", "-installs_30d", "-total_downloads"]
    return qs.order_by(*keys, "identifier")


def catalog_search(queryset: QuerySet, query: CatalogQuery) -> QuerySet:
    """Filter and order ``queryset`` (packages) as ``query`` asks; annotated with ``relevance``."""
    return CatalogSearch(queryset, query).results()
