"""The create-publisher slug follows the name as it is typed; a plan upgrade is confirmed on the page
and by e-mail; a package without code says so; the site's e-mails render in their layout.
Screenshots at 1280 and 390 px."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user
from tests.marketplace.emails import html_part

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _both_widths(page, screenshot, label: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"{label} 390")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, f"{label} 1280")


def test_the_publisher_slug_follows_the_name_until_edited(
    live_server, new_page, screenshot, django_user_model
):
    make_user(django_user_model, "sam")
    page = new_page()
    _login(page, live_server.url, "sam@example.com")
    page.goto(f"{live_server.url}/publishers/create/")
    name, slug = page.get_by_label("Name"), page.get_by_label("Slug")

    name.press_sequentially("Café Tools & Co")
    expect(slug).to_have_value("cafe-tools-co")
    _both_widths(page, screenshot, "create publisher slug follows")

    slug.fill("my-tools")
    name.press("End")
    name.press_sequentially(" Europe")
    expect(slug).to_have_value("my-tools")

    slug.fill("")
    name.press("End")
    name.press_sequentially("!")
    expect(slug).to_have_value("cafe-tools-co-europe")
    page.get_by_role("button", name="Create publisher").click()
    expect(page.locator("body")).to_contain_text("Publisher “Café Tools & Co Europe!” created")


def test_upgrading_shows_a_confirmation_and_sends_an_e_mail(
    live_server, new_page, screenshot, django_user_model
):
    make_user(django_user_model, "paula")
    page = new_page()
    _login(page, live_server.url, "paula@example.com")
    page.goto(f"{live_server.url}/account/plan/")
    page.get_by_role("button", name="Upgrade to Pro").first.click()
    page.get_by_role("button", name="Pay").click()

    expect(page.locator(".alert-success, [role=status]").first).to_contain_text(
        "You are now on the Pro plan."
    )
    _both_widths(page, screenshot, "plan page after upgrade")
    (message,) = [m for m in mail.outbox if m.subject.endswith("You are on the Pro plan")]

    # An e-mail is not a served page: shown on a blank page, outside the site's CSP.
    page = new_page()
    page.set_content(html_part(message))
    expect(page.locator("body")).to_contain_text("you are now on the Pro plan of Argent Marketplace")
    expect(page.get_by_role("link", name="Argent Marketplace")).to_be_visible()
    _both_widths(page, screenshot, "plan confirmation e-mail")


def test_the_sign_up_e_mail_renders_in_the_layout(live_server, new_page, screenshot):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", "newbie@example.com")
    page.fill("input[name=password1]", "a sturdy passphrase 42")
    page.fill("input[name=password2]", "a sturdy passphrase 42")
    page.locator("form:has(input[name=password2]) [type=submit]").first.click()
    page.wait_for_url("**/accounts/confirm-email/")
    (message,) = mail.outbox

    page = new_page()
    page.set_content(html_part(message))
    expect(page.locator("body")).not_to_contain_text("Hello from")
    expect(page.get_by_role("link", name="/accounts/confirm-email/")).to_be_visible()
    _both_widths(page, screenshot, "sign up e-mail")


def test_a_package_without_code_says_so(live_server, new_page, screenshot, build_pkg, submit):
    submission = submit(build_pkg())
    page = new_page()
    _login(page, live_server.url, submission.submitted_by.email)
    page.goto(f"{live_server.url}{submission.get_absolute_url()}")

    expect(page.get_by_text("Audit: no code to scan")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("100/100")
    _both_widths(page, screenshot, "submission without code")
