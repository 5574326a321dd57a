"""Anonymous catalog answers from the cache (catalog/cache.py): what is kept, for whom, until when."""

from __future__ import annotations

import functools

import pytest
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from catalog import reviews
from catalog.cache import CACHE_HEADER, cached_for_anonymous, catalog_version
from catalog.models import Install, Package
from tests.catalog.test_search import make_package
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SEARCH = "/search/?q=weather"


def _get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response, len(queries)


def _identifiers(response) -> list[str]:
    return [package.identifier for package in response.context["page_obj"]]


def test_a_repeated_anonymous_search_costs_no_query(client, author):
    make_package(author, "weather-connector")

    first, first_queries = _get(client, SEARCH)
    again, again_queries = _get(client, SEARCH)

    assert first[CACHE_HEADER] == "miss" and first_queries > 0
    assert again[CACHE_HEADER] == "hit" and again_queries == 0
    assert again.content == first.content
    assert b"weather-connector" in again.content


def test_a_change_to_the_catalog_shows_at_once(client, author, django_user_model):
    customer = make_user(django_user_model, "carol")
    package = make_package(author, "weather-connector")
    _get(client, SEARCH)

    make_package(author, "weather-widget")  # a new listing
    added, _ = _get(client, SEARCH)
    package.display_name = "Rain Radar"  # an edit
    package.save()
    edited, _ = _get(client, "/packages/weather-connector/")
    Install.objects.create(package=package, release=package.latest_release, user=customer)
    reviews.review_save(package=package, user=customer, rating=5, text="Spot on.")  # a review
    reviewed, _ = _get(client, "/packages/weather-connector/")

    assert added[CACHE_HEADER] == "miss" and b"weather-widget" in added.content
    assert b"Rain Radar" in edited.content
    assert reviewed[CACHE_HEADER] == "miss" and b"Spot on." in reviewed.content


def test_counters_written_by_update_wait_for_the_expiry(client, author, settings):
    make_package(author, "weather-connector")
    before, _ = _get(client, "/api/v1/catalog?q=weather")
    Package.objects.filter(identifier="weather-connector").update(total_downloads=41)

    cached, _ = _get(client, "/api/v1/catalog?q=weather")
    settings.CATALOG_CACHE_SECONDS = 0
    fresh, _ = _get(client, "/api/v1/catalog?q=weather")

    assert cached.json() == before.json()
    assert fresh.json()["items"][0]["total_downloads"] == 41
    assert CACHE_HEADER not in fresh


def test_signed_in_visitors_and_tokens_are_answered_fresh(client, author, user):
    make_package(author, "weather-connector")
    _get(client, SEARCH)
    _get(client, "/api/v1/catalog?q=weather")

    with_token, token_queries = _get(client, "/api/v1/catalog?q=weather", Authorization="Bearer mkt_x")
    client.force_login(user)
    signed_in, signed_in_queries = _get(client, SEARCH)

    assert CACHE_HEADER not in with_token and token_queries > 0
    assert CACHE_HEADER not in signed_in and signed_in_queries > 0


def test_the_htmx_partial_and_the_page_are_kept_apart(client, author):
    make_package(author, "weather-connector")

    page, _ = _get(client, SEARCH)
    partial, _ = _get(client, SEARCH, **{"HX-Request": "true"})
    page_again, _ = _get(client, SEARCH)

    assert partial[CACHE_HEADER] == "miss"
    assert b"<html" in page.content and b"<html" not in partial.content
    assert page_again[CACHE_HEADER] == "hit" and b"<html" in page_again.content


def test_each_address_has_its_own_answer(client, author):
    make_package(author, "weather-connector")
    make_package(author, "sales-sync")

    weather, _ = _get(client, SEARCH)
    sales, _ = _get(client, "/search/?q=sales")

    assert _identifiers(weather) == ["weather-connector"]
    assert sales[CACHE_HEADER] == "miss" and b"sales-sync" in sales.content
    assert b"weather-connector" not in sales.content


def test_errors_are_never_kept(client):
    missing = client.get("/packages/nothing-here/")
    missing_again = client.get("/api/v1/catalog/nothing-here")
    bad_request = client.get("/api/v1/catalog?page=0")

    assert (missing.status_code, missing_again.status_code, bad_request.status_code) == (404, 404, 400)
    assert all(CACHE_HEADER not in response for response in (missing, missing_again, bad_request))


def test_answers_that_set_a_cookie_or_hold_a_csrf_token_are_not_kept():
    calls = []

    @functools.partial(cached_for_anonymous, params=())
    def form_view(request):
        calls.append(1)
        return HttpResponse(f"<form>{get_token(request)}</form>")

    @functools.partial(cached_for_anonymous, params=())
    def cookie_view(request):
        calls.append(1)
        response = HttpResponse("hello")
        response.set_cookie("seen", "1")
        return response

    factory = RequestFactory()
    for view in (form_view, cookie_view):
        view(factory.get("/x"))
        view(factory.get("/x"))

    assert len(calls) == 4


def test_the_version_only_grows(author):
    first = catalog_version()
    make_package(author, "weather-connector")
    assert catalog_version() > first


def test_the_home_page_and_api_lists_are_cached_too(client, author):
    make_package(author, "weather-connector")
    for url in ("/", "/api/v1/catalog", "/api/v1/marketplace/categories", "/api/objectstack/v1/listings"):
        _get(client, url)
        again, queries = _get(client, url)
        assert again[CACHE_HEADER] == "hit", url
        assert queries == 0, url


@pytest.fixture
def two_tiers(settings):
    """The deployed layout: a shared cache (Redis there, a second memory here) and a per-process tier."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"},
        "catalog-local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"},
    }
    from django.core.cache import caches

    caches["default"].clear()
    caches["catalog-local"].clear()
    yield caches["default"], caches["catalog-local"]
    caches["catalog-local"].clear()


def test_two_tiers_answer_from_process_memory_first(client, author, two_tiers):
    shared, local = two_tiers
    make_package(author, "weather-connector")
    _get(client, SEARCH)

    # Locmem stores keys as ":<version>:<key>".
    stored = [k.split(":", 2)[2] for k in shared._cache if "catalog:response" in k]  # noqa: SLF001
    shared.delete_many(stored)
    assert stored and shared.get_many(stored) == {}
    from_memory, queries = _get(client, SEARCH)

    assert from_memory[CACHE_HEADER] == "hit" and queries == 0


def test_two_tiers_follow_a_change_made_by_another_process(client, author, two_tiers, monkeypatch):
    from catalog import cache as catalog_cache

    shared, _local = two_tiers
    make_package(author, "weather-connector")
    _get(client, SEARCH)
    shared.incr(catalog_cache.VERSION_KEY)  # what another process's change does

    within_memo, _ = _get(client, SEARCH)
    monkeypatch.setattr(catalog_cache._memo, "until", 0.0)  # VERSION_MEMO_SECONDS later
    after, _ = _get(client, SEARCH)

    assert within_memo[CACHE_HEADER] == "hit"
    assert after[CACHE_HEADER] == "miss"


@pytest.mark.parametrize(
    ("accept_encoding", "compressed"),
    [("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.5", True), ("gzip;q=0", False), ("", False)],
)
def test_kept_answers_go_compressed_to_clients_that_accept_gzip(client, author, accept_encoding, compressed):
    import gzip

    make_package(author, "weather-connector")
    plain, _ = _get(client, SEARCH)

    for _ in ("miss or hit", "hit"):
        response, _ = _get(client, SEARCH, **{"Accept-Encoding": accept_encoding})
        assert "Accept-Encoding" in response["Vary"]
        if compressed:
            assert response["Content-Encoding"] == "gzip"
            assert gzip.decompress(response.content) == plain.content
            assert len(response.content) < len(plain.content) / 3
        else:
            assert not response.has_header("Content-Encoding")
            assert response.content == plain.content


def test_kept_api_answers_still_count_against_the_rate_limit(client, author, settings):
    """docs/api.md, "Rate limits": anonymous catalog reads are rate-limited per client address."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "catalog": "3/minute",
        },
    }
    make_package(author, "weather-connector")
    url = "/api/v1/catalog?q=weather"

    answers = [client.get(url, REMOTE_ADDR="10.0.0.7") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.get(CACHE_HEADER) for a in answers[:3]] == ["miss", "hit", "hit"]
    assert answers[3].json()["errors"][0]["code"] == "rate_limited"
    assert client.get(url, REMOTE_ADDR="10.0.0.8")[CACHE_HEADER] == "hit"  # another address


def test_an_empty_rate_means_no_limit(client, author, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "catalog": ""},
    }
    make_package(author, "weather-connector")

    codes = {client.get("/api/v1/catalog", {"q": "weather", "n": str(i % 2)}).status_code for i in range(12)}

    assert codes == {200}
