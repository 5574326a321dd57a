"""Every place that takes a license key counts in the budget of ``/api/v1/license``.

The web download (``?key=`` and ``X-License-Key``), the downloads of every API
dialect, the licensed catalog and the ObjectStack install's ``licenseKey``
were once outside the limit, so keys could be tried there without end.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from licensing import keys, licenses
from tests.factories import PublishedPackageFactory

ADDRESS = "10.20.30.40"
OTHER_ADDRESS = "10.20.30.41"


@pytest.fixture
def paid(db):
    """A paid package whose release file is stored (so the web download reaches the key check)."""
    return PublishedPackageFactory(
        identifier="paid-pack", pricing="pro", price_cents=1900, release__stored=True
    )


def _rates(settings, **rates: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def _closed(response):
    """``response`` with its file closed when it streams one (the status and headers stay)."""
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end: the test client closes the file
    return response


def _web_query(client: Client, package, key: str, address: str):
    version = package.latest_release.version
    return _closed(
        client.get(f"/packages/{package.identifier}/{version}/download", {"key": key}, REMOTE_ADDR=address)
    )


def _web_header(client: Client, package, key: str, address: str):
    version = package.latest_release.version
    return _closed(
        client.get(
            f"/packages/{package.identifier}/{version}/download",
            headers={"X-License-Key": key},
            REMOTE_ADDR=address,
        )
    )


def _argentos_header(client: Client, package, key: str, address: str):
    return client.get(
        f"/api/v1/catalog/{package.identifier}/download", headers={"X-License-Key": key}, REMOTE_ADDR=address
    )


def _argentos_query(client: Client, package, key: str, address: str):
    return client.get(f"/api/v1/catalog/{package.identifier}/download", {"key": key}, REMOTE_ADDR=address)


def _objectstack_artifact(client: Client, package, key: str, address: str):
    return client.get(
        f"/api/objectstack/v1/listings/{package.identifier}/artifact",
        headers={"X-License-Key": key},
        REMOTE_ADDR=address,
    )


def _objectstack_install(client: Client, package, key: str, address: str):
    return client.post(
        "/api/objectstack/v1/install",
        {"listingId": package.identifier, "tenantId": "tenant-a", "licenseKey": key},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def _licensed_catalog(client: Client, package, key: str, address: str):
    return client.get("/api/v1/catalog/licensed", {"key": key}, REMOTE_ADDR=address)


def _license_lookup(client: Client, package, key: str, address: str):
    return client.post("/api/v1/license", {"key": key}, content_type="application/json", REMOTE_ADDR=address)


PLACES: dict[str, Callable] = {
    "web download ?key=": _web_query,
    "web download X-License-Key": _web_header,
    "ArgentOS download X-License-Key": _argentos_header,
    "ArgentOS download ?key=": _argentos_query,
    "ObjectStack artifact": _objectstack_artifact,
    "ObjectStack install licenseKey": _objectstack_install,
    "licensed catalog ?key=": _licensed_catalog,
}


def _assert_rate_limited(response, place: str) -> None:
    assert response.status_code == 429, (place, response.status_code)
    assert int(response["Retry-After"]) >= 1
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["errors"][0]["code"] == "rate_limited"
    else:
        assert "Too many tries" in response.content.decode()


@pytest.mark.parametrize("place", PLACES)
def test_license_api_tries_spend_the_budget_of_every_place(client, paid, settings, place):
    _rates(settings, license_address="3/minute")
    for _ in range(3):
        assert _license_lookup(client, paid, keys.generate_key(), ADDRESS).status_code == 404
    _assert_rate_limited(PLACES[place](client, paid, keys.generate_key(), ADDRESS), place)
    # Another address still has its budget: the answer is the key's (no license: 402, or an empty list).
    assert PLACES[place](client, paid, keys.generate_key(), OTHER_ADDRESS).status_code in (200, 402)


@pytest.mark.parametrize("place", PLACES)
def test_tries_elsewhere_spend_the_license_api_budget(client, paid, settings, place):
    _rates(settings, license_address="3/minute")
    for _ in range(3):
        assert PLACES[place](client, paid, keys.generate_key(), ADDRESS).status_code in (200, 402)
    _assert_rate_limited(PLACES[place](client, paid, keys.generate_key(), ADDRESS), place)
    _assert_rate_limited(_license_lookup(client, paid, keys.generate_key(), ADDRESS), "/api/v1/license")


@pytest.mark.parametrize("place", PLACES)
def test_one_key_is_limited_from_every_address(client, paid, user, settings, place):
    _, key = licenses.license_issue(package=paid, owner=user)
    _rates(settings, license_key="2/minute")
    assert _license_lookup(client, paid, key, "10.0.0.1").status_code == 200
    assert PLACES[place](client, paid, key.lower(), "10.0.0.2").status_code in (200, 201, 302, 409)
    _assert_rate_limited(PLACES[place](client, paid, key, "10.0.0.3"), place)


def test_a_free_download_with_a_key_spends_nothing(client, db, settings):
    free = PublishedPackageFactory(identifier="free-pack", pricing="free", release__stored=True)
    _rates(settings, license_address="1/minute")
    for _ in range(3):
        assert _web_query(client, free, keys.generate_key(), ADDRESS).status_code == 200
        assert _argentos_query(client, free, keys.generate_key(), ADDRESS).status_code in (200, 302, 409)
    assert _license_lookup(client, free, keys.generate_key(), ADDRESS).status_code == 404


def _cache_keys() -> list[str]:
    """Every key in the default cache: local memory (unit tests) or Redis (``REDIS_URL``)."""
    backend = cache._cache
    if hasattr(backend, "keys"):
        return [str(name) for name in backend]
    return [name.decode() for name in backend.get_client().keys("*")]


def test_throttle_cache_keys_hold_no_key_material(client, paid, user, settings):
    _, key = licenses.license_issue(package=paid, owner=user)
    for place in PLACES.values():
        place(client, paid, key, ADDRESS)
    stored = _cache_keys()
    assert any("license_key" in name for name in stored)
    body = key.removeprefix("ARG-").replace("-", "")
    for name in stored:
        assert key not in name and body[:8] not in name.replace("-", ""), name
