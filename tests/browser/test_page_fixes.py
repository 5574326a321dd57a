"""Small page fixes seen in a browser at 1280 and 390 px: words that never break in the middle, styled
term/value lists on the money pages, and the reviewer's decision page that fits a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import test_review_flow
from tests.browser.test_review_flow import _admin_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]

reviewers = test_review_flow.reviewers

#: The most lines any one word (a run of non-spaces) of the element matching the selector is drawn on:
#: 1 when no word is broken. With ``squeeze`` the element's box is first narrowed to ``squeeze`` pixels
#: (through the CSS object model, which the Content-Security-Policy allows), so that a word that may
#: break anywhere does, wherever it happens to fall on the line.
WORD_LINES = """([selector, squeeze]) => {
  const element = document.querySelector(selector);
  const box = squeeze ? element.parentElement : null;
  if (box) box.style.width = squeeze + "px";
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  let most = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0);
      most = Math.max(most, new Set(rects.map((r) => Math.round(r.top))).size);
    }
  }
  if (box) box.style.width = "";
  return most;
}"""

#: For each term of the lists matching the selector: [term top, value top, term left, value left].
TERM_VALUE = """(selector) => [...document.querySelectorAll(selector + ' dt')].map((dt) => {
  const dd = dt.nextElementSibling;
  const a = dt.getBoundingClientRect(), b = dd.getBoundingClientRect();
  return [Math.round(a.top), Math.round(b.top), Math.round(a.left), Math.round(b.left)];
})"""


def _login(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _terms_beside_values(page, selector: str) -> None:
    """Each term sits on its value's line, left of it, and all values start at one edge (one grid)."""
    pairs = page.evaluate(TERM_VALUE, selector)
    assert pairs, f"no terms in {selector}"
    assert all(dt_top == dd_top and dt_left < dd_left for dt_top, dd_top, dt_left, dd_left in pairs), pairs
    assert len({dd_left for *_, dd_left in pairs}) == 1, pairs


def test_identifiers_and_the_install_command_never_break_inside_a_word(
    live_server, new_page, screenshot, build_pkg, publish
):
    publish(build_pkg(id="weather-connector-with-a-long-name", name="Weather connector with a long name"))

    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/search/?q=zzzzqqq")
    expect(page.get_by_role("heading", name=re.compile("No packages match"))).to_be_visible()
    expect(page.locator(".empty-state .mono", has_text="weather-connector")).to_be_visible()
    assert page.evaluate(WORD_LINES, [".empty-state .mono", 0]) == 1
    assert page.evaluate(WORD_LINES, [".empty-state .mono", 60]) == 1
    _fits(page)
    screenshot(page, "empty search 390")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "empty search 1280")

    page.goto(f"{live_server.url}/packages/weather-connector-with-a-long-name/")
    command = page.locator("#install-command")
    expect(command).to_have_text("mkt install weather-connector-with-a-long-name")
    screenshot(page, "listing 1280")
    page.set_viewport_size({"width": 390, "height": 844})
    # Every word of the command is drawn on one line; the identifier, longer than the box, scrolls
    # inside it (the page does not widen).
    assert page.evaluate(WORD_LINES, ["#install-command", 0]) == 1
    _fits(page)
    screenshot(page, "listing 390")


def test_checkout_success_and_earnings_lists_are_laid_out_as_terms_and_values(
    live_server, new_page, screenshot, build_pkg, publish, author, django_user_model
):
    from tests.conftest import PASSWORD, make_user

    publish(build_pkg(id="paid-widget-pack", name="Paid Widget Pack", pricing="pro", price_cents=1900))
    customer = make_user(django_user_model, "carol")

    page = new_page()
    _login(page, live_server.url, customer.email, PASSWORD)
    page.goto(f"{live_server.url}/packages/paid-widget-pack/")
    page.get_by_role("complementary", name="Install").get_by_role("button", name=re.compile("Buy")).click()
    page.wait_for_url(re.compile(r"/fake-stripe/checkout/"))
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        _terms_beside_values(page, "main dl")
        _fits(page)
        screenshot(page, f"checkout {width}")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name=re.compile(r"Pay \$19\.00")).click()
    page.wait_for_url(re.compile(r"/checkout/\d+/success/"))
    expect(page.get_by_test_id("license-key")).to_be_visible(timeout=15_000)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        _terms_beside_values(page, "main dl")
        _fits(page)
        screenshot(page, f"success {width}")

    seller = new_page()
    _login(seller, live_server.url, author.email, author.password)
    seller.goto(f"{live_server.url}/publishers/{author.publisher.slug}/earnings/")
    expect(seller.get_by_test_id("account-status")).to_contain_text("Charges enabled")
    for width in (1280, 390):
        seller.set_viewport_size({"width": width, "height": 900})
        _terms_beside_values(seller, "[data-testid=account-status]")
        _fits(seller)
        screenshot(seller, f"earnings {width}")


def test_the_decision_page_with_findings_and_changes_fits_a_phone(
    live_server, new_page, screenshot, build_pkg, publish, submit, reviewers
):
    first, _ = reviewers
    publish(build_pkg(id="weather-connector-with-a-long-name", name="Weather connector with a long name"))
    # An update with a finding, a new permission (a manifest change in the diff) and a long path.
    submission = submit(
        build_pkg(
            {"agent-harness/src/argent_weather_connector/long_module_name_for_tests.py": b"x = 1\n"},
            id="weather-connector-with-a-long-name",
            name="Weather connector with a long name",
            version="1.1.0",
            permissions=["network:api.example.com", "network:geocoding-api.open-meteo.com"],
            unexpected_field_with_a_long_name="a value",
        )
    )
    assert submission.findings.exists()

    page = new_page()
    _admin_login(page, live_server.url, first)
    page.goto(f"{live_server.url}/admin/publishing/submission/{submission.pk}/change/")
    findings = page.locator("#findings-group")
    expect(findings).to_contain_text("manifest.unknown_field")
    expect(page.locator("#diff")).to_contain_text("network:geocoding-api.open-meteo.com")
    screenshot(page, "decision 1280")

    page.set_viewport_size({"width": 390, "height": 844})
    _fits(page)
    # The findings are read without scrolling sideways: nothing in their area is wider than it.
    assert findings.evaluate("(group) => group.scrollWidth <= group.clientWidth")
    expect(findings.locator("td.field-code", has_text="manifest.unknown_field")).to_be_visible()
    screenshot(page, "decision 390")
