"""An author reading their release notes on the listing.

The author uploads two versions through the upload form, each with Markdown release notes; a
reviewer approves both (the moderation service, as in ``test_publish_flow``). The submission page
shows the notes rendered; the listing shows every version, the latest one's notes open and the
older one's inside a collapsed ``<details>`` that opens with the keyboard. Screenshots at 1280 and
390 px under ``tests/browser/artifacts/``. A yanked version stays listed, marked.
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

NOTES_1_0 = "First release.\n\n- reads **CSV** files\n- writes JSON\n"
NOTES_1_1 = "## What's new\n\n- **Italian** greetings\n- a `--lang` option\n\nThanks to [Ada](https://example.com/ada)."


def upload(page, base_url: str, publisher: str, path, notes: str) -> None:
    page.goto(f"{base_url}/publishers/{publisher}/upload/")
    page.set_input_files("input[name=package]", str(path))
    page.get_by_label("Release notes").fill(notes)
    page.locator("form:has(input[name=package]) [type=submit]").first.click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))


def test_an_author_reads_their_release_notes_on_the_listing(
    live_server, new_page, screenshot, author, reviewer, build_pkg
):
    from moderation.services import release_yank, submission_approve
    from publishing.models import Submission

    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", author.email)
    page.fill("input[name=password]", author.password)
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # 1.0.0, through the upload form; the submission page shows the notes rendered.
    first = build_pkg(id="csv-notes", name="CSV Notes", version="1.0.0")
    upload(page, live_server.url, author.publisher.slug, first.path, NOTES_1_0)
    notes_card = page.locator("section[aria-labelledby=notes-title]")
    expect(notes_card.locator("li strong", has_text="CSV")).to_be_visible()
    expect(notes_card).not_to_contain_text("**")
    screenshot.widths(page, "submission page", notes_card)
    submission_approve(
        submission=Submission.objects.get(release__version="1.0.0"), reviewer=reviewer, note="Fine."
    )

    # 1.1.0, the same way.
    second = build_pkg(id="csv-notes", name="CSV Notes", version="1.1.0")
    upload(page, live_server.url, author.publisher.slug, second.path, NOTES_1_1)
    submission_approve(
        submission=Submission.objects.get(release__version="1.1.0"), reviewer=reviewer, note="Fine."
    )

    # The listing: the latest version's notes open, the older one's collapsed.
    page.goto(f"{live_server.url}/packages/csv-notes/")
    versions = page.get_by_role("region", name="Versions and release notes")
    expect(versions).to_be_visible()
    latest = versions.get_by_test_id("version-1.1.0")
    older = versions.get_by_test_id("version-1.0.0")
    expect(latest).to_have_attribute("open", "")
    expect(latest.locator("summary")).to_contain_text("latest")
    expect(latest.get_by_role("heading", name="What's new")).to_be_visible()
    expect(latest.locator("li strong", has_text="Italian")).to_be_visible()
    expect(latest.get_by_role("link", name="Ada")).to_have_attribute("href", "https://example.com/ada")
    expect(older).not_to_have_attribute("open", "")
    expect(older.locator("li strong", has_text="CSV")).to_be_attached()
    expect(older.locator("li strong", has_text="CSV")).to_be_hidden()
    screenshot.widths(page, "listing versions", versions)

    # The older notes open from the keyboard (a <summary> is a button), no JavaScript needed.
    older.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(older).to_have_attribute("open", "")
    expect(older.locator("li strong", has_text="CSV")).to_be_visible()
    screenshot.widths(page, "listing versions older open", versions)

    # A yanked version stays in the list, marked, with the reviewer's reason.
    release_yank(
        release=Submission.objects.get(release__version="1.0.0").release,
        reviewer=reviewer,
        reason="Writes invalid JSON for empty files.",
    )
    page.reload()
    expect(older.locator("summary")).to_contain_text("yanked")
    older.locator("summary").click()
    expect(older).to_contain_text("This version was yanked: Writes invalid JSON for empty files.")
    expect(latest.locator("summary")).not_to_contain_text("yanked")
    screenshot.widths(page, "listing versions yanked", versions)
