"""True numbers on the cards, the home page and the publisher's statistics.

The 30-day install count is current as soon as an install is recorded (the same
rule as the daily refresh), "Popular" on the home page lists only packages someone
installed, and a web download shows on the publisher's statistics page.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Package
from catalog.stats import installs_30d_refresh
from tests.factories import PublishedPackageFactory

pytestmark = pytest.mark.django_db

INSTALL = "/api/objectstack/v1/install"


def _install(client, identifier: str, tenant: str, address: str = "198.51.100.7"):
    response = client.post(
        INSTALL,
        {"listingId": identifier, "tenantId": tenant},
        content_type="application/json",
        REMOTE_ADDR=address,
    )
    assert response.status_code == 201, response.content
    return response


def _installs_30d(identifier: str) -> int:
    return Package.objects.get(identifier=identifier).installs_30d


def test_an_install_shows_on_the_card_at_once(client):
    PublishedPackageFactory(identifier="weather-widget", display_name="Weather Widget", pricing="free")

    _install(client, "weather-widget", "acme")

    assert _installs_30d("weather-widget") == 1
    body = client.get(reverse("catalog:search")).content.decode()
    assert "1 install / 30 days" in body
    assert "0 installs / 30 days" not in body


def test_the_count_on_write_is_the_daily_refresh_count(client):
    PublishedPackageFactory(identifier="csv-tools", pricing="free")
    PublishedPackageFactory(identifier="untouched", pricing="free")
    # Two tenants reported from one address on one day count once; another address counts again.
    _install(client, "csv-tools", "acme")
    _install(client, "csv-tools", "globex")
    _install(client, "csv-tools", "initech", address="198.51.100.8")
    on_write = _installs_30d("csv-tools")

    installs_30d_refresh()

    assert on_write == _installs_30d("csv-tools") == 2
    assert _installs_30d("untouched") == 0


def _section_ids(body: str, section: str) -> list[str]:
    start = body.find(f'id="{section}-title"')
    if start < 0:
        return []
    end = body.find("</section>", start)
    return [
        chunk.split('"', 1)[0]
        for chunk in body[start:end].split('href="/packages/')[1:]
        if chunk.split('"', 1)[0].count("/") == 1
    ]


def test_popular_lists_only_installed_packages_and_is_hidden_when_nobody_installed(client, settings):
    # Counters written with UPDATE reach cached anonymous pages within CATALOG_CACHE_SECONDS
    # (catalog.cache); this test reads the page fresh.
    settings.CATALOG_CACHE_SECONDS = 0
    for name in ("alpha-tool", "beta-tool", "gamma-tool"):
        PublishedPackageFactory(identifier=name, pricing="free")

    before = client.get(reverse("catalog:home")).content.decode()
    assert 'id="popular-title"' not in before
    assert 'id="new-title"' in before

    _install(client, "beta-tool", "acme")
    after = client.get(reverse("catalog:home")).content.decode()

    assert _section_ids(after, "popular") == ["beta-tool/"]
    assert sorted(_section_ids(after, "new")) == ["alpha-tool/", "beta-tool/", "gamma-tool/"]


def test_web_downloads_show_on_the_publisher_stats_page(client, author):
    package = PublishedPackageFactory(
        identifier="hello-connector",
        publisher=author.publisher,
        pricing="free",
        release__stored=True,
        release__signing_key=author.key,
        release__private_key=author.signing_key,
    )
    url = reverse("catalog:release-download", args=[package.identifier, package.latest_release.version])
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        response = client.get(url, REMOTE_ADDR=address)
        assert response.status_code == 200
        b"".join(response.streaming_content)

    client.force_login(author.user)
    response = client.get(reverse("engagement:publisher-stats", args=[author.publisher.slug]))

    assert response.context["stats"].total_downloads == 3
    assert "<dt>Downloads</dt><dd>3</dd>" in response.content.decode()
