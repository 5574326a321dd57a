"""Search queries a person can type must never fail: long ones, many words, no word characters.

Runs in both unit stages (SQLite and PostgreSQL, ``scripts/test.sh``): the
twelve-word query overflowed SQLite's parser, a query without word characters
reached ``top_tags`` as ``queryset.none()`` on PostgreSQL (``EmptyResultSet``).
"""

from __future__ import annotations

import pytest

from catalog.search import CatalogQuery, CatalogSearch
from tests.factories import PublishedPackageFactory

pytestmark = pytest.mark.django_db

#: ``catalog.search.MAX_QUERY_WORDS`` (a literal, so that this file also runs on older code).
MAX_QUERY_WORDS = 10

TWELVE_WORDS = "weather forecast rain sun wind snow cloud storm hail fog frost heat"
NO_WORD_CHARACTERS = ["%", "!", "?", "@", '"', "-", "\U0001f600", "%_\\", "''"]


@pytest.fixture
def weather(author):
    return PublishedPackageFactory(
        identifier="weather-connector",
        display_name="Weather",
        publisher=author.publisher,
        release__signing_key=author.key,
        release__private_key=author.signing_key,
    )


def test_the_searched_text_is_cut_to_the_caps():
    from catalog.search import MAX_QUERY_LENGTH, search_text

    assert search_text(TWELVE_WORDS + " extra") == " ".join(TWELVE_WORDS.split()[:MAX_QUERY_WORDS])
    assert len(search_text("x" * 10_000)) == MAX_QUERY_LENGTH
    assert search_text("  a \t b\n") == "a b"


def test_twelve_words_and_more_search_on_every_page_and_dialect(weather, client):
    """One nested CASE per word and field overflowed SQLite's parser stack (then RecursionError)."""
    long_query = " ".join([TWELVE_WORDS] * 10)
    for url, params in [
        ("/search/", {"q": long_query}),
        ("/api/v1/catalog", {"q": long_query}),
        ("/api/v1/marketplace/connectors/items", {"q": long_query}),
        ("/api/objectstack/v1/listings", {"query": long_query}),
    ]:
        assert client.get(url, params).status_code == 200, url


def test_every_dialect_gives_the_same_answer_to_a_capped_query(weather, client):
    """Past the caps the rest of the query is ignored, the same way everywhere."""
    query = "weather " + " ".join(["nothing"] * (MAX_QUERY_WORDS - 1)) + " unfindable" + " y" * 5000
    ids = {
        "argentos": [i["id"] for i in client.get("/api/v1/catalog", {"q": query}).json()["items"]],
        "cloud-os": [
            i["id"] for i in client.get("/api/v1/marketplace/connectors/items", {"q": query}).json()["items"]
        ],
        "objectstack": [
            i["id"] for i in client.get("/api/objectstack/v1/listings", {"query": query}).json()["items"]
        ],
    }
    page = client.get("/search/", {"q": query})
    assert page.status_code == 200
    assert ids["argentos"] == ids["cloud-os"] == ids["objectstack"]
    assert (b"weather-connector" in page.content) == bool(ids["argentos"])


@pytest.mark.parametrize("q", NO_WORD_CHARACTERS)
def test_a_query_without_word_characters_is_answered(weather, client, q):
    """PostgreSQL: no word, no match (``queryset.none()``), which ``top_tags`` must not compile."""
    for url in ["/search/", "/kinds/connectors/", "/categories/integration/", "/tags/weather/"]:
        assert client.get(url, {"q": q}).status_code == 200, url
    search = CatalogSearch(weather.__class__.objects.listed(), CatalogQuery(q=q))
    assert search.facets()["tags"] is not None
