"""The reviewer console as a reviewer sees it: the queue fits the screen and the decision buttons say
what they do in colour and in words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import test_review_flow
from tests.browser.test_review_flow import _admin_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]

#: Two staff with TOTP enrolled, a reviewer and a senior reviewer (the review flow's fixture).
reviewers = test_review_flow.reviewers

GREEN = "rgb(30, 126, 52)"
RED = "rgb(179, 38, 30)"


def _overflow(page) -> int:
    """How many pixels the queue's table is wider than the area that shows it (0 when it fits)."""
    return page.evaluate(
        """() => {
          const table = document.querySelector('#result_list');
          const area = document.querySelector('#changelist-form .results') || table.parentElement;
          return Math.max(0, Math.ceil(table.getBoundingClientRect().width - area.clientWidth));
        }"""
    )


def test_reviewer_approves_from_the_queue_with_the_green_button(
    live_server,
    new_page,
    screenshot,
    build_pkg,
    publish,
    submit,
    reviewers,
):
    from publishing.constants import SubmissionStatus

    first, _ = reviewers
    publish(build_pkg())
    update = submit(build_pkg(version="1.1.0"))
    submit(build_pkg(id="weather-connector-with-a-long-name", name="Weather connector with a long name"))

    page = new_page()
    _admin_login(page, live_server.url, first)
    page.goto(f"{live_server.url}/admin/publishing/submission/")

    # At 1280 px the whole queue is visible, "in queue · due" included.
    header = page.locator("#result_list thead th.column-age")
    expect(header).to_contain_text("due")
    assert _overflow(page) == 0
    box = header.bounding_box()
    assert box["x"] + box["width"] <= 1280
    screenshot(page, "queue 1280")

    # At 390 px the table still fits (its rows stack) and every submission has its link.
    page.set_viewport_size({"width": 390, "height": 844})
    assert _overflow(page) == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator("#result_list tbody tr", has_text="hello-connector")).to_be_visible()
    screenshot(page, "queue 390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator("#result_list tbody tr", has_text="hello-connector").locator("a").first.click()
    page.wait_for_url(f"**/admin/publishing/submission/{update.pk}/change/")

    approve = page.locator("#decision-form button[value=approve]")
    reject = page.locator("#decision-form button[value=reject]")
    expect(approve).to_have_text("✓ Approve and publish")
    expect(reject).to_have_text("✕ Reject")
    expect(approve).to_have_css("background-color", GREEN)
    expect(reject).to_have_css("background-color", RED)
    approve.focus()
    expect(approve).to_have_css("outline-style", "solid")
    screenshot(page, "decision 1280")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(approve).to_be_visible()
    screenshot(page, "decision 390")

    approve.click()
    expect(page.locator(".messagelist")).to_contain_text("Approved")
    update.refresh_from_db()
    assert update.status == SubmissionStatus.APPROVED


def test_reviewer_suspends_a_listing_from_its_report(
    live_server,
    new_page,
    screenshot,
    build_pkg,
    publish,
    reviewers,
    django_user_model,
):
    from catalog.constants import ListingStatus
    from moderation.reports import report_create
    from tests.conftest import make_user

    first, _ = reviewers
    package = publish(build_pkg()).package
    report = report_create(
        package=package,
        reporter=make_user(django_user_model, "pat"),
        reason="malware",
        description="Steals keys.",
    )

    page = new_page()
    _admin_login(page, live_server.url, first)
    page.goto(f"{live_server.url}/admin/moderation/report/{report.pk}/change/")
    expect(page.locator("#report-actions")).to_contain_text("The listing's actions")
    suspend = page.locator("#report-actions button[value=suspend]")
    expect(suspend).to_have_css("background-color", RED)
    screenshot(page, "report 1280")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(suspend).to_be_visible()
    screenshot(page, "report 390")

    page.fill("#report-note", "Steals keys: confirmed.")
    suspend.click()
    expect(page.locator(".messagelist")).to_contain_text("Listing suspended and report closed as actioned.")
    package.refresh_from_db()
    assert package.status == ListingStatus.SUSPENDED


def test_reviewer_reads_a_highlighted_file_and_steps_to_the_next(
    live_server, new_page, screenshot, build_pkg, submit, reviewers
):
    first, _ = reviewers
    submission = submit(build_pkg({"tools/run.py": b'def run(x):\n    """Run it."""\n    return 1\n'}))

    page = new_page()
    _admin_login(page, live_server.url, first)
    page.goto(f"{live_server.url}/admin/publishing/submission/{submission.pk}/member/?path=connector.json")
    expect(page.locator(".q-file-nav")).to_contain_text("File 5 of 6")
    page.locator(".q-file-nav a[rel=next]").click()
    expect(page.locator(".q-file-nav")).to_contain_text("File 6 of 6")
    keyword = page.locator("table.q-code span.k", has_text="def").first
    expect(keyword).to_have_css("color", "rgb(0, 128, 0)")
    screenshot(page, "file 1280")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator(".q-file-nav a[rel=prev]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "file 390")
