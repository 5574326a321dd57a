"""The reviewer console as a reviewer reads it: decision buttons that say
what they do, the queue's columns, what an update replaces, yes/no columns, a report's actions,
and who sees the platform's totals."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:publishing_submission_changelist")


def _change(submission) -> str:
    return reverse("admin:publishing_submission_change", args=[submission.pk])


def _buttons(body: str) -> dict[str, tuple[str, str]]:
    """The decision form's buttons: value → (class, visible text without tags)."""
    found = re.findall(
        r'<button type="submit" name="decision" value="(\w+)" class="([^"]*)">(.*?)</button>', body
    )
    return {value: (classes, re.sub(r"<[^>]+>", "", text)) for value, classes, text in found}


def test_decision_buttons_are_coloured_by_what_they_do_and_say_it_in_words(
    client, reviewer, submit, build_pkg
):
    submission = submit(build_pkg())
    client.force_login(reviewer)

    buttons = _buttons(client.get(_change(submission)).content.decode())

    assert buttons["approve"] == ("q-decision q-approve", "✓ Approve and publish")
    assert buttons["reject"] == ("q-decision q-reject", "✕ Reject")
    assert buttons["request_changes"] == ("q-decision q-changes-btn", "↩ Request changes")
    assert buttons["flag"][0] == "q-decision q-flag-btn"
    # The colours live in the static file the page links (the browser test reads them as shown).
    with open("static/css/admin-site.css", encoding="utf-8") as f:
        styles = f.read()
    assert "button.q-approve { background: #1e7e34; color: #fff; }" in styles
    assert "button.q-reject { background: #b3261e; color: #fff; }" in styles
    assert "button.q-decision:focus-visible { outline: 3px solid" in styles


def test_queue_fits_in_fewer_columns_with_new_or_update_beside_the_package(
    client, reviewer, submit, build_pkg
):
    submit(build_pkg())
    client.force_login(reviewer)

    body = client.get(QUEUE).content.decode()

    columns = re.findall(r'<th scope="col"\s+class="[^"]*column-(\w+)', body)
    assert columns[-5:] == ["package_column", "publisher_column", "flags", "audit", "age"]
    assert re.search(r'field-package_column".*hello-connector.*q-info"[^>]*>New<', body, re.S)


def _field(body: str, name: str) -> str:
    """The text of a read-only field of the submission page, tags removed."""
    match = re.search(r'<div class="readonly">(.*?)</div>', body[body.index(f"field-{name}") :], re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


def test_an_update_names_the_published_release_it_replaces(client, reviewer, publish, submit, build_pkg):
    first = publish(build_pkg())
    update = submit(build_pkg(version="1.1.0"))
    client.force_login(reviewer)

    body = client.get(_change(update)).content.decode()
    new = client.get(_change(first)).content.decode()

    assert "Changes since 1.0.0" in body
    assert _field(body, "replaces_link").startswith("hello-connector 1.0.0 (published ")
    assert reverse("admin:catalog_release_change", args=[first.release.pk]) in body
    assert _field(new, "replaces_link") == "— (a new package)"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_yes_no_fields_say_yes_or_no_in_words(
    client, reviewer, publish, submit, build_pkg, django_user_model
):
    from moderation.models import TrustedReporter
    from moderation.reports import report_create

    package = publish(build_pkg()).package
    update = submit(build_pkg(version="1.1.0"))
    trusted = make_user(django_user_model, "tess")
    TrustedReporter.objects.create(user=trusted)
    quarantined = report_create(
        package=package, reporter=trusted, reason="malware", description="Steals keys."
    )
    plain = report_create(
        package=package, reporter=make_user(django_user_model, "pat"), reason="other", description="Odd."
    )
    client.force_login(reviewer)

    submission_page = client.get(_change(update)).content.decode()
    quarantined_page = client.get(reverse("admin:moderation_report_change", args=[quarantined.pk]))
    plain_page = client.get(reverse("admin:moderation_report_change", args=[plain.pk])).content.decode()
    reports = client.get(reverse("admin:moderation_report_changelist")).content.decode()

    assert _field(submission_page, "escalated_display") == "✗ No — not flagged for a senior reviewer"
    assert 'aria-hidden="true">✗ </span>No' in submission_page
    assert _field(quarantined_page.content.decode(), "quarantined_display") == (
        "✓ Yes — the report suspended the listing at once"
    )
    assert _field(plain_page, "quarantined_display") == "✗ No"
    cells = re.findall(r'<td class="field-quarantined_column">(.*?)</td>', reports)
    assert sorted(_text(c) for c in cells) == ["✓ Yes", "✗ No"]
    assert "icon-no.svg" not in reports and "icon-yes.svg" not in reports


@pytest.fixture
def report(publish, build_pkg, django_user_model):
    from moderation.reports import report_create

    package = publish(build_pkg()).package
    return report_create(
        package=package,
        reporter=make_user(django_user_model, "pat"),
        reason="malware",
        description="Steals keys.",
    )


def test_a_reports_page_offers_suspend_close_dismiss_and_the_listings_actions(client, reviewer, report):
    client.force_login(reviewer)

    body = client.get(reverse("admin:moderation_report_change", args=[report.pk])).content.decode()

    acts = dict(re.findall(r'name="act" value="(\w+)"[^>]*>(.*?)</button>', body))
    assert {k: _text(v) for k, v in acts.items()} == {
        "suspend": "‖ Suspend the listing and close as actioned",
        "actioned": "✓ Close as actioned",
        "dismiss": "✕ Dismiss",
    }
    assert reverse("admin:catalog_package_changelist") + "?q=hello-connector" in body
    assert "The listing&#x27;s actions" in body or "The listing's actions" in body


def test_suspending_from_a_report_suspends_the_listing_and_closes_the_report(client, reviewer, report):
    from catalog.constants import ListingStatus
    from moderation.constants import ReportStatus

    client.force_login(reviewer)
    act = reverse("admin:moderation_report_act", args=[report.pk])

    empty = client.post(act, {"act": "suspend", "note": " "}, follow=True).content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN and "reason is required" in empty.lower()

    done = client.post(
        act, {"act": "suspend", "note": "Steals keys: confirmed."}, follow=True
    ).content.decode()

    report.refresh_from_db()
    report.package.refresh_from_db()
    assert "Listing suspended and report closed as actioned." in done
    assert report.package.status == ListingStatus.SUSPENDED
    assert report.package.status_reason == "Steals keys: confirmed."
    assert report.status == ReportStatus.ACTIONED and report.resolved_by == reviewer
    assert 'value="suspend"' not in done and "This report is closed (actioned)." in done


def test_a_reports_page_without_the_right_to_resolve_offers_no_buttons(client, report, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = make_user(django_user_model, "vic", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_report"))
    client.force_login(viewer)

    body = client.get(reverse("admin:moderation_report_change", args=[report.pk])).content.decode()
    refused = client.post(
        reverse("admin:moderation_report_act", args=[report.pk]), {"act": "dismiss", "note": "x"}
    )

    assert 'name="act"' not in body
    assert refused.status_code == 302
    report.refresh_from_db()
    assert report.status == "open"


@pytest.mark.parametrize("role", ["Reviewers", "Senior reviewers"])
def test_the_reviewer_groups_see_the_platform_totals_but_not_the_payments(client, django_user_model, role):
    from moderation.roles import roles_ensure

    staff = make_user(django_user_model, "stan", is_staff=True)
    staff.groups.add(roles_ensure()[role])
    client.force_login(staff)

    totals = client.get("/admin/licensing/payment/totals/")
    payments = client.get(reverse("admin:licensing_payment_changelist"))

    assert totals.status_code == 200
    assert "Platform totals" in totals.content.decode()
    assert payments.status_code == 403


def test_staff_outside_the_groups_and_without_payments_see_no_totals(client, django_user_model):
    client.force_login(make_user(django_user_model, "stan", is_staff=True))

    assert client.get("/admin/licensing/payment/totals/").status_code == 403


def test_the_file_browser_highlights_code_and_links_the_previous_and_next_file(
    client, reviewer, submit, build_pkg
):
    from django.utils.http import urlencode

    submission = submit(build_pkg({"tools/run.py": b'def run(x):\n    """Run <it>."""\n    return 1\n'}))
    member = reverse("admin:publishing_submission_member", args=[submission.pk]) + "?"
    client.force_login(reviewer)

    body = client.get(member + urlencode({"path": "tools/run.py"})).content.decode()

    assert '<span class="k">def</span><span class="w"> </span><span class="nf">run</span>' in body
    assert '<span class="sd">&quot;&quot;&quot;Run &lt;it&gt;.&quot;&quot;&quot;</span>' in body
    assert "css/pygments.css" in body and " style=" not in body
    first = client.get(member + urlencode({"path": "README.md"})).content.decode()

    def nav(page: str) -> str:
        return _text(re.search(r'<nav class="q-file-nav".*?</nav>', page, re.S).group(0))

    assert nav(body) == "← connector.json File 6 of 6 last file →"
    assert nav(first) == "← first file File 1 of 6 SHA256SUMS →"
    assert member.replace("&", "&amp;") + "path=SHA256SUMS" in first
