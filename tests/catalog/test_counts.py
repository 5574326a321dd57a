"""Download and install counts that a stranger cannot pump.

A download (the web, every API dialect, the artifact URL) counts once per
visitor (account or address), release and day; tokenless install reports are
limited per address, and popularity counts one report per address, release and day.
"""

from __future__ import annotations

import datetime as dt

import pytest

from catalog import artifacts
from catalog.models import Download, Install, Package
from catalog.stats import installs_30d_refresh
from tests.factories import PublishedPackageFactory

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.7"
OTHER_ADDRESS = "198.51.100.8"
INSTALL = "/api/objectstack/v1/install"


@pytest.fixture
def package():
    return PublishedPackageFactory(identifier="count-me", pricing="free", release__stored=True)


def _total(package) -> int:
    return Package.objects.get(pk=package.pk).total_downloads


def _get(client, url: str, address: str = ADDRESS, **extra):
    response = client.get(url, REMOTE_ADDR=address, **extra)
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end: the test client closes the file
    return response


def test_thirty_artifact_url_gets_from_one_address_count_once(client, package, rf):
    request = rf.get("/", REMOTE_ADDR=ADDRESS)
    url, _ = artifacts.artifact_url(release=package.latest_release, which=artifacts.ORIGINAL, request=request)
    for _ in range(30):
        assert _get(client, url).status_code == 200
    assert _total(package) == 1
    assert _get(client, url, OTHER_ADDRESS).status_code == 200
    assert _total(package) == 2
    # A new day counts again (the rows of today are moved to yesterday).
    Download.objects.update(counted_on=dt.date.today() - dt.timedelta(days=1))
    assert _get(client, url).status_code == 200
    assert _total(package) == 3


@pytest.mark.parametrize(
    "path",
    [
        "/api/objectstack/v1/listings/count-me/artifact",
        "/api/v1/catalog/count-me/download",
        "/packages/count-me/{version}/download",
    ],
)
def test_thirty_downloads_from_one_address_count_once_in_every_dialect(client, package, path):
    url = path.format(version=package.latest_release.version)
    for _ in range(30):
        assert _get(client, url).status_code in (200, 302)
    assert _total(package) == 1
    assert Download.objects.count() == 1


def test_a_signed_in_account_counts_once_from_any_address(client, package, user):
    client.force_login(user)
    url = f"/packages/count-me/{package.latest_release.version}/download"
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert _get(client, url, address).status_code == 200
    assert _total(package) == 1


def _install(client, tenant: str, address: str = ADDRESS):
    return client.post(
        INSTALL,
        {"listingId": "count-me", "tenantId": tenant},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_sixty_tokenless_installs_with_fresh_tenant_ids_are_limited(client, package, settings):
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["install_tokenless"].split("/")[0])
    assert limit < 60
    answers = [_install(client, f"tenant-{n}") for n in range(60)]
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(201) == limit and statuses.count(429) == 60 - limit, statuses
    assert answers[-1].json()["errors"][0]["code"] == "rate_limited"
    assert Install.objects.count() == limit
    # Popularity ("Most installed", ObjectStack's totalInstalls) moves by one for that address.
    installs_30d_refresh()
    assert Package.objects.get(pk=package.pk).installs_30d == 1
    listing = client.get("/api/objectstack/v1/listings/count-me").json()
    assert listing["stats"]["totalInstalls"] == 1
    # Another address still reports, and counts.
    assert _install(client, "tenant-elsewhere", OTHER_ADDRESS).status_code == 201
    installs_30d_refresh()
    assert Package.objects.get(pk=package.pk).installs_30d == 2


def test_installs_with_an_account_token_are_not_limited_per_address(client, package, user, settings):
    from tokens import services as token_services

    raw = token_services.api_token_create(user=user, name="laptop", account=True)[1]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "install_tokenless": "1/hour",
        },
    }
    assert _install(client, "t-1").status_code == 201
    assert _install(client, "t-2").status_code == 429
    answer = client.post(
        INSTALL,
        {"listingId": "count-me"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
        REMOTE_ADDR=ADDRESS,
    )
    assert answer.status_code == 201
