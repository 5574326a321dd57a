"""Typo tolerance and "Did you mean …?" (``catalog.search``, ``catalog.vocabulary``).

These run on whichever database the run uses: SQLite (the unit stage, ``make run``'s default) and
PostgreSQL (the same stage again with ``DATABASE_URL``, as ``scripts/test.sh`` runs it), so the one
look-alike rule is checked on both.
"""

from __future__ import annotations

import pytest

from catalog.models import Package
from catalog.search import CatalogQuery, CatalogSearch, look_alikes
from catalog.vocabulary import Vocabulary, similarity
from tests.catalog.test_search import make_package

pytestmark = pytest.mark.django_db


@pytest.fixture
def typo_catalog(author):
    make_package(author, "weather-connector", display_name="Weather Connector", tags=["weather", "forecast"])
    make_package(author, "csv-tools", display_name="CSV Tools", tags=["csv", "data"])
    make_package(author, "github-issues", display_name="GitHub Issues", tags=["github"])
    make_package(author, "gitlab-sync", display_name="GitLab Sync", tags=["gitlab"])


def search(q: str) -> CatalogSearch:
    return CatalogSearch(Package.objects.listed(), CatalogQuery(q=q))


def found(q: str) -> list[str]:
    return [p.identifier for p in search(q).results()]


def test_a_misspelt_word_finds_the_package_and_suggests_the_word(typo_catalog):
    assert found("wether") == ["weather-connector"]
    assert search("wether").suggestion() == "weather"


def test_a_misspelt_word_in_a_hyphenated_identifier_finds_and_suggests(typo_catalog):
    assert found("csv-tols") == ["csv-tools"]
    assert search("csv-tols").suggestion() == "csv-tools"


def test_an_exact_query_gets_no_suggestion(typo_catalog):
    assert found("weather") == ["weather-connector"]
    assert search("weather").suggestion() is None
    assert search("csv-tools").suggestion() is None


def test_only_look_alikes_nearly_as_close_as_the_best(typo_catalog):
    # githb: github 0.44, gitlab 0.30 -> only github (the share rule, on every database).
    assert look_alikes("default", ["githb", "weather", "zzzzzz"]) == {
        "githb": ["github"],
        "weather": ["weather"],
        "zzzzzz": [],
    }
    assert found("githb") == ["github-issues"]


def test_a_suggestion_keeps_the_other_words_and_their_case(typo_catalog):
    assert search("Wether connector").suggestion() == "weather connector"
    assert search("CSV tols").suggestion() == "CSV tools"


def test_no_suggestion_for_short_words_or_web_search_syntax(typo_catalog):
    assert search("csb").suggestion() is None
    assert search('"wether"').suggestion() is None


def test_the_search_page_offers_the_corrected_query(client, typo_catalog):
    page = client.get("/search/", {"q": "wether"})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'Did you mean <a href="/search/?q=weather">weather</a>?' in body
    exact = client.get("/search/", {"q": "weather"}).content.decode()
    assert "Did you mean" not in exact


def test_trigram_similarity_is_pg_trgms():
    # The figures PostgreSQL's similarity() gives for these pairs.
    assert similarity("wether", "weather") == pytest.approx(0.5)
    assert similarity("tols", "tools") == pytest.approx(4 / 7)
    assert similarity("githb", "github") == pytest.approx(4 / 9)
    assert Vocabulary(["weather", "tools"]).similar("wether") == [("weather", 0.5)]


def test_words_run_together_find_the_longer_known_word(typo_catalog, author):
    make_package(author, "salesforce-sync", display_name="Salesforce Sync", tags=["crm"])
    assert found("sales-foce") == ["salesforce-sync"]
    assert search("sales foce").suggestion() == "salesforce"
