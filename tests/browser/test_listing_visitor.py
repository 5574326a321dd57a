"""The listing as each visitor sees it in Chromium: free, paid and not owned, owned, trial running;
and the cards' prices on the search page. Screenshots at 1280 and 390 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]


def test_each_visitor_reads_price_terms_and_their_license(
    live_server, new_page, screenshot, django_user_model
):
    from catalog.constants import Pricing
    from tests.conftest import PASSWORD, make_user
    from tests.factories import LicenseFactory, PublishedPackageFactory

    PublishedPackageFactory(identifier="csv-tools", display_name="CSV Tools")
    paid = PublishedPackageFactory(
        identifier="sql-query", display_name="SQL Query", pricing=Pricing.PRO, price_cents=1900
    )
    trial = PublishedPackageFactory(
        identifier="github-issues", display_name="GitHub Issues", pricing=Pricing.TRIAL, price_cents=900
    )
    PublishedPackageFactory(
        identifier="code-review", display_name="Code Review", pricing=Pricing.PER_SKILL, price_cents=500
    )
    customer = make_user(django_user_model, "carol")
    LicenseFactory(owner=customer, package=paid)
    LicenseFactory(owner=customer, package=trial, start=timezone.now() - dt.timedelta(days=4, hours=1))

    page = new_page()
    page.goto(f"{live_server.url}/search/")
    cards = page.get_by_role("article")
    expect(cards.filter(has_text="SQL Query").get_by_test_id("card-price")).to_have_text("$19 / year")
    expect(cards.filter(has_text="GitHub Issues").get_by_test_id("card-price")).to_have_text(
        "14-day free trial"
    )
    expect(cards.filter(has_text="Code Review").get_by_test_id("card-price")).to_have_text("$5 per skill")
    expect(cards.filter(has_text="CSV Tools").get_by_test_id("card-price")).to_have_text("Free")
    screenshot.widths(page, "search")

    page.goto(f"{live_server.url}/packages/csv-tools/")
    install = page.get_by_role("complementary", name="Install")
    expect(install.get_by_test_id("price")).to_have_text("Free")
    expect(install.get_by_role("link", name="Download v1.0.0")).to_be_visible()
    expect(install.locator("#install-command")).to_have_text("mkt install csv-tools")
    screenshot.widths(page, "listing free")

    page.goto(f"{live_server.url}/packages/sql-query/")
    expect(install.get_by_test_id("terms")).to_have_text(
        "1-year license, renewed yearly at $19 · 3 activations"
    )
    expect(install.get_by_role("link", name="Sign in to buy")).to_be_visible()
    expect(install.get_by_role("link", name="Download v1.0.0")).to_have_count(0)
    screenshot.widths(page, "listing paid anonymous")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", customer.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(f"{live_server.url}/packages/code-review/")
    expect(install.get_by_role("button", name="Buy · $5 per skill")).to_be_visible()
    expect(install.get_by_test_id("terms")).to_have_text("Perpetual license, paid once · 1 activation")
    expect(install.get_by_role("link", name="Download v1.0.0")).to_have_count(0)
    screenshot.widths(page, "listing paid not owned")

    page.goto(f"{live_server.url}/packages/sql-query/")
    expect(install.get_by_test_id("ownership")).to_have_text("Owned")
    expect(install.get_by_role("link", name="Download v1.0.0")).to_be_visible()
    screenshot.widths(page, "listing owned")

    page.goto(f"{live_server.url}/packages/github-issues/")
    expect(install.get_by_test_id("ownership")).to_have_text("Trial · 10 days left")
    expect(install.get_by_role("link", name="Download v1.0.0")).to_be_visible()
    screenshot.widths(page, "listing trial")
