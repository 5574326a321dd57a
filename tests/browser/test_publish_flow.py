"""An author publishes through the web site; a customer finds the package.

Runs against ``live_server`` in Debian's Chromium. Celery is eager here, so
the upload's checks finish inside the upload request.
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


def test_author_uploads_and_customer_sees_published_package(
    live_server, new_page, screenshot, author, reviewer, build_pkg
):
    from moderation.services import submission_approve
    from publishing.models import Submission

    built = build_pkg(id="browser-weather", name="Browser Weather", version="2.3.4")

    # The author logs in through allauth.
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", author.email)
    page.fill("input[name=password]", author.password)
    screenshot(page, "login")
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # ... uploads the signed package through the form ...
    page.goto(f"{live_server.url}/publishers/{author.publisher.slug}/upload/")
    page.set_input_files("input[name=package]", str(built.path))
    screenshot(page, "upload form")
    page.locator("form:has(input[name=package]) [type=submit]").first.click()

    # ... and lands on the submission page with the outcome of the checks.
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    submission = Submission.objects.get()
    assert page.url.endswith(f"/submissions/{submission.pk}/")
    assert submission.status == "in-review", list(submission.findings.values_list("code", "message"))
    status = page.locator("#submission-status")
    expect(status.locator(".badge", has_text="In review")).to_be_visible()
    expect(status.get_by_role("heading", name="Scan findings")).to_be_visible()
    screenshot(page, "submission in review")

    # A reviewer approves it.
    submission_approve(submission=submission, reviewer=reviewer, note="Approved in the browser test.")
    release = submission.release
    release.refresh_from_db()
    assert release.artifact_sha256 == built.sha256

    # A customer (anonymous, fresh cookies) sees the published listing.
    customer = new_page()
    customer.goto(f"{live_server.url}/packages/browser-weather/")
    expect(customer.get_by_text("Browser Weather").first).to_be_visible()
    expect(customer.get_by_text("2.3.4").first).to_be_visible()
    expect(customer.get_by_text(built.sha256).first).to_be_attached()
    screenshot(customer, "package page")
