"""Search on the real PostgreSQL: weighted full-text search, trigram typos, GIN indexes, the generated column.

Run by ``scripts/test.sh`` (``make test``); ``-k search_postgres`` runs only these.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from catalog import search as search_module
from catalog.models import Package
from catalog.search import (
    CatalogQuery,
    CatalogSearch,
    catalog_search,
    look_alikes,
    search_packages,
)
from tests.catalog.test_search import make_package

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]


@pytest.fixture(autouse=True)
def _empty_vocabulary():
    """The word table is no model, so the flush between these tests leaves it: empty it."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE catalog_search_word")


def listed():
    return Package.objects.listed().for_cards()


def ranked(q: str) -> list[tuple[str, float]]:
    return [(p.identifier, p.relevance) for p in search_packages(listed(), q).order_by("-relevance")]


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_a_name_match_ranks_above_a_readme_match(author):
    make_package(author, "deep-notes", display_name="Deep Notes", readme="Pairs well with Nebula dashboards.")
    make_package(author, "nebula-sync", display_name="Nebula Sync", readme="Nothing else to say.")
    make_package(author, "tagged-charts", tagline="Charts", tags=["nebula"])
    make_package(author, "described-charts", tagline="Charts", description="Works with nebula.")

    order = ranked("nebula")

    ids = [identifier for identifier, _ in order]
    assert ids[0] == "nebula-sync"  # identifier and display name: weight A
    assert ids[-1] == "deep-notes"  # README only: weight D
    relevance = dict(order)
    assert relevance["nebula-sync"] > relevance["described-charts"] > relevance["tagged-charts"]
    assert relevance["tagged-charts"] > relevance["deep-notes"]


def test_description_outranks_tags_and_tags_outrank_readme(author):
    make_package(author, "one", display_name="One", description="Quasar inside.")
    make_package(author, "two", display_name="Two", tags=["quasar"])
    make_package(author, "three", display_name="Three", readme="quasar")

    assert [identifier for identifier, _ in ranked("quasar")] == ["one", "two", "three"]


def test_a_typo_finds_salesforce(author, client):
    make_package(author, "salesforce-connector", display_name="Salesforce Connector", tagline="CRM sync")
    make_package(author, "weather-connector", display_name="Weather Connector")

    assert [identifier for identifier, _ in ranked("sales-foce")] == ["salesforce-connector"]
    assert [identifier for identifier, _ in ranked("salesforse")] == ["salesforce-connector"]
    # The API and the search page go through the same search.
    api = client.get("/api/v1/catalog", {"q": "sales-foce"}).json()
    assert [item["id"] for item in api["items"]] == ["salesforce-connector"]
    page = client.get(reverse("catalog:search"), {"q": "sales-foce"})
    assert [p.identifier for p in page.context["page_obj"]] == ["salesforce-connector"]


def test_typos_in_one_word_of_several_and_no_widening(author):
    make_package(author, "weather-connector", display_name="Weather Connector")
    make_package(author, "weather-widget", display_name="Weather Widget")
    make_package(author, "github-issues", display_name="GitHub Issues")
    make_package(author, "gitlab-issues", display_name="GitLab Issues")

    assert [i for i, _ in ranked("weathr connector")] == ["weather-connector"]
    # Only look-alikes nearly as close as the best: githb is github, not gitlab.
    assert [i for i, _ in ranked("githb")] == ["github-issues"]
    # Both words are known: every word must match; the words run together add nothing shorter.
    assert [i for i, _ in ranked("weather widget")] == ["weather-widget"]
    assert not CatalogSearch(listed(), CatalogQuery(q="weather widget")).any_word


def test_no_package_with_every_word_gives_those_with_any_more_words_first(author):
    make_package(author, "weather-connector", display_name="Weather Connector")
    make_package(author, "weather-widget", display_name="Weather Widget", readme="Lists open issues.")
    make_package(author, "github-issues", display_name="GitHub Issues")
    make_package(author, "gitlab-merge", display_name="GitLab Merge")

    # No package has weather, github (githb, corrected) and issues together.
    search = CatalogSearch(listed(), CatalogQuery(q="weather githb issues"))
    found = [p.identifier for p in search.results()]

    assert search.any_word
    # Two words each (both in the name beats one in the README), then one word; gitlab is no look-alike.
    assert found == ["github-issues", "weather-widget", "weather-connector"]
    assert search.facets() and search.total == 3
    assert ranked("zeppelin") == []  # one unknown word: still nothing


def test_websearch_syntax_and_prefixes(author):
    make_package(
        author, "weather-connector", display_name="Weather Connector", tagline="Forecasts and alerts"
    )
    make_package(author, "weather-widget", display_name="Weather Widget", tagline="A dashboard tile")

    assert {i for i, _ in ranked("weat")} == {"weather-connector", "weather-widget"}  # as you type
    assert [i for i, _ in ranked("weather -widget")] == ["weather-connector"]
    assert [i for i, _ in ranked('"dashboard tile"')] == ["weather-widget"]
    assert ranked("!!!") == []


def test_gin_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        indexes = {name: definition for _table, name, definition in cursor.fetchall()}

    assert "USING gin (search_vector)" in indexes["catalog_package_search_vector_gin"]
    assert "USING gin (word gin_trgm_ops)" in indexes["catalog_search_word_trgm"]


def test_the_vector_and_short_fields_stay_in_the_row():
    """Migration 0009: a broad search reads vectors and tags from the row, not the TOAST table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'catalog_package'::regclass "
            "AND attname IN ('search_vector', 'tags', 'tagline', 'display_name', 'identifier', 'readme')"
        )
        storage = dict(cursor.fetchall())

    assert storage == {
        "search_vector": "m",  # MAIN
        "tags": "m",
        "tagline": "m",
        "display_name": "m",
        "identifier": "m",
        "readme": "x",  # EXTENDED: compressed and moved out first
    }


def test_the_search_uses_the_indexes(author):
    for i in range(50):
        make_package(author, f"filler-{i}", tagline="Nothing to see")
    make_package(author, "salesforce-connector", display_name="Salesforce Connector")
    # The text match alone (on a table this small the planner would rather filter the listed
    # packages first; with the benchmark's 100,000 listings it takes these indexes itself).
    qs = search_packages(Package.objects.all(), "sales-foce").order_by()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_package")
        cursor.execute("SET enable_seqscan = off")
        plan = qs.explain()
        cursor.execute("SET enable_seqscan = on")

    # One full-text match through the GIN index; the typo became a known word first.
    assert "Bitmap Index Scan on catalog_package_search_vector_gin" in plan, plan
    assert "'salesforce'" in plan


def test_the_vocabulary_follows_every_change(author):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_search_word WHERE word = 'zeppelin'")
        assert cursor.fetchone()[0] == 0
    package = make_package(author, "plain-connector", display_name="Plain Connector")
    assert look_alikes("default", ["zepelin", "plain"]) == {"zepelin": [], "plain": ["plain"]}

    package.display_name = "Plain Zeppelin"
    package.save()
    package.tags = ["airship"]
    package.save()

    assert look_alikes("default", ["zepelin", "airshp"]) == {"zepelin": ["zeppelin"], "airshp": ["airship"]}
    assert [identifier for identifier, _ in ranked("zepelin")] == ["plain-connector"]


def _vector(identifier: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM catalog_package WHERE identifier = %s", [identifier])
        return cursor.fetchone()[0]


def test_the_generated_column_follows_every_change(author):
    package = make_package(author, "plain-connector", display_name="Plain Connector", tagline="Does things")
    assert ranked("zeppelin") == []
    assert re.search(r"'plain':[\d,]*\d+A", _vector("plain-connector"))

    package.tagline = "Talks to Zeppelin"
    package.save()
    assert [i for i, _ in ranked("zeppelin")] == ["plain-connector"]
    assert re.search(r"'zeppelin':\d+B", _vector("plain-connector"))

    Package.objects.filter(pk=package.pk).update(tagline="", tags=["airship"], readme="Hindenburg")
    assert ranked("zeppelin") == []
    assert [i for i, _ in ranked("airship")] == ["plain-connector"]
    assert [i for i, _ in ranked("hindenburg")] == ["plain-connector"]
    assert re.search(r"'airship':\d+C", _vector("plain-connector"))
    assert re.search(
        r"'hindenburg':\d+(?:[^A-D\d]|$)", _vector("plain-connector")
    )  # weight D prints no letter


def test_facets_and_compatibility_on_postgresql(author):
    make_package(author, "a-connector", tags=["crm", "sync"], compatibility=">=2026.1")
    make_package(author, "b-connector", tags=["sync"], compatibility="<2026")
    make_package(author, "c-skill", kind="skill", tags=["sync", "notes"], category="ai")

    search = CatalogSearch(listed(), CatalogQuery(q="connector", platform_version="2026.5.0"))

    assert [p.identifier for p in search.results()] == ["a-connector"]
    facets = search.facets()
    assert {f.value: f.count for f in facets["tags"]} == {"crm": 1, "sync": 1}
    everything = CatalogSearch(listed(), CatalogQuery()).facets()
    assert [(f.value, f.count) for f in everything["tags"]][:2] == [("sync", 3), ("crm", 1)]
    assert {f.value: f.count for f in everything["kind"]} == {"connector": 2, "skill": 1}


def test_search_page_and_htmx_partial_on_postgresql(author, client):
    make_package(author, "salesforce-connector", display_name="Salesforce Connector", tags=["crm"])

    page = client.get(reverse("catalog:search"), {"q": "salesforce", "tag": "crm"})
    partial = client.get(reverse("catalog:search"), {"q": "sales"}, headers={"HX-Request": "true"})

    assert page.context["total"] == 1
    assert "Salesforce Connector" in partial.content.decode() and "<html" not in partial.content.decode()
    assert catalog_search(listed(), CatalogQuery(q="salesforce", sort="name", descending=False)).count() == 1


def test_the_name_vector_has_its_index_and_follows_every_rename(author):
    """Migration 0014: ``name_vector`` (identifier and display name) is what the name leg of the
    ranking candidates reads, through its own GIN index."""
    package = make_package(author, "comet-tracker", display_name="Comet Tracker")
    Package.objects.filter(pk=package.pk).update(display_name="Nebula Watch")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name_vector::text FROM catalog_package WHERE id = %s", [package.pk])
        (vector,) = cursor.fetchone()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE indexname IN ('package_name_vector_gin', 'package_popular_names')"
        )
        definitions = dict(cursor.fetchall())

    assert set(re.findall(r"'([^']+)'", vector)) == {"comet-tracker", "comet", "tracker", "nebula", "watch"}
    assert "USING gin (name_vector)" in definitions["package_name_vector_gin"]
    # Walked alone (an index-only scan) for the names of the most installed listed packages.
    assert "INCLUDE (id, name_vector)" in definitions["package_popular_names"]


@pytest.fixture
def comet_words(author, monkeypatch):
    """A search shows at most 4 results; "comet" is in 6 packages (5 connectors, 1 skill), "cometary"
    (which the prefix ``comet:*`` also matches) in 2 more, and "cometa" is no word at all."""
    monkeypatch.setattr(search_module, "MAX_RESULTS", 4)
    for n in range(1, 7):
        kind = "skill" if n == 6 else "connector"
        make_package(author, f"plain-{n}", description="Tracks a comet.", kind=kind, installs_30d=n)
    for n in range(1, 3):
        make_package(author, f"dust-{n}", description="Cometary dust.", pricing="free")


def _whole_and_all(q: str, **filters) -> tuple:
    search = CatalogSearch(listed(), CatalogQuery(q=q, **filters))
    return search.filtered(), search._whole_words()


@pytest.mark.parametrize(
    ("q", "filters", "count"),
    [
        ("comet", {}, 5),  # 6 whole-word matches: more than 4 without reading the prefix
        ("cometa", {}, 2),  # no whole-word match: the prefix is read (cometary)
        ("comet", {"kind": "skill"}, 1),  # the filters apply to both
        ("tracks comet", {}, 5),
        ("comet", {"pricing": ()}, 0),  # a filter nothing meets: no query
    ],
)
def test_a_count_reads_the_whole_words_first_and_the_prefix_only_when_it_must(comet_words, q, filters, count):
    matches, whole = _whole_and_all(q, **filters)

    assert whole is not None
    assert search_module.count_results(matches, whole) == count
    assert search_module.count_results(matches) == count  # the same as counting the matches alone
    assert CatalogSearch(listed(), CatalogQuery(q=q, **filters)).total == count
