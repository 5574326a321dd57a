"""A customer buys a paid package with the fake gateway, sees the key, activates it and downloads."""

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


def test_customer_buys_activates_and_downloads(live_server, new_page, screenshot, build_pkg, publish, user):
    from tests.conftest import PASSWORD

    built = build_pkg(id="paid-widget-pack", name="Paid Widget Pack", pricing="pro", price_cents=1900)
    publish(built)

    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # The listing offers the purchase; the fake gateway stands in for Stripe Checkout.
    page.goto(f"{live_server.url}/packages/paid-widget-pack/")
    page.get_by_role("button", name=re.compile(r"Buy Pro")).click()
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
