"""The audit log admin (read-only, every target linked) and the canned reasons admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from moderation import services as moderation
from moderation.constants import Action
from moderation.models import CannedReason, Decision, TrustedReporter
from moderation.reports import report_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

AUDIT_LOG = reverse("admin:moderation_decision_changelist")
CANNED = reverse("admin:moderation_cannedreason_changelist")


@pytest.fixture
def history(build_pkg, publish, reviewer, django_user_model):
    """An approval, a yank and a suspension by the reviewer, and a trusted reporter's quarantine
    by the system (of another package)."""
    submission = publish(build_pkg())
    moderation.release_yank(release=submission.release, reviewer=reviewer, reason="Broken build.")
    package = moderation.package_suspend(
        package=submission.package, reviewer=reviewer, reason="Malware <b>here</b>."
    )
    other = publish(build_pkg(id="other-connector", name="Other")).package
    trusted = make_user(django_user_model, "tess")
    TrustedReporter.objects.create(user=trusted)
    report_create(package=other, reporter=trusted, reason="malware", description="Automatic.")
    return submission, package


def test_audit_log_links_every_target_and_names_the_system(client, reviewer, history):
    submission, package = history
    client.force_login(reviewer)

    body = client.get(AUDIT_LOG).content.decode()

    assert reverse("admin:publishing_submission_change", args=[submission.pk]) in body
    assert reverse("admin:catalog_package_change", args=[package.pk]) in body
    assert reverse("admin:catalog_release_change", args=[submission.release.pk]) in body
    assert reverse("admin:catalog_publisher_change", args=[submission.publisher.pk]) in body
    assert "system" in body and reviewer.email in body
    assert "published → suspended" in body
    assert "Malware &lt;b&gt;here&lt;/b&gt;." in body
    assert 'value="delete_selected"' not in body and "action-select" not in body


def test_audit_log_filters_search_and_date_hierarchy(
    client, reviewer, history, django_assert_max_num_queries
):
    client.force_login(reviewer)

    suspended = client.get(AUDIT_LOG, {"action__exact": Action.SUSPEND}).content.decode()
    by_reviewer = client.get(AUDIT_LOG, {"reviewer__id__exact": reviewer.pk})
    searched = client.get(AUDIT_LOG, {"q": "hello-connector"})
    with django_assert_max_num_queries(12):
        dated = client.get(AUDIT_LOG, {"created_at__year": "2099"})

    assert "Malware" in suspended and "Automatic." not in suspended
    assert by_reviewer.status_code == searched.status_code == dated.status_code == 200
    assert "0 audit log" in dated.content.decode()


def test_audit_log_is_never_editable(client, reviewer, history):
    entry = Decision.objects.first()
    client.force_login(reviewer)

    assert client.get(reverse("admin:moderation_decision_add")).status_code == 403
    assert (
        client.post(reverse("admin:moderation_decision_change", args=[entry.pk]), {"note": "x"}).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:moderation_decision_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert client.get(reverse("admin:moderation_decision_change", args=[entry.pk])).status_code == 200
    assert Decision.objects.filter(pk=entry.pk).exists()


def test_canned_reasons_are_listed_filtered_and_edited(client, reviewer):
    CannedReason.objects.create(title="Malware", text="Malicious.", action=Action.REJECT)
    CannedReason.objects.create(
        title="Declare it", text="Declare the permission.", action=Action.REQUEST_CHANGES
    )
    client.force_login(reviewer)

    rejects = client.get(CANNED, {"action__exact": Action.REJECT}).content.decode()
    searched = client.get(CANNED, {"q": "permission"}).content.decode()
    added = client.post(
        reverse("admin:moderation_cannedreason_add"),
        {"action": Action.FLAG, "title": "Senior", "text": "Needs a senior.", "enabled": "on", "position": 1},
    )

    assert "Malware" in rejects and "Declare it" not in rejects
    assert "Declare it" in searched and "Malware" not in searched
    assert added.status_code == 302
    assert CannedReason.objects.filter(title="Senior", action=Action.FLAG).exists()


def test_canned_reasons_need_the_model_permissions(client, django_user_model):
    reason = CannedReason.objects.create(title="Malware", text="Malicious.", action=Action.REJECT)
    staff = make_user(django_user_model, "viewer", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_cannedreason"))
    client.force_login(staff)

    assert client.get(CANNED).status_code == 200
    response = client.post(
        reverse("admin:moderation_cannedreason_change", args=[reason.pk]),
        {"action": Action.REJECT, "title": "Changed", "text": "x", "position": 0},
    )
    assert response.status_code == 403

    staff.user_permissions.add(Permission.objects.get(codename="change_cannedreason"))
    client.post(
        reverse("admin:moderation_cannedreason_change", args=[reason.pk]),
        {"action": Action.REJECT, "title": "Changed", "text": "x", "position": 0},
    )
    reason.refresh_from_db()
    assert reason.title == "Changed"


def test_admin_index_shows_what_waits_for_a_reviewer(client, reviewer, submit, build_pkg, django_user_model):
    from moderation.reports import report_create
    from tests.conftest import make_user

    submission = submit(build_pkg())
    report_create(
        package=submission.package,
        reporter=make_user(django_user_model, "carla"),
        reason="spam",
        description="Advertises another product.",
    )
    client.force_login(reviewer)

    body = client.get("/admin/").content.decode()

    assert "Waiting for a reviewer" in body
    assert "Submissions in the queue</a></th><td>1" in body
    assert "Open reports</a></th><td>1" in body
