"""An anonymous customer misspells a package in the search box and is offered the right word.

Runs on the database of the run: SQLite when started without ``DATABASE_URL`` (``make run``'s default),
PostgreSQL in ``scripts/test.sh``'s integration + browser stage; the page must say the same on both.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]


def test_anonymous_search_with_a_typo_finds_and_suggests(
    live_server, new_page, screenshot, build_pkg, publish
):
    publish(build_pkg(id="weather-connector", name="Weather Connector", tags=["weather", "forecast"]))
    publish(build_pkg(id="csv-tools", name="CSV Tools", tags=["csv", "data"]))

    page = new_page()
    page.goto(f"{live_server.url}/search/")
    box = page.get_by_role("searchbox", name="Search packages").and_(page.locator("#search-q"))
    box.fill("wether")
    box.press("Enter")
    page.wait_for_url(re.compile(r"q=wether"))

    results = page.locator("#search-results")
    expect(results.get_by_role("heading", name=re.compile("1 package for “wether”"))).to_be_visible()
    expect(results.get_by_role("heading", name="Weather Connector")).to_be_visible()
    suggestion = page.get_by_test_id("did-you-mean")
    expect(suggestion).to_have_text("Did you mean weather?")
    screenshot(page, "typo suggestion 1280")
    page.set_viewport_size({"width": 390, "height": 900})
    expect(suggestion).to_be_visible()
    screenshot(page, "typo suggestion 390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The suggestion is a link to the corrected query, which needs no further suggestion.
    suggestion.get_by_role("link", name="weather").click()
    page.wait_for_url(re.compile(r"q=weather"))
    expect(results.get_by_role("heading", name="Weather Connector")).to_be_visible()
    expect(page.get_by_test_id("did-you-mean")).to_have_count(0)

    # A misspelt word inside an identifier: csv-tols finds CSV Tools and suggests csv-tools.
    page.goto(f"{live_server.url}/search/?q=csv-tols")
    expect(results.get_by_role("heading", name="CSV Tools")).to_be_visible()
    expect(page.get_by_test_id("did-you-mean")).to_have_text("Did you mean csv-tools?")
