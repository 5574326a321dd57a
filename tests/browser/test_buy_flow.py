"""A customer buys a paid package with the fake gateway, sees the key and "Owned" on the listing, activates
it and downloads."""

from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]


def test_customer_buys_activates_and_downloads(
    live_server, new_page, screenshot, build_pkg, publish, django_user_model
):
    from tests.conftest import PASSWORD, make_user

    built = build_pkg(id="paid-widget-pack", name="Paid Widget Pack", pricing="pro", price_cents=1900)
    publish(built)
    user = make_user(django_user_model, "carol")  # a customer (the publisher's members download anyway)

    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # The listing states price, period and terms, offers the purchase and no Download that would
    # fail; the fake gateway stands in for Stripe Checkout.
    page.goto(f"{live_server.url}/packages/paid-widget-pack/")
    install = page.get_by_role("complementary", name="Install")
    expect(install.get_by_test_id("price")).to_have_text("$19 / year")
    expect(install.get_by_test_id("terms")).to_have_text(
        "1-year license, renewed yearly at $19 · 3 activations"
    )
    expect(install.get_by_role("link", name=re.compile("Download"))).to_have_count(0)
    screenshot(page, "listing not owned")
    install.get_by_role("button", name="Buy · $19 / year").click()
    page.wait_for_url(re.compile(r"/fake-stripe/checkout/"))
    screenshot(page, "fake checkout")
    page.get_by_role("button", name=re.compile(r"Pay \$19\.00")).click()

    # The success page shows the key once the signed webhook has issued the license.
    page.wait_for_url(re.compile(r"/checkout/\d+/success/"))
    key_block = page.get_by_test_id("license-key")
    expect(key_block).to_be_visible(timeout=15_000)
    key = key_block.inner_text().strip()
    assert key.startswith("ARG-")
    screenshot(page, "license key")

    # Back on the listing, the package is the customer's: "Owned", the key's last characters, the
    # install line with --license, and the Download that now works as the one primary action.
    page.goto(f"{live_server.url}/packages/paid-widget-pack/")
    expect(install.get_by_test_id("ownership")).to_have_text("Owned")
    expect(install.get_by_test_id("license-state")).to_contain_text(f"Key ending …{key[-4:]}")
    expect(install.locator("#install-command")).to_have_text("mkt install --license KEY paid-widget-pack")
    expect(install.get_by_role("button", name=re.compile("Buy"))).to_have_count(0)
    with page.expect_download() as downloaded:
        install.get_by_role("link", name="Download v1.0.0").click()
    assert hashlib.sha256(downloaded.value.path().read_bytes()).hexdigest() == built.sha256
    screenshot(page, "listing owned")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "listing owned 390")

    # The key activates through the API and unlocks the download.
    activation = page.request.post(
        f"{live_server.url}/api/v1/activate", data={"key": key, "instance_id": "laptop-1"}
    )
    assert activation.status == 200, activation.text()
    body = activation.json()
    assert (body["activations_used"], body["activations_limit"]) == (1, 3)
    anonymous = new_page()
    refused = anonymous.request.get(f"{live_server.url}/packages/paid-widget-pack/1.0.0/download")
    assert refused.status == 402
    download = anonymous.request.get(
        f"{live_server.url}/packages/paid-widget-pack/1.0.0/download", headers={"X-License-Key": key}
    )
    assert download.status == 200
    assert hashlib.sha256(download.body()).hexdigest() == built.sha256
