"""The local demo (``make run``: ``DEBUG`` on) answers a missing page and a failing view with the site's pages.

Django's debug 404 page lists every URL pattern of the site, and its 500 page a traceback and the
settings; the demo is shown to people, so it answers as production does (marketplace/middleware.py).
"""

from __future__ import annotations

import logging

import pytest

pytestmark = pytest.mark.django_db

SITE_404 = "We couldn’t find that page"
DJANGO_404 = "Django tried these URL patterns"


@pytest.fixture
def demo(settings):
    """The settings ``make run`` serves with: ``DEBUG`` on, nothing else about error pages set."""
    settings.DEBUG = True
    return settings


@pytest.mark.parametrize("url", ["/no-such-page/", "/packages/no-such-package/"])
def test_a_missing_page_answers_the_sites_404_without_the_url_patterns(client, demo, url):
    response = client.get(url)

    assert response.status_code == 404
    body = response.content.decode()
    assert SITE_404 in body
    assert DJANGO_404 not in body and "marketplace.urls" not in body and "api/v1/" not in body
    assert "<title>Page not found · Argent Marketplace</title>" in body


def test_a_missing_path_without_its_slash_still_redirects_to_the_page(client, demo):
    response = client.get("/search")

    assert response.status_code == 301 and response["Location"] == "/search/"


@pytest.mark.urls("tests.marketplace.error_urls")
def test_a_failing_view_answers_the_sites_500_and_logs_the_traceback(client, demo, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")

    response = client.get("/test-only/fails/")

    assert response.status_code == 500
    body = response.content.decode()
    assert "a bug in a view" not in body and "Traceback" not in body
    assert "<title>Something went wrong · Argent Marketplace</title>" in body
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info and "a bug in a view" in str(record.exc_info[1])


def test_debug_error_pages_brings_djangos_debug_404_back(client, demo):
    demo.DEBUG_ERROR_PAGES = True

    response = client.get("/no-such-page/")

    assert response.status_code == 404 and DJANGO_404 in response.content.decode()
