"""Listing actions and the flag decision: what customers and authors see afterwards."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.constants import ListingStatus
from moderation import services
from moderation.models import Decision
from publishing.constants import SubmissionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(publish, build_pkg):
    return publish(build_pkg()).package


def _download_status(client, identifier, version="1.0.0") -> int:
    response = client.get(reverse("catalog:release-download", args=[identifier, version]))
    if response.streaming:
        # Consuming the stream closes the file; calling close() again would also close the test's
        # database connection (Django's test client only guards the close done by the iterator).
        b"".join(response.streaming_content)
    return response.status_code


def _log(package, action):
    return Decision.objects.filter(package=package, action=action).get()


def test_suspend_hides_the_listing_blocks_downloads_and_shows_the_reason(client, package, reviewer):
    with pytest.raises(services.DecisionError, match="reason"):
        services.package_suspend(package=package, reviewer=reviewer, reason=" ")

    services.package_suspend(package=package, reviewer=reviewer, reason="Sends data to an unknown host.")

    page = client.get(reverse("catalog:package-detail", args=[package.identifier]))
    home = client.get(reverse("catalog:home"))
    assert page.status_code == 410 and "Sends data to an unknown host." in page.content.decode()
    assert _download_status(client, package.identifier) == 410
    assert package.identifier not in home.content.decode()
    entry = _log(package, "suspend")
    assert (entry.status_before, entry.status_after, entry.reviewer) == ("published", "suspended", reviewer)


def test_unsuspend_restores_the_listing(client, package, reviewer):
    services.package_suspend(package=package, reviewer=reviewer, reason="Checking a report.")

    services.package_unsuspend(package=package, reviewer=reviewer, note="Report was wrong.")

    package.refresh_from_db()
    assert package.status == ListingStatus.PUBLISHED
    assert client.get(reverse("catalog:package-detail", args=[package.identifier])).status_code == 200
    with pytest.raises(services.DecisionError, match="not suspended"):
        services.package_unsuspend(package=package, reviewer=reviewer)


def test_deprecate_keeps_the_listing_with_a_replacement(client, package, reviewer, publish, build_pkg):
    newer = publish(build_pkg(id="hello-connector-next", name="Hello Next")).package

    services.package_deprecate(package=package, reviewer=reviewer, reason="Superseded.", replacement=newer)

    body = client.get(reverse("catalog:package-detail", args=[package.identifier])).content.decode()
    assert "This package is deprecated" in body and "Superseded." in body
    assert newer.get_absolute_url() in body
    assert _download_status(client, package.identifier) == 200
    with pytest.raises(services.DecisionError, match="itself"):
        services.package_deprecate(package=newer, reviewer=reviewer, reason="x", replacement=newer)


def test_unlist_hides_from_browsing_but_keeps_the_address(client, package, reviewer):
    services.package_unlist(package=package, reviewer=reviewer, note="Private beta.")

    assert package.identifier not in client.get(reverse("catalog:home")).content.decode()
    page = client.get(reverse("catalog:package-detail", args=[package.identifier]))
    assert page.status_code == 200 and "unlisted" in page.content.decode()
    assert _download_status(client, package.identifier) == 200


def test_yank_moves_latest_back_and_keeps_the_version_downloadable(client, publish, build_pkg, reviewer):
    first = publish(build_pkg()).release
    second = publish(build_pkg(version="1.1.0")).release
    package = second.package
    package.refresh_from_db()
    assert package.latest_release == second

    services.release_yank(release=second, reviewer=reviewer, reason="Crashes on start.")

    package.refresh_from_db()
    second.refresh_from_db()
    assert package.latest_release == first
    assert second.yanked and second.yanked_reason == "Crashes on start."
    assert _download_status(client, package.identifier, "1.1.0") == 200
    with pytest.raises(services.DecisionError, match="yanked already"):
        services.release_yank(release=second, reviewer=reviewer, reason="again")
    assert _log(package, "yank").release == second


def test_flag_escalates_and_keeps_the_submission_in_review(submit, build_pkg, reviewer):
    submission = submit(build_pkg())

    services.submission_flag(submission=submission, reviewer=reviewer, note="Unusual network use.")

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.IN_REVIEW
    assert submission.escalated and submission.flagged
    assert "Flagged for a senior reviewer: Unusual network use." in submission.flag_reasons
    assert Decision.objects.get(submission=submission).action == "flag"


def test_listing_actions_email_the_publisher(package, reviewer, django_capture_on_commit_callbacks):
    from django.core import mail

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.package_suspend(package=package, reviewer=reviewer, reason="Malware found.")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[Argent Marketplace] hello-connector was suspended"
    assert "Malware found." in mail.outbox[0].body
