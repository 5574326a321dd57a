"""A reviewer works the queue in the admin: from the queue through an update's diff to approval,
and a second reviewer confirms a block."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]


def _admin_login(page, base: str, user) -> None:
    """Sign in as the admin asks: ``/admin/login/`` sends to the site's login, then its second factor."""
    from tests.conftest import totp_code

    page.goto(f"{base}/admin/login/")
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", user.password_for_test)
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" in url)
    page.fill("input[name=code]", totp_code(user.totp_secret_for_test))
    page.locator("form:has(input[name=code]) [type=submit]").first.click()
    page.wait_for_url(lambda url: url.rstrip("/").endswith("/admin"))


@pytest.fixture
def reviewers(django_user_model, settings):
    """Two staff with TOTP enrolled; the admin needs two-factor authentication, as in production."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from moderation.roles import roles_ensure
    from tests.conftest import PASSWORD, make_user

    settings.MFA_REQUIRED_FOR_STAFF = True
    settings.MFA_TOTP_TOLERANCE = 1
    groups = roles_ensure()
    first = make_user(django_user_model, "ruth", is_staff=True)
    first.groups.add(groups["Reviewers"])
    second = make_user(django_user_model, "sam", is_staff=True)
    second.groups.add(groups["Senior reviewers"])
    for user in (first, second):
        user.password_for_test = PASSWORD
        user.totp_secret_for_test = generate_totp_secret()
        TOTP.activate(user, user.totp_secret_for_test)
    return first, second


def test_reviewer_reads_the_diff_and_approves_then_a_second_reviewer_confirms_a_block(
    live_server, new_page, screenshot, build_pkg, publish, submit, reviewers
):
    from moderation.models import BlockEntry
    from publishing.constants import SubmissionStatus

    first, second = reviewers
    publish(build_pkg({"connector.json": b'{"name": "hello-connector", "tools": ["hello"]}\n'}))
    update = submit(
        build_pkg(
            {"connector.json": b'{"name": "hello-connector", "tools": ["hello", "goodbye"]}\n'},
            version="1.1.0",
            permissions=["network:api.example.com", "fs:read"],
        )
    )

    # The first reviewer opens the queue and the update.
    page = new_page()
    _admin_login(page, live_server.url, first)
    page.goto(f"{live_server.url}/admin/publishing/submission/")
    row = page.locator("#result_list tbody tr", has_text="hello-connector")
    expect(row).to_have_count(1)
    screenshot(page, "queue")
    row.locator("a").first.click()
    page.wait_for_url(f"**/admin/publishing/submission/{update.pk}/change/")

    # The diff against 1.0.0: the added permission and the changed line.
    expect(page.get_by_text("fs:read").first).to_be_visible()
    expect(page.get_by_text('"goodbye"').first).to_be_attached()
    screenshot(page, "update diff")

    # Approve from the decision form.
    page.locator("#decision-form button[value=approve]").click()
    expect(page.locator(".messagelist")).to_contain_text("Approved")
    update.refresh_from_db()
    assert update.status == SubmissionStatus.APPROVED

    # The first reviewer requests a hard block of the new version.
    page.goto(f"{live_server.url}/admin/moderation/blockentry/request/")
    page.fill("input[name=package]", "hello-connector")
    page.fill("input[name=version]", "1.1.0")
    page.check("input[name=severity][value=hard]")
    page.fill("textarea[name=reason]", "Exfiltrates the user's files.")
    page.locator("#content-main [type=submit]").click()
    entry = BlockEntry.objects.get()
    assert entry.confirmed_at is None

    # A second reviewer confirms it.
    other = new_page()
    _admin_login(other, live_server.url, second)
    other.goto(f"{live_server.url}/admin/moderation/blockentry/")
    other.locator(f"input[name=_selected_action][value='{entry.pk}']").check()
    other.select_option("select[name=action]", "confirm")
    other.locator("button[name=index]").click()
    screenshot(other, "block confirmed")
    entry.refresh_from_db()
    assert entry.confirmed_by_id == second.pk

    # The signed blocklist now lists it.
    blocklist = other.request.get(f"{live_server.url}/api/v1/blocklist").json()
    assert [(b["id"], b["version"]) for b in blocklist["blocklist"]] == [("hello-connector", "1.1.0")]
