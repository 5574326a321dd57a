"""The reviewer console: decisions through admin actions, boundaries of the Reviewers group."""

from __future__ import annotations

import pytest
from django.urls import reverse

from moderation.roles import roles_ensure
from publishing import services
from publishing.constants import SubmissionStatus
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:publishing_submission_changelist")


@pytest.fixture
def submission(author, build_pkg, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(
            publisher=author.publisher,
            uploader=author.user,
            upload=build_pkg({"x.py": b"import subprocess\n"}).file(),
            filename="x",
        )
    return submission


@pytest.fixture
def group_reviewer(django_user_model):
    user = make_user(django_user_model, "gina", is_staff=True)
    user.groups.add(roles_ensure()["Reviewers"])
    return user


def _act(client, action, submission, note=""):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [submission.pk], "note": note},
        follow=True,
    )


def test_reviewer_sees_queue_findings_and_manifest(client, group_reviewer, submission):
    client.force_login(group_reviewer)

    changelist = client.get(CHANGELIST)
    page = client.get(reverse("admin:publishing_submission_change", args=[submission.pk]))

    assert "hello-connector" in changelist.content.decode()
    assert "column-flagged" in changelist.content.decode()
    assert "column-audit_verdict" in changelist.content.decode()
    body = page.content.decode()
    assert page.status_code == 200
    assert "scan.undeclared_process" in body
    assert "Hello Connector" in body and "network:api.example.com" in body


def test_reviewer_approves_through_the_admin(client, group_reviewer, submission):
    client.force_login(group_reviewer)

    response = _act(client, "approve", submission)

    submission.refresh_from_db()
    assert "Approved 1 submission" in response.content.decode()
    assert submission.status == SubmissionStatus.APPROVED
    assert submission.decided_by == group_reviewer


def test_reject_without_a_note_is_refused_and_with_one_recorded(client, group_reviewer, submission):
    client.force_login(group_reviewer)

    refused = _act(client, "reject", submission)
    submission.refresh_from_db()
    assert "A note for the author is required." in refused.content.decode()
    assert submission.status == SubmissionStatus.IN_REVIEW

    _act(client, "reject", submission, note="Malware.")
    submission.refresh_from_db()
    assert (submission.status, submission.reviewer_notes) == (SubmissionStatus.REJECTED, "Malware.")


def test_reviewers_cannot_change_submissions_or_the_audit_log(client, group_reviewer, submission):
    client.force_login(group_reviewer)
    _act(client, "approve", submission)

    change = client.post(
        reverse("admin:publishing_submission_change", args=[submission.pk]), {"status": "pending"}
    )
    decision_add = client.get(reverse("admin:moderation_decision_add"))
    submission.refresh_from_db()

    assert submission.status == SubmissionStatus.APPROVED
    assert change.status_code == 403
    assert decision_add.status_code == 403


def test_staff_without_the_group_cannot_decide(client, django_user_model, submission):
    client.force_login(make_user(django_user_model, "sam", is_staff=True))

    assert client.get(CHANGELIST).status_code == 403


def test_decision_form_on_the_submission_page(client, group_reviewer, submission):
    client.force_login(group_reviewer)
    page = client.get(reverse("admin:publishing_submission_change", args=[submission.pk]))
    decide = reverse("admin:publishing_submission_decide", args=[submission.pk])
    assert decide in page.content.decode()

    refused = client.post(decide, {"decision": "request_changes", "note": ""}, follow=True)
    submission.refresh_from_db()
    assert "A note for the author is required." in refused.content.decode()
    assert submission.status == SubmissionStatus.IN_REVIEW

    client.post(decide, {"decision": "request_changes", "note": "Declare the process permission."})
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.CHANGES_REQUESTED
    assert (
        decide
        not in client.get(
            reverse("admin:publishing_submission_change", args=[submission.pk])
        ).content.decode()
    )


def test_decision_form_needs_the_decide_permission(client, django_user_model, submission):
    staff = make_user(django_user_model, "viewer", is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_submission"))
    client.force_login(staff)

    response = client.post(
        reverse("admin:publishing_submission_decide", args=[submission.pk]), {"decision": "approve"}
    )

    submission.refresh_from_db()
    assert response.status_code == 403
    assert submission.status == SubmissionStatus.IN_REVIEW
