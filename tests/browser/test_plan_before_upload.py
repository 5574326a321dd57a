"""A Free user sees what the plan allows before uploading, and the header's
account menu opens without JavaScript's help. Screenshots at 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import make_user, public_key_b64

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]


def test_a_free_user_sees_the_plan_before_uploading(
    live_server, new_page, screenshot, django_user_model, build_pkg, signing_key
):
    from catalog.models import Publisher
    from publishing import services

    frank = make_user(django_user_model, "frank")
    page = new_page()

    # Signed out, on a search page: the header's "Log in" comes back here.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/search/?q=weather")
    screenshot(page, "header signed out 390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    screenshot(page, "header signed out 1280")
    page.get_by_role("link", name="Log in").click()
    page.fill("input[name=login]", "frank@example.com")
    page.fill("input[name=password]", "a long and unguessable test password")
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_url("**/search/?q=weather")
    screenshot(page, "header signed in 1280")

    # The account menu, a <details>: every account page and "Sign out".
    menu = page.get_by_test_id("account-menu")
    menu.locator("summary").click()
    for name in ("E-mail addresses", "Two-factor authentication", "Account tokens", "My licenses", "Plan"):
        expect(menu.get_by_role("link", name=name)).to_be_visible()
    expect(menu.get_by_role("button", name="Sign out")).to_be_visible()
    header = page.locator(".site-header__inner").bounding_box()
    assert header["height"] < 80, header  # one line at 1280 px
    screenshot(page, "header signed in menu open 1280")

    # The dashboard says the Free plan cannot publish, with the upgrade, before any work.
    page.goto(f"{live_server.url}/dashboard/")
    notice = page.get_by_test_id("plan-notice")
    expect(notice).to_contain_text("Your Free plan does not include publishing")
    expect(notice.get_by_role("link", name="Upgrade to Pro")).to_have_attribute("href", "/account/plan/")
    screenshot(page, "dashboard 1280")

    # So does the create-publisher page, above the form.
    page.get_by_role("link", name="Create a publisher").first.click()
    expect(page.get_by_test_id("plan-notice")).to_contain_text("uploads are refused until you upgrade to Pro")
    screenshot(page, "create publisher 1280")
    page.fill("input[name=name]", "Frank Tools")
    page.fill("input[name=slug]", "frank-tools")
    page.locator("form:has(input[name=slug]) [type=submit]").click()
    page.wait_for_url("**/publishers/frank-tools/keys/")

    # And the upload page, before the file is chosen.
    page.goto(f"{live_server.url}/publishers/frank-tools/upload/")
    expect(page.get_by_test_id("plan-notice")).to_contain_text("Your Free plan does not include publishing")
    screenshot(page, "upload 1280")

    # Uploading anyway is refused with a link to the plan page on this server's host and port.
    services.signing_key_register(
        publisher=Publisher.objects.get(slug="frank-tools"),
        public_key=public_key_b64(signing_key),
        label="laptop",
        user=frank,
    )
    page.set_input_files("input[name=package]", str(build_pkg().path))
    page.locator("form:has(input[name=package]) [type=submit]").first.click()
    problems = page.locator("#upload-problems")
    expect(problems).to_contain_text("plan.cannot_publish")
    expect(problems.get_by_role("link", name=f"{live_server.url}/account/plan/")).to_be_visible()
    expect(problems.get_by_role("link", name="Upgrade your plan")).to_have_attribute("href", "/account/plan/")
    screenshot(page, "upload refused 1280")

    # The Upgrade button leads to the plan page.
    page.get_by_test_id("plan-notice").get_by_role("link", name="Upgrade to Pro").click()
    page.wait_for_url("**/account/plan/")
    expect(page.get_by_role("heading", name="Plan", exact=True)).to_be_visible()

    # At 390 px the same pages stay usable: the menu opens inside the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    for path, label in (
        ("/dashboard/", "dashboard 390"),
        ("/publishers/create/", "create publisher 390"),
        ("/publishers/frank-tools/upload/", "upload 390"),
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_test_id("plan-notice").get_by_role("link", name="Upgrade to Pro")).to_be_visible()
        screenshot(page, label)
    page.get_by_test_id("account-menu").locator("summary").click()
    panel = page.locator(".account-menu__panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 390, panel
    screenshot(page, "header signed in menu open 390")
