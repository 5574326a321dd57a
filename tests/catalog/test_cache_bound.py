"""The response cache does not grow with the strings a client invents.

300 distinct ``/search/`` URLs once made 300 cache entries (4.4 MB in a Redis
without ``maxmemory``). Now a request naming a parameter its view does not read
is answered fresh and not kept, and parameter order makes no new entry.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from catalog.cache import CACHE_HEADER
from tests.catalog.test_search import make_package

pytestmark = pytest.mark.django_db


def _entries() -> int:
    """The kept catalog answers in the default cache: local memory (unit tests) or Redis (``REDIS_URL``)."""
    backend = cache._cache
    names = [str(n) for n in backend] if hasattr(backend, "keys") else backend.get_client().keys("*")
    return sum("catalog:response:" in (n.decode() if isinstance(n, bytes) else n) for n in names)


@pytest.mark.parametrize(
    "url",
    ["/search/?q=weather&x={n}", "/api/v1/catalog?q=weather&cb={n}", "/packages/weather-connector/?v={n}"],
)
def test_three_hundred_invented_urls_keep_nothing(client, author, url):
    make_package(author, "weather-connector")
    for n in range(300):
        response = client.get(url.format(n=n))
        assert response.status_code == 200
        assert CACHE_HEADER not in response
    assert _entries() == 0


def test_the_real_searches_are_still_kept_and_order_does_not_matter(client, author):
    make_package(author, "weather-connector")
    first = client.get("/search/?q=weather&sort=new")
    again = client.get("/search/?sort=new&q=weather")
    api = client.get("/api/v1/catalog?q=weather&limit=5")
    api_again = client.get("/api/v1/catalog?limit=5&q=weather")
    assert first[CACHE_HEADER] == "miss" and again[CACHE_HEADER] == "hit"
    assert api[CACHE_HEADER] == "miss" and api_again[CACHE_HEADER] == "hit"
    assert _entries() == 2


def test_a_license_key_in_a_query_is_never_a_cache_key_in_clear(client, author):
    make_package(author, "weather-connector")
    client.get("/search/?q=ARG-ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345")
    backend = cache._cache
    names = [str(n) for n in backend] if hasattr(backend, "keys") else backend.get_client().keys("*")
    assert _entries() == 1
    assert not any("ABCD" in (n.decode() if isinstance(n, bytes) else n) for n in names)
