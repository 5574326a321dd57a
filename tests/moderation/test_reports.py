"""Reports: filing, the trusted reporter's quarantine, resolving, the report page and the queue."""

from __future__ import annotations

import pytest
from django.core import mail

from catalog.constants import ListingStatus
from moderation.blocklist import block_confirm, block_request
from moderation.constants import Action
from moderation.models import Decision, Report, TrustedReporter
from moderation.reports import QUARANTINE_REASON, report_create, report_resolve
from moderation.services import DecisionError, package_suspend
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(publish, build_pkg):
    return publish(build_pkg()).package


@pytest.fixture
def customer(django_user_model):
    return make_user(django_user_model, "carol")


@pytest.fixture
def trusted(django_user_model, reviewer):
    user = make_user(django_user_model, "trent")
    TrustedReporter.objects.create(user=user, added_by=reviewer)
    return user


def _report_mails():
    return [m for m in mail.outbox if "report:" in m.subject]


# --- services ------------------------------------------------------------------------------------


def test_a_report_is_filed_and_the_reviewers_are_emailed(
    package, customer, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = report_create(
            package=package, reporter=customer, reason="spam", description="Ads everywhere."
        )

    assert (report.status, report.quarantined, report.reporter) == ("open", False, customer)
    package.refresh_from_db()
    assert package.status == ListingStatus.PUBLISHED
    [message] = _report_mails()
    assert message.to == [reviewer.email]
    assert "hello-connector" in message.subject and "Ads everywhere." in message.body
    assert f"/admin/moderation/report/{report.pk}/" in message.body


def test_a_trusted_reporter_quarantines_a_published_listing(
    package, trusted, django_capture_on_commit_callbacks
):
    release = package.latest_release
    with django_capture_on_commit_callbacks(execute=True):
        report = report_create(
            package=package, reporter=trusted, reason="malware", description="Reverse shell.", release=release
        )

    assert report.quarantined
    package.refresh_from_db()
    assert package.status == ListingStatus.SUSPENDED and package.status_reason == QUARANTINE_REASON
    quarantine = Decision.objects.get(action=Action.QUARANTINE)
    assert (quarantine.package, quarantine.release, quarantine.status_after) == (
        package,
        release,
        "suspended",
    )
    # One transition, one audit entry: the quarantine is not also logged as a suspension.
    assert not Decision.objects.filter(action=Action.SUSPEND, package=package).exists()
    assert "quarantined" in _report_mails()[0].subject


def test_a_trusted_report_on_a_listing_that_is_not_published_does_not_quarantine(package, trusted, reviewer):
    package_suspend(package=package, reviewer=reviewer, reason="Held.")

    report = report_create(package=package, reporter=trusted, reason="malware", description="x")

    assert not report.quarantined
    assert not Decision.objects.filter(action=Action.QUARANTINE).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"reason": "boring"}, "Unknown report reason"), ({"description": "  "}, "description is required")],
)
def test_report_create_checks_its_input(package, customer, changes, message):
    with pytest.raises(DecisionError, match=message):
        report_create(
            **{"package": package, "reporter": customer, "reason": "spam", "description": "x", **changes}
        )


def test_a_release_of_another_package_and_a_second_open_report_are_refused(
    package, customer, publish, build_pkg
):
    other = publish(build_pkg(id="another-connector")).release
    with pytest.raises(DecisionError, match="not a release of"):
        report_create(package=package, reporter=customer, reason="spam", description="x", release=other)

    report_create(package=package, reporter=customer, reason="spam", description="x")
    with pytest.raises(DecisionError, match="open report"):
        report_create(package=package, reporter=customer, reason="other", description="y")


def test_dismissing_a_quarantining_report_lifts_the_quarantine(package, trusted, reviewer):
    report = report_create(package=package, reporter=trusted, reason="malware", description="x")

    report_resolve(report=report, reviewer=reviewer, status="dismissed", note="False positive.")

    report.refresh_from_db()
    assert (report.status, report.resolved_by, report.resolution_note) == (
        "dismissed",
        reviewer,
        "False positive.",
    )
    package.refresh_from_db()
    assert package.status == ListingStatus.PUBLISHED
    resolve = Decision.objects.get(action=Action.REPORT_RESOLVE)
    assert (resolve.status_before, resolve.status_after, resolve.reviewer) == ("open", "dismissed", reviewer)
    lift = Decision.objects.get(action=Action.QUARANTINE_LIFT)
    assert (lift.status_before, lift.status_after, lift.reviewer) == ("suspended", "published", reviewer)


def test_the_quarantine_stays_while_another_quarantining_report_is_open(
    package, trusted, reviewer, django_user_model
):
    second = make_user(django_user_model, "tess")
    TrustedReporter.objects.create(user=second)
    first = report_create(package=package, reporter=trusted, reason="malware", description="x")
    # The listing is suspended already, so the second report does not quarantine it again...
    later = report_create(package=package, reporter=second, reason="malware", description="y")
    assert not later.quarantined
    # ...but a quarantining report made while it was published would hold it: simulate one.
    Report.objects.filter(pk=later.pk).update(quarantined=True)

    report_resolve(report=first, reviewer=reviewer, status="dismissed", note="No.")
    package.refresh_from_db()
    assert package.status == ListingStatus.SUSPENDED

    report_resolve(report=later, reviewer=reviewer, status="dismissed", note="No either.")
    package.refresh_from_db()
    assert package.status == ListingStatus.PUBLISHED


def test_the_quarantine_stays_under_a_hard_block_or_when_actioned(
    package, trusted, reviewer, django_user_model
):
    other_reviewer = make_user(django_user_model, "sam", is_staff=True, is_superuser=True)
    actioned = report_create(package=package, reporter=trusted, reason="malware", description="x")
    report_resolve(report=actioned, reviewer=reviewer, status="actioned", note="Confirmed malware.")
    package.refresh_from_db()
    assert package.status == ListingStatus.SUSPENDED

    Report.objects.filter(pk=actioned.pk).update(status="open")
    entry = block_request(package=package, severity="hard", reason="Malware.", reviewer=reviewer)
    block_confirm(entry=entry, reviewer=other_reviewer)  # Suspended already: no second suspension.
    report_resolve(report=actioned, reviewer=reviewer, status="dismissed", note="Block holds it.")
    package.refresh_from_db()
    assert package.status == ListingStatus.SUSPENDED


@pytest.mark.parametrize(
    ("status", "note", "message"),
    [("dismissed", " ", "note is required"), ("open", "x", "actioned or dismissed")],
)
def test_report_resolve_checks_its_input(package, customer, reviewer, status, note, message):
    report = report_create(package=package, reporter=customer, reason="spam", description="x")

    with pytest.raises(DecisionError, match=message):
        report_resolve(report=report, reviewer=reviewer, status=status, note=note)


def test_a_report_is_resolved_once(package, customer, reviewer):
    report = report_create(package=package, reporter=customer, reason="spam", description="x")
    report_resolve(report=report, reviewer=reviewer, status="actioned", note="Done.")

    with pytest.raises(DecisionError, match="actioned already"):
        report_resolve(report=report, reviewer=reviewer, status="dismissed", note="Again.")


# --- the report page ------------------------------------------------------------------------------------


def test_the_listing_page_links_to_the_report_page(client, package):
    page = client.get(package.get_absolute_url()).content.decode()

    assert "/packages/hello-connector/report/" in page


def test_reporting_needs_a_login(client, package):
    response = client.get("/packages/hello-connector/report/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_customer_reports_a_version_through_the_page(
    client, package, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    url = "/packages/hello-connector/report/"
    page = client.get(url).content.decode()
    assert "License breach" in page and "1.0.0" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "malware", "version": "1.0.0", "description": "Odd traffic."})

    assert response.status_code == 302 and response["Location"] == package.get_absolute_url()
    report = Report.objects.get()
    assert (report.reporter, report.release, report.reason) == (customer, package.latest_release, "malware")
    assert len(_report_mails()) == 1


def test_the_report_page_shows_errors(client, package, customer):
    client.force_login(customer)
    url = "/packages/hello-connector/report/"
    assert client.post(url, {"reason": "spam", "description": ""}).status_code == 200
    client.post(url, {"reason": "spam", "description": "x"})

    response = client.post(url, {"reason": "spam", "description": "again"})

    assert "open report" in response.content.decode()
    assert Report.objects.count() == 1
    assert client.get("/packages/unknown-thing/report/").status_code == 404


# --- the admin queue -----------------------------------------------------------------------------------


def test_the_queue_lists_open_reports_first_and_resolves_them_with_a_note(
    client, package, customer, trusted, reviewer, django_user_model
):
    old = report_create(package=package, reporter=customer, reason="spam", description="first")
    report_resolve(report=old, reviewer=reviewer, status="actioned", note="ok")
    quarantining = report_create(package=package, reporter=trusted, reason="malware", description="second")
    third = report_create(
        package=package, reporter=make_user(django_user_model, "dan"), reason="other", description="third"
    )
    client.force_login(reviewer)
    changelist = "/admin/moderation/report/"

    response = client.get(changelist)
    assert [r.pk for r in response.context["cl"].result_list] == [quarantining.pk, third.pk, old.pk]
    page = response.content.decode()
    assert f"/admin/catalog/package/{package.pk}/change/" in page and "Request a block" in page
    assert client.get(changelist, {"quarantined__exact": "1"}).context["cl"].result_count == 1
    assert client.get(f"{changelist}{old.pk}/change/").status_code == 200

    response = client.post(
        changelist, {"action": "dismiss", "_selected_action": [quarantining.pk], "note": ""}, follow=True
    )
    assert "note is required" in response.content.decode()
    client.post(changelist, {"action": "dismiss", "_selected_action": [quarantining.pk], "note": "Benign."})
    client.post(changelist, {"action": "mark_actioned", "_selected_action": [third.pk], "note": "Handled."})

    quarantining.refresh_from_db()
    third.refresh_from_db()
    package.refresh_from_db()
    assert (quarantining.status, third.status) == ("dismissed", "actioned")
    assert package.status == ListingStatus.PUBLISHED


def test_staff_add_a_trusted_reporter_in_the_admin(client, reviewer, customer):
    client.force_login(reviewer)

    response = client.post("/admin/moderation/trustedreporter/add/", {"user": customer.pk, "note": "CERT"})

    assert response.status_code == 302
    trusted = TrustedReporter.objects.get()
    assert (trusted.user, trusted.added_by) == (customer, reviewer)
    autocomplete = client.get(
        "/admin/autocomplete/",
        {"app_label": "moderation", "model_name": "trustedreporter", "field_name": "user", "term": "carol"},
    )
    assert autocomplete.status_code == 200 and "carol" in autocomplete.content.decode()
