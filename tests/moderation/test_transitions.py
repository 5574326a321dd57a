"""The outside review's five findings about status changes, each through every entry point.

1. A publisher lifted its own suspension (or hard block) by uploading a new version.
2. One Reviewer undid what needs a senior reviewer or two reviewers (deprecate, unlist or
   approve an update of a suspended package; deprecate a hard-blocked one).
3. A reviewer approved before the scan, and the scan was thrown away.
4. Staff with change permission edited ``Package.status`` in the admin form, unaudited.
5. A failing mail server turned committed uploads and decisions into 500s.

Every scenario is driven through each way in (services, admin actions, the decision form, the
staff API, the upload API, the web upload) and gets the same answer from
``moderation.transitions``.
"""

from __future__ import annotations

import json
import smtplib

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from catalog.constants import ListingStatus
from catalog.models import Package
from moderation import blocklist, services, transitions
from moderation.models import Decision
from moderation.roles import SENIOR_REVIEWERS, roles_ensure
from publishing import services as publishing_services
from publishing import tasks as publishing_tasks
from publishing.constants import SubmissionStatus
from publishing.models import Submission
from tests.conftest import make_user
from tokens import services as token_services

pytestmark = pytest.mark.django_db

PUBLISH = "/api/v1/publish"
QUEUE = "/cp/api/v1/admin/marketplace/queue"


class FailingEmailBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("The mail server went away.")


@pytest.fixture
def groups():
    return roles_ensure()


@pytest.fixture
def gina(django_user_model, groups):
    """A staff member of the Reviewers group (not a senior reviewer, not a superuser)."""
    user = make_user(django_user_model, "gina", is_staff=True)
    user.groups.add(groups["Reviewers"])
    return user


@pytest.fixture
def hank(django_user_model, groups):
    """A second Reviewer, to confirm gina's blocks."""
    user = make_user(django_user_model, "hank", is_staff=True)
    user.groups.add(groups["Reviewers"])
    return user


@pytest.fixture
def sonia(django_user_model, groups):
    """A Senior reviewer."""
    user = make_user(django_user_model, "sonia", is_staff=True)
    user.groups.add(groups[SENIOR_REVIEWERS])
    return user


@pytest.fixture
def package(publish, build_pkg):
    """A published package of an unverified publisher (whose updates wait for a reviewer)."""
    return publish(build_pkg()).package


@pytest.fixture
def verified(author):
    """``author``'s publisher is verified: its clean updates publish automatically."""
    author.publisher.verification = "verified"
    author.publisher.save()


@pytest.fixture
def token(author) -> str:
    return token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)[1]


@pytest.fixture
def staff_token(gina) -> str:
    return token_services.api_token_create(user=gina, name="queue bot", staff=True)[1]


def _status(package) -> str:
    package.refresh_from_db()
    return package.status


def _download(client, identifier: str, version: str = "1.0.0") -> int:
    response = client.get(reverse("catalog:release-download", args=[identifier, version]))
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


def _api_upload(client, token: str, pkg):
    upload = SimpleUploadedFile(pkg.filename, pkg.data, content_type="application/gzip")
    return client.post(PUBLISH, {"package": upload}, headers={"Authorization": f"Bearer {token}"})


def _web_upload(client, author, pkg):
    client.force_login(author.user)
    with open(pkg.path, "rb") as fh:
        return client.post(reverse("publishing:upload", args=[author.publisher.slug]), {"package": fh})


def _codes(response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def _suspend(package, reviewer):
    services.package_suspend(package=package, reviewer=reviewer, reason="Sends data to an unknown host.")


def _hard_block(package, gina, hank):
    entry = blocklist.block_request(package=package, severity="hard", reason="Reverse shell.", reviewer=gina)
    blocklist.block_confirm(entry=entry, reviewer=hank)


# --- 1. uploads do not lift a suspension or a block ----------------------------------------------


@pytest.mark.usefixtures("verified")
@pytest.mark.parametrize("hold", ["suspended", "blocked"])
@pytest.mark.parametrize("way", ["api", "web"])
def test_an_upload_to_a_suspended_or_blocked_package_is_refused(
    client, author, token, package, build_pkg, gina, hank, django_capture_on_commit_callbacks, way, hold
):
    if hold == "suspended":
        _suspend(package, gina)
    else:
        _hard_block(package, gina, hank)
    pkg = build_pkg(version="1.4.0")

    with django_capture_on_commit_callbacks(execute=True):
        response = _api_upload(client, token, pkg) if way == "api" else _web_upload(client, author, pkg)

    assert response.status_code == 403
    code = f"package.{hold}"
    if way == "api":
        assert _codes(response) == [code]
    else:
        assert [p.code for p in response.context["problems"]] == [code]
    assert _status(package) == ListingStatus.SUSPENDED
    assert not Submission.objects.filter(release__version="1.4.0").exists()
    client.logout()
    assert _download(client, package.identifier) == 410


@pytest.mark.usefixtures("verified")
def test_an_upload_to_a_published_package_of_a_verified_publisher_still_publishes(
    client, token, package, build_pkg, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _api_upload(client, token, build_pkg(version="1.4.0"))

    assert response.status_code in (201, 202)
    assert Submission.objects.get(release__version="1.4.0").status == SubmissionStatus.APPROVED
    assert _status(package) == ListingStatus.PUBLISHED


def _upload_without_worker(author, pkg, capture) -> Submission:
    """Upload ``pkg`` as ``author`` with no worker running: the verification task never starts."""
    with capture(execute=False):
        submission = publishing_services.submission_create(
            publisher=author.publisher, uploader=author.user, upload=pkg.file(), filename=pkg.filename
        )
    assert submission.status == SubmissionStatus.PENDING
    return submission


@pytest.mark.usefixtures("verified")
def test_an_update_uploaded_before_a_suspension_is_not_published_by_the_policy(
    package, build_pkg, gina, author, django_capture_on_commit_callbacks
):
    submission = _upload_without_worker(
        author, build_pkg(version="1.4.0"), django_capture_on_commit_callbacks
    )
    _suspend(package, gina)

    publishing_tasks.submission_verify(submission.pk)

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.IN_REVIEW
    assert submission.findings.filter(code="publish.blocked").exists()
    assert _status(package) == ListingStatus.SUSPENDED


# --- 2. one reviewer cannot undo what needs a senior reviewer -------------------------------------


def _admin_action(client, user, model: str, action: str, obj, reason: str = "Checking.") -> list[str]:
    client.force_login(user)
    response = client.post(
        reverse(f"admin:{model}_changelist"),
        {"action": action, "_selected_action": [obj.pk], "reason": reason},
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("action", ["deprecate", "unlist", "relist"])
def test_a_reviewer_cannot_bring_back_a_suspended_listing(client, package, gina, action):
    _suspend(package, gina)

    with pytest.raises(transitions.DecisionError) as refused:
        getattr(services, f"package_{action}")(package=package, reviewer=gina, **{
            "deprecate": {"reason": "Old."}, "unlist": {}, "relist": {},
        }[action])  # fmt: skip
    messages = _admin_action(client, gina, "catalog_package", action, package)

    assert refused.value.code == "package.suspended"
    assert any("suspended" in m for m in messages)
    assert _status(package) == ListingStatus.SUSPENDED
    client.logout()
    assert _download(client, package.identifier) == 410


def test_only_a_senior_reviewer_unsuspends(client, package, gina, sonia):
    _suspend(package, gina)

    with pytest.raises(transitions.DecisionError) as refused:
        services.package_unsuspend(package=package, reviewer=gina)
    assert refused.value.code == "permission.denied"
    assert _status(package) == ListingStatus.SUSPENDED

    services.package_unsuspend(package=package, reviewer=sonia, note="Report was wrong.")
    assert _status(package) == ListingStatus.PUBLISHED


def test_approving_an_update_of_a_suspended_package_is_refused_everywhere(
    client, package, submit, build_pkg, gina, staff_token
):
    update = submit(build_pkg(version="1.1.0", name="Hello Connector Two"))
    assert update.status == SubmissionStatus.IN_REVIEW  # An unverified publisher's update waits.
    _suspend(package, gina)

    with pytest.raises(transitions.DecisionError) as refused:
        services.submission_approve(submission=update, reviewer=gina)
    api = client.post(
        f"{QUEUE}/{update.pk}/approve", data="{}", content_type="application/json",
        headers={"Authorization": f"Bearer {staff_token}"},
    )  # fmt: skip
    client.force_login(gina)
    form = client.post(
        reverse("admin:publishing_submission_decide", args=[update.pk]), {"decision": "approve"}, follow=True
    )
    page = client.get(reverse("admin:publishing_submission_change", args=[update.pk]))

    assert refused.value.code == "package.suspended"
    assert api.status_code == 409 and _codes(api) == ["package.suspended"]
    assert any("suspended" in str(m) for m in form.context["messages"])
    assert 'value="approve"' not in page.content.decode()
    assert "suspended" in page.context["approve_refusal"]
    update.refresh_from_db()
    assert update.status == SubmissionStatus.IN_REVIEW
    assert _status(package) == ListingStatus.SUSPENDED


def test_after_a_hard_block_a_reviewer_cannot_put_the_package_back(client, package, gina, hank, sonia):
    _hard_block(package, gina, hank)

    for action in ("deprecate", "unlist"):
        with pytest.raises(transitions.DecisionError) as refused:
            getattr(services, f"package_{action}")(package=package, reviewer=gina, **(
                {"reason": "Old."} if action == "deprecate" else {}
            ))  # fmt: skip
        assert refused.value.code == "package.blocked"
    with pytest.raises(transitions.DecisionError) as refused:
        services.package_unsuspend(package=package, reviewer=sonia)
    assert refused.value.code == "package.blocked"

    assert _status(package) == ListingStatus.SUSPENDED
    listed = client.get("/api/v1/blocklist").json()["blocklist"]
    assert [row["id"] for row in listed] == [package.identifier]
    assert package.identifier not in client.get(reverse("catalog:search"), {"q": "hello"}).content.decode()


# --- 3. no decision before the checks ------------------------------------------------------------


@pytest.fixture
def unchecked(author, build_pkg, django_capture_on_commit_callbacks) -> Submission:
    """A new package whose verification task has not run yet (no worker): ``pending``."""
    pkg = build_pkg({"run.py": b"import socket, subprocess\nsubprocess.call(['/bin/sh', '-i'])\n"})
    return _upload_without_worker(author, pkg, django_capture_on_commit_callbacks)


def test_approve_before_the_checks_is_refused_everywhere_and_the_scan_is_kept(
    client, unchecked, gina, staff_token
):
    with pytest.raises(transitions.DecisionError) as refused:
        services.submission_approve(submission=unchecked, reviewer=gina)
    api = client.post(
        f"{QUEUE}/{unchecked.pk}/approve", data="{}", content_type="application/json",
        headers={"Authorization": f"Bearer {staff_token}"},
    )  # fmt: skip
    client.force_login(gina)
    form = client.post(
        reverse("admin:publishing_submission_decide", args=[unchecked.pk]),
        {"decision": "approve"},
        follow=True,
    )
    action = client.post(
        reverse("admin:publishing_submission_changelist") + "?status=all",
        {"action": "approve", "_selected_action": [unchecked.pk]},
        follow=True,
    )

    assert refused.value.code == "submission.checks_running"
    assert api.status_code == 409 and _codes(api) == ["submission.checks_running"]
    for response in (form, action):
        assert any("still being checked" in str(m) for m in response.context["messages"])
    unchecked.refresh_from_db()
    assert unchecked.status == SubmissionStatus.PENDING and unchecked.decided_at is None

    publishing_tasks.submission_verify(unchecked.pk)

    unchecked.refresh_from_db()
    assert unchecked.status == SubmissionStatus.IN_REVIEW and unchecked.checked_at is not None
    assert unchecked.findings.filter(code="scan.undeclared_process").exists()
    assert not unchecked.release.published_at
    assert not Decision.objects.filter(action="approve").exists() or all(
        d.submission_id != unchecked.pk for d in Decision.objects.filter(action="approve")
    )


def test_a_reviewer_may_reject_before_the_checks_and_the_task_keeps_the_verdict(unchecked, gina):
    services.submission_reject(submission=unchecked, reviewer=gina, note="Obvious malware.")

    publishing_tasks.submission_verify(unchecked.pk)

    unchecked.refresh_from_db()
    assert unchecked.status == SubmissionStatus.REJECTED
    assert unchecked.package.status == ListingStatus.REJECTED


def test_the_decision_page_offers_only_what_the_reviewer_may_do_now(client, unchecked, gina):
    client.force_login(gina)
    body = client.get(reverse("admin:publishing_submission_change", args=[unchecked.pk])).content.decode()

    assert 'value="approve"' not in body
    assert 'value="reject"' in body and 'value="request_changes"' in body
    assert "still being checked" in body


# --- 4. the admin form cannot write a status -----------------------------------------------------


def test_the_package_admin_form_cannot_change_the_status(client, package, reviewer):
    client.force_login(reviewer)  # A superuser: every change permission.
    url = reverse("admin:catalog_package_change", args=[package.pk])
    form = client.get(url)
    data = {
        key: value
        for key, value in form.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }

    client.post(url, {**data, "status": ListingStatus.SUSPENDED, "status_reason": "typed"})

    assert 'name="status"' not in form.content.decode()
    package.refresh_from_db()
    assert (package.status, package.status_reason) == (ListingStatus.PUBLISHED, "")
    assert not Decision.objects.filter(package=package, action="suspend").exists()


def test_the_publisher_admin_form_cannot_change_the_verification_level(client, author, reviewer):
    client.force_login(reviewer)
    body = client.get(reverse("admin:catalog_publisher_change", args=[author.publisher.pk])).content.decode()

    assert 'name="verification"' not in body


# --- 5. a failing mail server does not change the answer -----------------------------------------


@pytest.fixture
def failing_mail(settings):
    settings.EMAIL_BACKEND = "tests.moderation.test_transitions.FailingEmailBackend"


@pytest.mark.usefixtures("failing_mail")
def test_a_failing_mail_server_does_not_turn_committed_work_into_a_500(
    client, author, token, build_pkg, gina, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        published = _api_upload(client, token, build_pkg())
    assert published.status_code in (201, 202), published.content
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.IN_REVIEW

    client.force_login(gina)
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(
            reverse("admin:publishing_submission_decide", args=[submission.pk]), {"decision": "approve"}
        )
    assert decided.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.APPROVED
    assert submission.release.wrapped_artifact  # The slow step ran as a task all the same.

    package = Package.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        reported = client.post(
            reverse("moderation:package-report", args=[package.identifier]),
            {"reason": "spam", "description": "Looks like spam."},
        )
    assert reported.status_code in (200, 302)
    assert package.reports.count() == 1
    assert mail.outbox == []


class CountingFailingEmailBackend(FailingEmailBackend):
    """A mail server that refuses every message and counts the attempts."""

    attempts = 0

    def send_messages(self, email_messages):
        type(self).attempts += 1
        return super().send_messages(email_messages)


def test_a_decision_email_is_retried_when_the_mail_server_fails(settings, celery_mode, package, gina):
    from marketplace.celery import enqueue
    from moderation import tasks

    _suspend(package, gina)
    decision = Decision.objects.get(package=package, action="suspend")
    settings.EMAIL_BACKEND = "tests.moderation.test_transitions.CountingFailingEmailBackend"
    CountingFailingEmailBackend.attempts = 0

    # Sent from a request with tasks running eagerly (the demo), the failure is logged, never raised.
    assert enqueue(tasks.decision_notify, decision.pk) is False
    # Run to the end (eager retries run at once): every retry asks the mail server again.
    CountingFailingEmailBackend.attempts = 0
    celery_mode.conf.task_eager_propagates = False  # The fixture restores it.
    result = tasks.decision_notify.apply(args=[decision.pk])
    assert result.state == "FAILURE" and isinstance(result.result, smtplib.SMTPException)
    assert CountingFailingEmailBackend.attempts == 1 + tasks.decision_notify.max_retries

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.decision_notify.apply(args=[decision.pk]).state == "SUCCESS"
    assert "suspended" in mail.outbox[-1].subject


def test_a_failing_task_that_is_not_transient_is_not_retried(settings, celery_mode):
    from moderation import tasks

    settings.EMAIL_BACKEND = "tests.moderation.test_transitions.CountingFailingEmailBackend"
    CountingFailingEmailBackend.attempts = 0
    celery_mode.conf.task_eager_propagates = False  # The fixture restores it.

    result = tasks.decision_notify.apply(args=[10**9])  # No such decision: a bug, not the network.

    assert result.state == "FAILURE" and isinstance(result.result, Decision.DoesNotExist)
    assert CountingFailingEmailBackend.attempts == 0


def test_every_transition_is_documented_and_the_diagram_is_current():
    from moderation.diagrams import state_machines_markdown

    with open("docs/state-machines.md", encoding="utf-8") as fh:
        assert fh.read() == state_machines_markdown(), "run: python manage.py state_diagrams"


def test_the_staff_api_may_flag_before_the_checks(client, unchecked, staff_token):
    response = client.post(
        f"{QUEUE}/{unchecked.pk}/flag", data=json.dumps({"note": "Look."}), content_type="application/json",
        headers={"Authorization": f"Bearer {staff_token}"},
    )  # fmt: skip

    assert response.status_code == 204
    unchecked.refresh_from_db()
    assert unchecked.escalated and unchecked.status == SubmissionStatus.PENDING
