"""The reviewer console: decisions through admin actions, boundaries of the Reviewers group."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from moderation.constants import Action
from moderation.models import CannedReason, Decision
from moderation.roles import roles_ensure
from publishing import services
from publishing.constants import SubmissionStatus
from publishing.models import Submission
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
def clean_submission(author, build_pkg, django_capture_on_commit_callbacks):
    """A submission without findings at medium or above, which bulk approval accepts."""
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(
            publisher=author.publisher,
            uploader=author.user,
            upload=build_pkg(id="clean-connector", name="Clean Connector").file(),
            filename="clean",
        )
    submission.refresh_from_db()
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
    assert "column-flags" in changelist.content.decode()
    assert "column-audit" in changelist.content.decode()
    body = page.content.decode()
    assert page.status_code == 200
    assert "scan.undeclared_process" in body
    assert "Hello Connector" in body and "network:api.example.com" in body


def test_reviewer_approves_through_the_admin(client, group_reviewer, clean_submission):
    client.force_login(group_reviewer)

    response = _act(client, "approve", clean_submission)

    clean_submission.refresh_from_db()
    assert "Approved 1 submission" in response.content.decode()
    assert clean_submission.status == SubmissionStatus.APPROVED
    assert clean_submission.decided_by == group_reviewer


def test_reject_without_a_note_is_refused_and_with_one_recorded(client, group_reviewer, submission):
    client.force_login(group_reviewer)

    refused = _act(client, "reject", submission)
    submission.refresh_from_db()
    assert "A note for the author is required." in refused.content.decode()
    assert submission.status == SubmissionStatus.IN_REVIEW

    _act(client, "reject", submission, note="Malware.")
    submission.refresh_from_db()
    assert (submission.status, submission.reviewer_notes) == (SubmissionStatus.REJECTED, "Malware.")


def test_reviewers_cannot_change_submissions_or_the_audit_log(client, group_reviewer, clean_submission):
    submission = clean_submission
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


# --- the queue ------------------------------------------------------------------------------


def _change(submission) -> str:
    return reverse("admin:publishing_submission_change", args=[submission.pk])


def _member(submission, path: str) -> str:
    return (
        reverse("admin:publishing_submission_member", args=[submission.pk]) + "?" + urlencode({"path": path})
    )


def test_queue_shows_submissions_in_review_oldest_place_first(client, reviewer, submission, clean_submission):
    from moderation import services as moderation

    Submission.objects.filter(pk=clean_submission.pk).update(queued_at=timezone.now() - timedelta(days=9))
    moderation.submission_reject(submission=submission, reviewer=reviewer, note="No.")
    third = Submission.objects.get(pk=clean_submission.pk)
    client.force_login(reviewer)

    body = client.get(CHANGELIST).content.decode()

    assert "clean-connector" in body
    assert "hello-connector" not in body  # rejected: not in the default view
    assert "In review (1)" in body and "Rejected (1)" in body and "All (2)" in body
    assert "Overdue" in body  # 9 days ago is past any due date
    assert third.status == SubmissionStatus.IN_REVIEW
    everything = client.get(CHANGELIST, {"status": "all"}).content.decode()
    assert everything.index("clean-connector") < everything.index("hello-connector")
    rejected = client.get(CHANGELIST, {"status": "rejected"}).content.decode()
    assert "hello-connector" in rejected and "clean-connector" not in rejected


@pytest.mark.parametrize(
    "params",
    [
        {"severity": "high"},
        {"severity": "none"},
        {"audit_verdict": "needs-review"},
        {"publisher__verification": "unverified"},
        {"new": "1"},
        {"new": "0"},
        {"lookalike": "yes"},
        {"lookalike": "no"},
        {"escalated__exact": "1"},
        {"flagged__exact": "1"},
        {"q": "hello"},
        {"o": "9"},
    ],
)
def test_queue_filters(client, reviewer, submission, clean_submission, params):
    client.force_login(reviewer)

    response = client.get(CHANGELIST, params)

    assert response.status_code == 200
    assert "?e=1" not in response.url if hasattr(response, "url") else True


def test_queue_filter_by_highest_severity(client, reviewer, submission, clean_submission):
    client.force_login(reviewer)

    high = client.get(CHANGELIST, {"severity": "high"}).content.decode()

    assert "hello-connector" in high and "clean-connector" not in high
    assert "q-sev-high" in high


def test_queue_lookalike_filter(client, reviewer, submission, clean_submission):
    Submission.objects.filter(pk=submission.pk).update(similar_to=["hello-connecter"], flagged=True)
    client.force_login(reviewer)

    body = client.get(CHANGELIST, {"lookalike": "yes"}).content.decode()

    assert "hello-connector" in body and "clean-connector" not in body
    assert "Resembles hello-connecter" in body


def test_queue_query_count_does_not_grow_with_rows(
    client, reviewer, author, build_pkg, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(reviewer)
    for number in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.submission_create(
                publisher=author.publisher,
                uploader=author.user,
                upload=build_pkg(
                    {"x.py": b"import subprocess\n"}, id=f"pkg-{number}", name=f"P {number}"
                ).file(),
                filename="x",
            )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST).status_code == 200
    for number in range(2, 8):
        with django_capture_on_commit_callbacks(execute=True):
            services.submission_create(
                publisher=author.publisher,
                uploader=author.user,
                upload=build_pkg(
                    {"x.py": b"import subprocess\n"}, id=f"pkg-{number}", name=f"P {number}"
                ).file(),
                filename="x",
            )

    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(CHANGELIST).content.decode()
    assert body.count('class="action-select"') == 8


# --- actions ---------------------------------------------------------------------------------


def test_bulk_approve_skips_submissions_with_medium_or_higher_findings(
    client, reviewer, submission, clean_submission
):
    client.force_login(reviewer)

    response = client.post(
        CHANGELIST,
        {"action": "approve", "_selected_action": [submission.pk, clean_submission.pk]},
        follow=True,
    )

    body = response.content.decode()
    submission.refresh_from_db()
    clean_submission.refresh_from_db()
    assert clean_submission.status == SubmissionStatus.APPROVED
    assert submission.status == SubmissionStatus.IN_REVIEW
    assert "Skipped 1 submission(s) with findings at medium or above" in body
    assert f"#{submission.pk} hello-connector" in body
    assert "Approved 1 submission" in body


def test_request_changes_action_without_and_with_a_note(client, reviewer, submission):
    client.force_login(reviewer)

    refused = _act(client, "request_changes", submission)
    submission.refresh_from_db()
    assert "A note for the author is required." in refused.content.decode()
    assert submission.status == SubmissionStatus.IN_REVIEW

    _act(client, "request_changes", submission, note="Declare process.")
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.CHANGES_REQUESTED
    assert submission.reviewer_notes == "Declare process."


def test_flag_action_escalates(client, reviewer, submission):
    client.force_login(reviewer)

    response = _act(client, "flag", submission, note="Looks like a reverse shell.")

    submission.refresh_from_db()
    assert "Flagged for a senior reviewer 1 submission" in response.content.decode()
    assert submission.escalated and submission.flagged
    assert submission.status == SubmissionStatus.IN_REVIEW
    assert Decision.objects.filter(submission=submission, action=Action.FLAG).exists()
    escalated = client.get(CHANGELIST, {"escalated__exact": "1"}).content.decode()
    assert "hello-connector" in escalated


def test_flag_button_on_the_submission_page(client, reviewer, submission):
    client.force_login(reviewer)
    decide = reverse("admin:publishing_submission_decide", args=[submission.pk])
    assert 'value="flag"' in client.get(_change(submission)).content.decode()

    client.post(decide, {"decision": "flag", "note": ""})

    submission.refresh_from_db()
    assert submission.escalated
    assert "Flagged for a senior reviewer." in submission.flag_reasons


def test_canned_reason_fills_an_empty_note_on_the_submission_page(client, reviewer, submission):
    reason = CannedReason.objects.create(
        title="Undeclared process", text="Declare the process permission.", action=Action.REQUEST_CHANGES
    )
    CannedReason.objects.create(title="Old", text="Unused.", action=Action.REJECT, enabled=False)
    client.force_login(reviewer)
    page = client.get(_change(submission)).content.decode()
    assert 'data-text="Declare the process permission."' in page
    assert "Undeclared process" in page and "Unused." not in page

    client.post(
        reverse("admin:publishing_submission_decide", args=[submission.pk]),
        {"decision": "request_changes", "note": "", "canned": reason.pk},
    )

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.CHANGES_REQUESTED
    assert submission.reviewer_notes == "Declare the process permission."


def test_a_typed_note_wins_over_the_canned_reason(client, reviewer, submission):
    reason = CannedReason.objects.create(title="Malware", text="Malware.", action=Action.REJECT)
    client.force_login(reviewer)

    client.post(
        reverse("admin:publishing_submission_decide", args=[submission.pk]),
        {"decision": "reject", "note": "It opens a shell.", "canned": reason.pk},
    )

    submission.refresh_from_db()
    assert submission.reviewer_notes == "It opens a shell."


def test_canned_reason_in_the_action_bar(client, reviewer, submission):
    reason = CannedReason.objects.create(title="Malware", text="Malicious code.", action=Action.REJECT)
    client.force_login(reviewer)

    client.post(CHANGELIST, {"action": "reject", "_selected_action": [submission.pk], "canned": reason.pk})

    submission.refresh_from_db()
    assert (submission.status, submission.reviewer_notes) == (SubmissionStatus.REJECTED, "Malicious code.")


def test_delete_is_not_offered(client, reviewer, submission):
    client.force_login(reviewer)

    body = client.get(CHANGELIST).content.decode()

    assert 'value="delete_selected"' not in body
    assert 'value="approve"' in body and 'value="flag"' in body


# --- the submission page -----------------------------------------------------------------------


def test_submission_page_shows_findings_files_and_history(
    client, reviewer, author, submission, clean_submission
):
    from moderation import services as moderation

    moderation.submission_reject(submission=clean_submission, reviewer=reviewer, note="No.")
    Submission.objects.filter(pk=submission.pk).update(
        replaces=clean_submission, flag_reasons=["Looks like <b>x</b>"], similar_to=["hello-connecter"]
    )
    client.force_login(reviewer)

    body = client.get(_change(submission)).content.decode()

    assert "scan.undeclared_process" in body
    assert _member(submission, "x.py").replace("&", "&amp;") + "#L1" in body  # finding links to its line
    assert "x.py:1" in body
    assert "Files in the package" in body and "README.md" in body and "argent.plugin.json" in body
    assert (
        reverse("admin:publishing_submission_change", args=[clean_submission.pk]) in body
    )  # replaces + history
    assert "(rejected)" in body
    assert "Looks like &lt;b&gt;x&lt;/b&gt;" in body
    assert "hello-connecter" in body
    assert "Reports: 0 on this package" in body
    assert "Place 1 in the new packages queue" in body
    assert author.key.fingerprint in body


def test_member_view_shows_text_escaped_with_line_numbers(client, reviewer, author, build_pkg, submit):
    pkg = build_pkg({"ui/index.html": b"<p>hi</p>\n<script>alert(1)</script>\n", "logo.png": PNG})
    submission = submit(pkg)
    client.force_login(reviewer)

    text = client.get(_member(submission, "ui/index.html"))
    binary = client.get(_member(submission, "logo.png"))
    missing = client.get(_member(submission, "nope.txt"))

    body = text.content.decode()
    assert text.status_code == 200
    assert '&lt;</span><span class="nt">script</span>' in body  # escaped, and highlighted as HTML
    assert "<script>alert(1)</script>" not in body
    assert 'id="L2"' in body
    assert binary.status_code == 200
    assert "PNG image" in binary.content.decode()
    assert hashlib.sha256(PNG).hexdigest() in binary.content.decode()
    assert "IHDR" not in binary.content.decode()
    assert missing.status_code == 404


def test_member_view_needs_view_permission(client, django_user_model, submission):
    client.force_login(make_user(django_user_model, "sam", is_staff=True))

    assert client.get(_member(submission, "x.py")).status_code == 403


PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + bytes(range(256))
