"""An anonymous customer reads true install counts, a Popular section that is not "New", a sort
control that looks like one, a "Works with" box that says what it expects, and compatibility in words.

Runs on the database of the run: SQLite when started without ``DATABASE_URL``, PostgreSQL in
``scripts/test.sh``'s integration + browser stage.
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


def test_numbers_sort_works_with_and_compatibility_read_as_a_person_expects(
    live_server, new_page, screenshot, django_user_model
):
    from catalog.api.services import install_record
    from tests.conftest import make_user
    from tests.factories import PublishedPackageFactory

    weather = PublishedPackageFactory(
        identifier="weather-connector",
        display_name="Weather Connector",
        pricing="free",
        release__compatibility=">=2026.3.0,<2027",
    )
    PublishedPackageFactory(identifier="apple-sync", display_name="apple sync", pricing="free")
    PublishedPackageFactory(identifier="banana-tools", display_name="Banana Tools", pricing="free")
    customer = make_user(django_user_model, "carol")
    install_record(package=weather, release=weather.latest_release, user=customer)

    page = new_page()
    page.goto(f"{live_server.url}/")
    popular = page.locator("section", has=page.locator("#popular-title"))
    expect(popular.get_by_role("article")).to_have_count(1)
    expect(popular.get_by_role("article")).to_contain_text("Weather Connector")
    expect(popular.get_by_role("article")).to_contain_text("1 install / 30 days")
    new = page.locator("section", has=page.locator("#new-title"))
    expect(new.get_by_role("article")).to_have_count(3)
    screenshot.widths(page, "home")

    # Name (A–Z) with letter case aside; the sort control shows a dropdown arrow.
    page.goto(f"{live_server.url}/search/")
    sort = page.get_by_label("Sort by")
    arrow = sort.evaluate("el => getComputedStyle(el).backgroundImage")
    assert arrow.startswith('url("data:image/svg+xml'), arrow
    sort.select_option("name")
    page.wait_for_url(re.compile(r"sort=name"))
    headings = page.locator("#search-results article h3")
    expect(headings).to_have_text(["apple sync", "Banana Tools", "Weather Connector"])
    screenshot.widths(page, "search sorted by name")

    # A "Works with" value that is not a version is named with its rule; the results stay.
    box = page.get_by_label("Works with ArgentOS")
    box.fill("latest")
    message = page.get_by_test_id("version-error")
    expect(message).to_have_text(
        re.compile(
            r"“latest” is not an ArgentOS version: write numbers separated by dots, such as 2026\.5\.0\."
        )
    )
    expect(headings).to_have_count(3)
    screenshot.widths(page, "search invalid works with")
    box.fill("2025.1")
    expect(message).to_have_count(0)
    expect(page.locator("#search-results")).to_contain_text("Nothing here works with ArgentOS 2025.1")

    # The listing gives compatibility in words.
    page.goto(f"{live_server.url}/packages/weather-connector/")
    details = page.locator("dl.kv")
    expect(details).to_contain_text("2026.3.0 and later, before 2027")
    expect(details).not_to_contain_text("<2027")
    screenshot.widths(page, "listing compatibility")
