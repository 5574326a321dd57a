"""``catalog.search``: the text match, filters, facets and sorts shared by the pages and the API.

These run on SQLite (the fallback); ``tests/integration/test_search_postgres.py``
covers full-text search and trigram matching on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from catalog import search as search_module
from catalog.constants import ListingStatus, Pricing, VerificationLevel
from catalog.models import Package, Publisher
from catalog.search import (
    SORTS,
    CatalogQuery,
    CatalogSearch,
    catalog_search,
    search_packages,
    top_tags,
)
from tests.factories import PublishedPackageFactory

pytestmark = pytest.mark.django_db

_counter = itertools.count(1)


def make_package(author, identifier: str, **fields) -> Package:
    """A published package with one published release, from the factories (no upload, no approval).

    Keyword arguments: ``kind`` and ``category`` slugs, ``compatibility`` and
    ``version`` of the release, ``release_published_at``, ``publisher``, ``readme``,
    and any ``Package`` field. The listing fields go into the release's manifest, so
    the package gets them from its release as on approval. Unless given, the
    description is a neutral sentence and there is no README, so that only the
    words a test gives are searched. ``compatibility`` is also
    stored as given, unnormalised, even when the manifest could not carry it (the
    search must cope with whatever specifier a row holds).
    """
    kind = fields.pop("kind", "connector")
    category = fields.pop("category", "integration")
    compatibility = fields.pop("compatibility", "")
    version = fields.pop("version", "1.0.0")
    published_at = fields.pop("published_at", timezone.now() - dt.timedelta(minutes=next(_counter)))
    release_published_at = fields.pop("release_published_at", published_at)
    publisher = fields.pop("publisher", author.publisher)
    fields.setdefault("display_name", identifier.replace("-", " ").title())
    fields.setdefault("description", "Made by the test factories.")
    fields.setdefault("readme", "")
    release = {"version": version, "published_at": release_published_at, "compatibility": compatibility}
    if _valid_specifier(compatibility):
        release["manifest_fields"] = {"compatibility": {"argentos": compatibility}}
    else:
        release["manifest_fields"] = {"compatibility": None}
    if publisher == author.publisher:
        release.update(signing_key=author.key, private_key=author.signing_key)
    return PublishedPackageFactory(
        identifier=identifier,
        kind__slug=kind,
        category__slug=category,
        publisher=publisher,
        published_at=published_at,
        **{f"release__{name}": value for name, value in release.items()},
        **fields,
    )


def _valid_specifier(spec: str) -> bool:
    try:
        SpecifierSet(spec)
    except InvalidSpecifier:
        return False
    return bool(spec)


def ids(qs) -> list[str]:
    return [p.identifier for p in qs]


@pytest.fixture
def catalog(author):
    """Five packages covering every filter and sort."""
    other = Publisher.objects.create(slug="acme", name="Acme Corp", verification=VerificationLevel.VERIFIED)
    now = timezone.now()
    return {
        "salesforce-connector": make_package(
            author,
            "salesforce-connector",
            display_name="Salesforce Connector",
            tagline="Sync leads and opportunities",
            category="crm",
            tags=["crm", "sales"],
            pricing=Pricing.PRO,
            price_cents=1900,
            installs_30d=40,
            rating_average=4.0,
            rating_count=3,
            compatibility=">=2026.1,<2027",
            published_at=now - dt.timedelta(days=30),
            release_published_at=now - dt.timedelta(days=1),
            publisher=other,
        ),
        "weather-connector": make_package(
            author,
            "weather-connector",
            tagline="Forecasts for your agent",
            description="Uses Open-Meteo.",
            tags=["weather", "forecast"],
            installs_30d=90,
            rating_average=4.8,
            rating_count=10,
            compatibility=">=2025.1,<2026",
            published_at=now - dt.timedelta(days=20),
        ),
        "notes-skill": make_package(
            author,
            "notes-skill",
            kind="skill",
            category="collaboration",
            tagline="Meeting notes",
            readme="Works great with the weather connector and sales teams.",
            tags=["notes", "sales"],
            installs_30d=5,
            published_at=now - dt.timedelta(days=2),
            featured=True,
        ),
        "midnight-theme": make_package(
            author,
            "midnight-theme",
            kind="theme",
            category="ui-theme",
            display_name="Midnight",
            tagline="A dark theme",
            tags=["dark"],
            compatibility="",
            published_at=now - dt.timedelta(days=10),
        ),
        "broken-spec": make_package(
            author,
            "broken-spec",
            tagline="Declares nonsense compatibility",
            compatibility="banana",
            published_at=now - dt.timedelta(days=5),
        ),
    }


def listed():
    return Package.objects.listed().for_cards()


# --- text -----------------------------------------------------------------------------------------


def test_blank_query_keeps_everything_with_zero_relevance(catalog):
    qs = search_packages(listed(), "  ")

    assert qs.count() == 5
    assert {p.relevance for p in qs} == {0.0}


def test_every_word_must_match_some_field(catalog):
    assert ids(search_packages(listed(), "weather forecasts")) == ["weather-connector"]
    assert not CatalogSearch(listed(), CatalogQuery(q="weather forecasts")).any_word


def test_no_package_with_every_word_gives_those_with_any_more_words_first(catalog):
    search = CatalogSearch(listed(), CatalogQuery(q="sales weather nothing-like-this"))

    # notes-skill has "weather" and "sales" (README, tags), so it comes first although the others
    # have their one word in their names.
    assert ids(search.results())[0] == "notes-skill"
    assert set(ids(search.results())) == {"notes-skill", "weather-connector", "salesforce-connector"}
    assert search.any_word
    assert search.facets() and search.total == 3
    # One word that nothing has stays an empty result.
    lone = CatalogSearch(listed(), CatalogQuery(q="zeppelin"))
    assert ids(lone.results()) == [] and not lone.any_word


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("salesforce", {"salesforce-connector"}),  # identifier
        ("midnight", {"midnight-theme"}),  # display name
        ("opportunities", {"salesforce-connector"}),  # tagline
        ("open-meteo", {"weather-connector"}),  # description
        ("forecast", {"weather-connector"}),  # tags (and tagline)
        ("great", {"notes-skill"}),  # README
        ("SALES", {"salesforce-connector", "notes-skill"}),  # case-insensitive
    ],
)
def test_every_searchable_field_matches(catalog, q, expected):
    assert set(ids(search_packages(listed(), q))) == expected


def test_relevance_weights_name_over_readme(catalog):
    # "weather" is weather-connector's identifier and notes-skill's README.
    ranked = search_packages(listed(), "weather").order_by("-relevance")

    assert ids(ranked) == ["weather-connector", "notes-skill"]
    assert ranked[0].relevance > ranked[1].relevance


def test_exact_identifier_ranks_first(catalog, author):
    make_package(author, "sales", display_name="Sales", tagline="x")

    assert ids(catalog_search(listed(), CatalogQuery(q="sales")))[0] == "sales"


def test_queryset_search_is_the_same_search(catalog):
    assert ids(Package.objects.listed().search("weather").order_by("-relevance")) == [
        "weather-connector",
        "notes-skill",
    ]


# --- filters ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (CatalogQuery(kind="skill"), {"notes-skill"}),
        (CatalogQuery(category="crm"), {"salesforce-connector"}),
        (CatalogQuery(kind_or_category="themes"), {"midnight-theme"}),
        (CatalogQuery(tags=("sales",)), {"salesforce-connector", "notes-skill"}),
        (CatalogQuery(tags=("sales", "crm")), {"salesforce-connector"}),
        (CatalogQuery(tags=("sale",)), set()),
        (CatalogQuery(pricing=("pro",)), {"salesforce-connector"}),
        (CatalogQuery(verification=("verified", "partner")), {"salesforce-connector"}),
        (CatalogQuery(q="sales", kind="skill"), {"notes-skill"}),
    ],
)
def test_filters(catalog, query, expected):
    assert set(ids(catalog_search(listed(), query))) == expected


@pytest.mark.parametrize(
    "filters",
    [
        {"kind": "skill"},
        {"category": "crm"},
        {"kind_or_category": "skills"},
        {"tags": ("crm",)},
        {"pricing": ("pro",)},
        {"verification": ("verified", "partner")},
        {"platform_version": "2025.6.1"},
    ],
)
def test_every_filter_narrows_the_total_of_a_query_of_several_words(catalog, filters):
    # Both packages have both words; the any-word check counted them before any filter.
    assert set(ids(search_packages(listed(), "sales connector"))) == {"salesforce-connector", "notes-skill"}
    search = CatalogSearch(listed(), CatalogQuery(q="sales connector", **filters))

    assert len(ids(search.results())) == 1
    assert search.total == 1


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        # An empty specifier admits every version; an invalid one none.
        ("2026.5.0", {"salesforce-connector", "notes-skill", "midnight-theme"}),
        ("2025.6.1", {"weather-connector", "notes-skill", "midnight-theme"}),
        ("not a version", set()),
    ],
)
def test_compatibility_filter(catalog, version, expected):
    search = CatalogSearch(listed(), CatalogQuery(platform_version=version))

    results = search.results()

    assert set(ids(results)) == expected
    assert results.count() == len(expected)  # counted in SQL, so pages and totals agree


def test_compatibility_counts_hold_across_pages(catalog, author):
    for i in range(30):
        make_package(author, f"old-{i}", compatibility="<2000")
    for i in range(30):
        make_package(author, f"new-{i}", compatibility=">=2026")
    search = CatalogSearch(listed(), CatalogQuery(platform_version="2026.5.0", sort="name", descending=False))

    results = search.results()

    assert results.count() == 30 + 3
    assert not [p for p in results[24:] if p.identifier.startswith("old-")]
    assert sum(f.count for f in search.facets()["category"]) == 33


def test_compatibility_reads_distinct_specifiers_in_one_query(catalog, django_assert_num_queries):
    search = CatalogSearch(listed(), CatalogQuery(platform_version="2026.5.0"))

    with django_assert_num_queries(1):
        specs = search.compatible_specifiers()
    with django_assert_num_queries(0):
        search.compatible_specifiers()
    assert sorted(specs) == ["", ">=2026.1,<2027"]


# --- facets ---------------------------------------------------------------------------------------


def _counts(facets, group):
    return {f.value: f.count for f in facets[group]}


def test_facets_count_the_whole_result(catalog):
    facets = CatalogSearch(listed(), CatalogQuery()).facets()

    assert _counts(facets, "kind") == {"connector": 3, "skill": 1, "theme": 1}
    assert _counts(facets, "category") == {
        "crm": 1,
        "collaboration": 1,
        "integration": 2,
        "ui-theme": 1,
    }
    assert _counts(facets, "pricing") == {"free": 4, "pro": 1}
    assert _counts(facets, "verification") == {"verified": 1, "unverified": 4}
    assert facets["tags"][0].value == "sales" and facets["tags"][0].count == 2
    assert [f.plural for f in facets["kind"]] == ["connectors", "skills", "themes"]


def test_facets_combine_with_the_query(catalog):
    facets = CatalogSearch(listed(), CatalogQuery(q="sales")).facets()

    assert _counts(facets, "kind") == {"connector": 1, "skill": 1}
    assert _counts(facets, "pricing") == {"free": 1, "pro": 1}
    assert _counts(facets, "tags") == {"sales": 2, "crm": 1, "notes": 1}


def test_selecting_a_facet_updates_the_other_counts_but_not_its_own(catalog):
    facets = CatalogSearch(listed(), CatalogQuery(q="sales", kind="connector")).facets()

    # Kind counts ignore the kind selection, so the other kinds stay reachable ...
    assert _counts(facets, "kind") == {"connector": 1, "skill": 1}
    # ... while every other group counts only connectors matching "sales".
    assert _counts(facets, "pricing") == {"pro": 1}
    assert _counts(facets, "category") == {"crm": 1}
    assert _counts(facets, "verification") == {"verified": 1}
    assert _counts(facets, "tags") == {"sales": 1, "crm": 1}


def test_pricing_facet_leaves_out_its_own_selection(catalog):
    facets = CatalogSearch(listed(), CatalogQuery(pricing=("pro",))).facets()

    assert _counts(facets, "pricing") == {"free": 4, "pro": 1}
    assert _counts(facets, "kind") == {"connector": 1}


def test_top_tags_keeps_twenty(author):
    for i in range(25):
        package = make_package(author, f"tagged-{i}")
        # Up to 25 tags: more than a manifest may carry (10), so straight in the row.
        Package.objects.filter(pk=package.pk).update(tags=[f"tag-{j:02d}" for j in range(i + 1)])

    tags = top_tags(listed())

    assert len(tags) == 20
    assert tags[0] == ("tag-00", 25)
    assert tags[-1] == ("tag-19", 6)


def test_unlisted_packages_are_never_searched(catalog):
    Package.objects.filter(identifier="weather-connector").update(status=ListingStatus.UNLISTED)

    assert ids(search_packages(listed(), "weather")) == ["notes-skill"]


# --- sorts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "first", "last"),
    [
        ("popularity", "weather-connector", None),
        ("rating", "weather-connector", None),
        ("newest", "notes-skill", "salesforce-connector"),
        ("updated", "salesforce-connector", None),
        ("name", "broken-spec", "weather-connector"),
    ],
)
def test_each_sort(catalog, sort, first, last):
    order = ids(catalog_search(listed(), CatalogQuery(sort=sort, descending=sort != "name")))

    assert order[0] == first
    if last:
        assert order[-1] == last


def test_relevance_without_a_query_puts_featured_then_popular_first(catalog):
    order = ids(catalog_search(listed(), CatalogQuery(sort="relevance")))

    assert order[:3] == ["notes-skill", "weather-connector", "salesforce-connector"]


def test_every_sort_is_known():
    assert SORTS == ("relevance", "popularity", "rating", "newest", "updated", "name")


# --- bounds: a search shows at most MAX_RESULTS, and ranks a bounded number of candidates ----------


@pytest.fixture
def comets(author, monkeypatch):
    """Six packages that mention "comet" (installs 60, 50, ... 10) and one named for it, never installed.

    A search then shows at most 4 results and ranks at most 2 of the most installed matches
    (on PostgreSQL; the SQLite fallback ranks every match, with the same order here).
    """
    monkeypatch.setattr(search_module, "MAX_RESULTS", 4)
    monkeypatch.setattr(search_module, "RANK_CANDIDATES", 2)
    for n in range(1, 7):
        make_package(
            author, f"plain-{n}", description="Tracks a comet across the sky.", installs_30d=70 - 10 * n
        )
    make_package(author, "comet-tracker", display_name="Comet Tracker", installs_30d=0)


def _api_pages(client, **params) -> tuple[list[int], list[str]]:
    totals, found = [], []
    for page in (1, 2, 3):
        body = client.get("/api/v1/catalog", {"limit": 2, "page": page, **params}).json()
        totals.append(body["total"])
        found += [item["id"] for item in body["items"]]
    return totals, found


def test_a_search_shows_its_best_results_only_and_pages_end_there(client, comets):
    totals, found = _api_pages(client, q="comet")

    # Seven matches; the total counts the four a search shows, and every page up to it is full.
    assert totals == [4, 4, 4]
    assert found == ["comet-tracker", "plain-1", "plain-2", "plain-3"]


def test_the_package_named_by_the_words_ranks_first_however_many_popular_packages_mention_them(
    client, comets
):
    # On PostgreSQL, the name leg of the candidates finds it although it is not among the most installed.
    first = client.get("/api/v1/catalog", {"q": "comet"}).json()["items"][0]

    assert first["id"] == "comet-tracker"


@pytest.mark.parametrize("sort", ["popularity", "newest", "name"])
def test_every_sort_shows_the_same_number_of_results(client, comets, sort):
    totals, found = _api_pages(client, q="comet", sort=sort)

    assert totals == [4, 4, 4] and len(found) == len(set(found)) == 4


def test_the_search_page_says_there_are_more_and_counts_facets_as_lower_bounds(client, comets):
    html = client.get(reverse("catalog:search"), {"q": "comet"}).content.decode()

    assert "4+ packages" in html
    assert '<span class="facet__count">4+</span>' in html  # the one category, counted among the first matches
    assert html.count('data-testid="card-price"') == 4 and "page=2" not in html


def test_a_search_below_the_bound_counts_exactly(client, author, monkeypatch):
    monkeypatch.setattr(search_module, "MAX_RESULTS", 4)
    for n in range(3):
        make_package(author, f"plain-{n}", description="Tracks a comet.")

    html = client.get(reverse("catalog:search"), {"q": "comet"}).content.decode()

    assert "3 packages" in html and "+" not in html.split('id="results-title"')[1].split("</h2>")[0]
    assert '<span class="facet__count">3</span>' in html
