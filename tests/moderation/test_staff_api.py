"""The Cloud OS staff API (docs/api.md, "Staff API"): the queue, approve, reject, flag, and who may call them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from moderation.constants import Action
from moderation.models import Decision
from moderation.roles import roles_ensure
from publishing.constants import SubmissionStatus
from publishing.models import Submission
from tests.conftest import make_user
from tokens import services as token_services

pytestmark = pytest.mark.django_db

BASE = "/cp/api/v1/admin/marketplace"
QUEUE = f"{BASE}/queue"


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def codes(response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


@pytest.fixture
def group_reviewer(django_user_model):
    user = make_user(django_user_model, "gina", is_staff=True)
    user.groups.add(roles_ensure()["Reviewers"])
    return user


@pytest.fixture
def staff_token(group_reviewer) -> str:
    return token_services.api_token_create(user=group_reviewer, name="queue bot", staff=True)[1]


@pytest.fixture
def submissions(submit, build_pkg) -> list[Submission]:
    """Three submissions in review; the queue order is the reverse of creation (queued_at moved)."""
    made = [submit(build_pkg(id=f"queue-item-{n}")) for n in range(3)]
    base = timezone.now() - timedelta(days=1)
    for offset, submission in zip((3, 2, 1), made, strict=True):
        Submission.objects.filter(pk=submission.pk).update(queued_at=base + timedelta(hours=offset))
    assert {s.status for s in made} == {SubmissionStatus.IN_REVIEW}
    return made


def post(client, path: str, raw: str, body: dict | None = None):
    return client.post(
        path, data=json.dumps(body or {}), content_type="application/json", headers=bearer(raw)
    )


# --- who may call ----------------------------------------------------------------------------


def test_401_without_a_token(client):
    response = client.get(QUEUE)

    assert response.status_code == 401
    assert response.json()["ok"] is False
    assert codes(response) == ["auth.required"]
    assert post(client, f"{QUEUE}/1/approve", "").status_code == 401


def test_401_with_an_unknown_token(client):
    response = client.get(QUEUE, headers=bearer("mkt_" + "x" * 43))

    assert response.status_code == 401
    assert codes(response) == ["token.unknown"]


def test_403_for_an_author_token(client, author, submissions):
    _, raw = token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)

    assert codes(client.get(QUEUE, headers=bearer(raw))) == ["permission.denied"]
    response = post(client, f"{QUEUE}/{submissions[0].pk}/approve", raw)
    assert response.status_code == 403
    assert codes(response) == ["permission.denied"]
    assert Submission.objects.get(pk=submissions[0].pk).status == SubmissionStatus.IN_REVIEW


def test_403_for_a_staff_token_of_a_user_no_longer_staff(client, group_reviewer, staff_token):
    type(group_reviewer).objects.filter(pk=group_reviewer.pk).update(is_staff=False)

    response = client.get(QUEUE, headers=bearer(staff_token))

    assert response.status_code == 403
    assert codes(response) == ["permission.denied"]


def test_403_for_staff_without_a_reviewer_group(client, django_user_model, submissions):
    staff = make_user(django_user_model, "sam", is_staff=True)
    _, raw = token_services.api_token_create(user=staff, name="staff", staff=True)

    assert client.get(QUEUE, headers=bearer(raw)).status_code == 403
    assert post(client, f"{QUEUE}/{submissions[0].pk}/flag", raw).status_code == 403


def test_deciding_needs_the_decide_permission(client, django_user_model, submissions):
    viewer = make_user(django_user_model, "vera", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_submission"))
    _, raw = token_services.api_token_create(user=viewer, name="read only", staff=True)

    assert client.get(QUEUE, headers=bearer(raw)).status_code == 200
    response = post(client, f"{QUEUE}/{submissions[0].pk}/approve", raw)
    assert response.status_code == 403
    assert codes(response) == ["permission.denied"]


def test_a_superuser_staff_token_works(client, reviewer, submissions):
    _, raw = token_services.api_token_create(user=reviewer, name="admin", staff=True)

    assert client.get(QUEUE, headers=bearer(raw)).json()["total"] == 3


# --- the queue -------------------------------------------------------------------------------


def test_queue_lists_awaiting_submissions_oldest_first(client, staff_token, submissions, publish, build_pkg):
    publish(build_pkg(id="already-published"))  # decided: not in the queue

    response = client.get(QUEUE, headers=bearer(staff_token))

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["total"] == 3
    assert (body["page"], body["limit"]) == (1, 20)
    assert [item["id"] for item in body["items"]] == [s.pk for s in reversed(submissions)]
    item = body["items"][-1]
    submission = Submission.objects.get(pk=submissions[0].pk)
    assert set(item) == {
        "id", "packageId", "version", "publisher", "kind", "isNewPackage", "flagged", "escalated",
        "highestSeverity", "auditScore", "auditVerdict", "queuedAt", "dueAt", "overdue", "url",
    }  # fmt: skip
    assert item["packageId"] == "queue-item-0"
    assert item["version"] == "1.0.0"
    assert item["publisher"] == "alice-tools"
    assert item["kind"] == "connector"
    assert item["isNewPackage"] is True
    assert item["flagged"] is submission.flagged
    assert item["escalated"] is False
    assert item["highestSeverity"] == submission.highest_severity
    assert item["auditScore"] == submission.audit_score
    assert item["auditVerdict"] == (submission.audit_verdict or None)
    assert item["queuedAt"] == submission.queued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert item["dueAt"].endswith("Z")
    assert item["overdue"] is False
    assert item["url"].endswith(f"/admin/publishing/submission/{submission.pk}/change/")


def test_queue_marks_overdue_submissions_and_findings(client, staff_token, submit, build_pkg):
    submission = submit(build_pkg({"run.py": b"import subprocess\n"}, id="risky-one"))
    Submission.objects.filter(pk=submission.pk).update(queued_at=datetime(2020, 1, 6, 9, tzinfo=UTC))

    item = client.get(QUEUE, headers=bearer(staff_token)).json()["items"][0]

    assert item["overdue"] is True
    assert item["queuedAt"] == "2020-01-06T09:00:00Z"
    assert item["dueAt"] == "2020-01-13T09:00:00Z"  # 5 working days for a new package
    assert item["highestSeverity"] in {"medium", "high", "critical"}
    assert item["flagged"] is True


def test_queue_pages(client, staff_token, submissions):
    first = client.get(QUEUE, {"limit": 2}, headers=bearer(staff_token)).json()
    second = client.get(QUEUE, {"limit": 2, "page": 2}, headers=bearer(staff_token)).json()
    beyond = client.get(QUEUE, {"limit": 2, "page": 3}, headers=bearer(staff_token)).json()

    assert [i["id"] for i in first["items"] + second["items"]] == [s.pk for s in reversed(submissions)]
    assert (first["total"], second["total"], len(first["items"]), len(second["items"])) == (3, 3, 2, 1)
    assert beyond["items"] == []


@pytest.mark.parametrize("query", [{"limit": 101}, {"limit": 0}, {"page": 0}, {"page": "x"}])
def test_queue_rejects_bad_paging(client, staff_token, query):
    response = client.get(QUEUE, query, headers=bearer(staff_token))

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] in {"limit", "page"}


def test_queue_makes_no_query_per_item(client, staff_token, submit, build_pkg):
    submit(build_pkg({"run.py": b"import subprocess\n"}, id="first-pkg"))
    client.get(QUEUE, headers=bearer(staff_token))  # warm up: the token's last use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert client.get(QUEUE, headers=bearer(staff_token)).json()["total"] == 1
    for n in range(4):
        submit(build_pkg({"run.py": b"import subprocess\n"}, id=f"more-pkg-{n}"))
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(QUEUE, headers=bearer(staff_token)).json()["items"]) == 5

    assert len(five) == len(one)


# --- decisions -------------------------------------------------------------------------------


def test_approve(client, staff_token, group_reviewer, submissions, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, f"{QUEUE}/{submissions[0].pk}/approve", staff_token, {"note": "Looks good."})

    assert response.status_code == 204
    assert response.content == b""
    submission = Submission.objects.get(pk=submissions[0].pk)
    assert submission.status == SubmissionStatus.APPROVED
    assert submission.decided_by == group_reviewer
    decision = Decision.objects.get(submission=submission)
    assert (decision.action, decision.reviewer, decision.note) == (
        Action.APPROVE,
        group_reviewer,
        "Looks good.",
    )
    assert client.get(QUEUE, headers=bearer(staff_token)).json()["total"] == 2


def test_approve_without_a_body(client, staff_token, submissions):
    response = client.post(f"{QUEUE}/{submissions[0].pk}/approve", headers=bearer(staff_token))

    assert response.status_code == 204


def test_reject_needs_a_note(client, staff_token, submissions):
    for body in ({}, {"note": "   "}):
        response = post(client, f"{QUEUE}/{submissions[0].pk}/reject", staff_token, body)

        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"code": "note.required", "field": "note", "message": "A note for the author is required."}
        ]
    assert Submission.objects.get(pk=submissions[0].pk).status == SubmissionStatus.IN_REVIEW

    response = post(client, f"{QUEUE}/{submissions[0].pk}/reject", staff_token, {"note": "Malware."})

    assert response.status_code == 204
    submission = Submission.objects.get(pk=submissions[0].pk)
    assert (submission.status, submission.reviewer_notes) == (SubmissionStatus.REJECTED, "Malware.")


def test_flag_escalates_and_keeps_it_in_the_queue(client, staff_token, group_reviewer, submissions):
    response = post(client, f"{QUEUE}/{submissions[0].pk}/flag", staff_token, {"note": "Odd network use."})

    assert response.status_code == 204
    submission = Submission.objects.get(pk=submissions[0].pk)
    assert (submission.status, submission.flagged, submission.escalated) == (
        SubmissionStatus.IN_REVIEW,
        True,
        True,
    )
    assert Decision.objects.get(submission=submission, action=Action.FLAG).reviewer == group_reviewer
    items = client.get(QUEUE, headers=bearer(staff_token)).json()["items"]
    assert next(i for i in items if i["id"] == submission.pk)["escalated"] is True


def test_409_when_the_submission_is_not_awaiting_a_decision(client, staff_token, submissions):
    target = f"{QUEUE}/{submissions[0].pk}"
    assert post(client, f"{target}/approve", staff_token).status_code == 204

    for decision, body in (("approve", {}), ("reject", {"note": "No."}), ("flag", {})):
        response = post(client, f"{target}/{decision}", staff_token, body)

        assert response.status_code == 409
        assert codes(response) == ["submission.not_decidable"]
    assert Decision.objects.filter(submission_id=submissions[0].pk).count() == 1


def test_409_while_the_checks_run(client, staff_token, submissions):
    Submission.objects.filter(pk=submissions[0].pk).update(status=SubmissionStatus.SCANNING)

    response = post(client, f"{QUEUE}/{submissions[0].pk}/approve", staff_token)

    assert response.status_code == 409
    assert codes(response) == ["submission.checks_running"]


def test_404_for_an_unknown_submission(client, staff_token):
    response = post(client, f"{QUEUE}/999999/approve", staff_token)

    assert response.status_code == 404
    assert codes(response) == ["not_found"]


def test_get_on_a_decision_is_405(client, staff_token, submissions):
    response = client.get(f"{QUEUE}/{submissions[0].pk}/approve", headers=bearer(staff_token))

    assert response.status_code == 405
    assert codes(response) == ["request.method_not_allowed"]


# --- schema ----------------------------------------------------------------------------------


def test_the_staff_api_is_in_the_openapi_schema(client):
    schema = json.loads(
        client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).content
    )

    queue = schema["paths"]["/cp/api/v1/admin/marketplace/queue"]["get"]
    assert {"200", "400", "401", "403"} <= set(queue["responses"])
    assert {p["name"] for p in queue["parameters"]} >= {"page", "limit"}
    for decision in ("approve", "reject", "flag"):
        operation = schema["paths"][f"/cp/api/v1/admin/marketplace/queue/{{id}}/{decision}"]["post"]
        assert {"204", "401", "403", "404", "409"} <= set(operation["responses"])
        assert "application/json" in operation["requestBody"]["content"]
