"""The permission boundary of the reviewer groups, through the admin, with the real groups.

Reviewers decide, view and moderate listings; they never edit what authors uploaded
(releases, submissions), the audit log, scan rules or canned reasons, and never lift a
suspension. Senior reviewers may do the last three.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.constants import ListingStatus
from catalog.models import Package
from moderation import services as moderation
from moderation.models import CannedReason, Decision
from moderation.roles import REVIEWERS, SENIOR_REVIEWERS, roles_ensure
from publishing.constants import SubmissionStatus
from publishing.models import ScanRule
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def member_of(django_user_model, username: str, group: str | None):
    user = make_user(django_user_model, username, is_staff=True)
    if group:
        user.groups.add(roles_ensure()[group])
    return user


@pytest.fixture
def gina(django_user_model):
    """A member of Reviewers."""
    return member_of(django_user_model, "gina", REVIEWERS)


@pytest.fixture
def sven(django_user_model):
    """A member of Senior reviewers."""
    return member_of(django_user_model, "sven", SENIOR_REVIEWERS)


@pytest.fixture
def bare_staff(django_user_model):
    """Staff in no group."""
    return member_of(django_user_model, "sam", None)


@pytest.fixture
def submission(submit, build_pkg):
    submission = submit(build_pkg())
    assert submission.status == SubmissionStatus.IN_REVIEW
    return submission


@pytest.fixture
def suspended(publish, build_pkg, reviewer) -> Package:
    package = publish(build_pkg(id="to-suspend")).package
    return moderation.package_suspend(package=package, reviewer=reviewer, reason="Malware reported.")


@pytest.fixture
def decision(submission, reviewer) -> Decision:
    moderation.submission_flag(submission=submission, reviewer=reviewer, note="Look closer.")
    return Decision.objects.get(submission=submission)


@pytest.fixture
def canned() -> CannedReason:
    return CannedReason.objects.create(title="Malware", text="The package contains malware.", action="reject")


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def offered_actions(response) -> set[str]:
    return {name for name, _ in response.context["action_form"].fields["action"].choices if name}


def run_action(client, changelist: str, action: str, objects, **extra):
    return client.post(changelist, {"action": action, "_selected_action": [o.pk for o in objects], **extra})


# --- submissions ---------------------------------------------------------------------------------


def test_reviewer_opens_the_queue_and_a_submission(client, gina, submission):
    client.force_login(gina)

    assert client.get(admin_url("publishing_submission_changelist")).status_code == 200
    page = client.get(admin_url("publishing_submission_change", submission.pk))
    assert page.status_code == 200
    assert "hello-connector" in page.content.decode()


def test_reviewer_approves_through_the_decision_endpoint(client, gina, submission):
    client.force_login(gina)

    response = client.post(admin_url("publishing_submission_decide", submission.pk), {"decision": "approve"})

    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.status, submission.decided_by) == (SubmissionStatus.APPROVED, gina)


def test_reviewer_cannot_change_a_submission(client, gina, submission):
    client.force_login(gina)

    response = client.post(
        admin_url("publishing_submission_change", submission.pk),
        {"status": SubmissionStatus.APPROVED, "reviewer_notes": "edited", "flagged": "on"},
    )

    assert response.status_code == 403
    submission.refresh_from_db()
    assert (submission.status, submission.reviewer_notes) == (SubmissionStatus.IN_REVIEW, "")


def test_reviewer_cannot_change_a_release_or_a_listing(client, gina, submission):
    client.force_login(gina)
    release, package = submission.release, submission.package
    manifest, version = dict(release.manifest), release.version

    assert client.get(admin_url("catalog_release_change", release.pk)).status_code == 200  # read-only
    response = client.post(
        admin_url("catalog_release_change", release.pk),
        {"version": "9.9.9", "manifest": '{"id": "evil"}', "artifact_sha256": "0" * 64},
    )
    assert response.status_code == 403
    assert client.post(admin_url("catalog_release_delete", release.pk), {"post": "yes"}).status_code == 403
    assert (
        client.post(admin_url("catalog_package_change", package.pk), {"display_name": "Evil"}).status_code
        == 403
    )

    release.refresh_from_db()
    package.refresh_from_db()
    assert (release.manifest, release.version) == (manifest, version)
    assert package.display_name == "Hello Connector"


def test_staff_without_a_group_cannot_see_the_queue(client, bare_staff, submission):
    client.force_login(bare_staff)

    assert client.get(admin_url("publishing_submission_changelist")).status_code == 403
    assert client.get(admin_url("publishing_submission_change", submission.pk)).status_code == 403
    response = client.post(admin_url("publishing_submission_decide", submission.pk), {"decision": "approve"})
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.IN_REVIEW


# --- the audit log -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["gina", "sven"])
def test_nobody_in_the_groups_edits_the_audit_log(client, request, who, decision):
    client.force_login(request.getfixturevalue(who))

    assert client.get(admin_url("moderation_decision_changelist")).status_code == 200
    assert client.get(admin_url("moderation_decision_change", decision.pk)).status_code == 200
    assert client.get(admin_url("moderation_decision_add")).status_code == 403
    assert (
        client.post(admin_url("moderation_decision_add"), {"action": "approve", "note": "x"}).status_code
        == 403
    )
    response = client.post(
        admin_url("moderation_decision_change", decision.pk), {"action": "approve", "note": "x"}
    )
    assert response.status_code == 403
    assert (
        client.post(admin_url("moderation_decision_delete", decision.pk), {"post": "yes"}).status_code == 403
    )

    decision.refresh_from_db()
    assert (decision.action, decision.note) == ("flag", "Look closer.")
    assert Decision.objects.count() == 1


# --- listings: suspend is for reviewers, unsuspend for senior reviewers --------------------------


def test_reviewer_may_suspend_but_not_unsuspend(client, gina, suspended):
    client.force_login(gina)
    changelist = admin_url("catalog_package_changelist")

    offered = offered_actions(client.get(changelist))
    assert "suspend" in offered
    assert "unsuspend" not in offered

    run_action(client, changelist, "unsuspend", [suspended], reason="Cleared.")

    suspended.refresh_from_db()
    assert suspended.status == ListingStatus.SUSPENDED


def test_senior_reviewer_unsuspends(client, sven, suspended):
    client.force_login(sven)
    changelist = admin_url("catalog_package_changelist")

    assert "unsuspend" in offered_actions(client.get(changelist))
    run_action(client, changelist, "unsuspend", [suspended], reason="Cleared.")

    suspended.refresh_from_db()
    assert suspended.status == ListingStatus.PUBLISHED


# --- scan rules ----------------------------------------------------------------------------------


def rule_form(rule: ScanRule, **changes) -> dict:
    return {
        "name": rule.name,
        "description": rule.description,
        "source": rule.source,
        "severity": rule.severity,
        "enabled": "on" if rule.enabled else "",
        **changes,
    }


def test_reviewer_cannot_edit_scan_rules(client, gina):
    rule = ScanRule.objects.order_by("pk").first()
    client.force_login(gina)

    assert client.get(admin_url("publishing_scanrule_changelist")).status_code == 403
    response = client.post(
        admin_url("publishing_scanrule_change", rule.pk), rule_form(rule, description="off")
    )
    assert response.status_code == 403
    assert client.post(admin_url("publishing_scanrule_add"), rule_form(rule, name="copy")).status_code == 403
    assert client.post(admin_url("publishing_scanrule_delete", rule.pk), {"post": "yes"}).status_code == 403

    assert ScanRule.objects.get(pk=rule.pk).description == rule.description


def test_senior_reviewer_edits_scan_rules(client, sven):
    rule = ScanRule.objects.order_by("pk").first()
    client.force_login(sven)

    response = client.post(
        admin_url("publishing_scanrule_change", rule.pk), rule_form(rule, description="Reworded by a senior.")
    )

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert ScanRule.objects.get(pk=rule.pk).description == "Reworded by a senior."
    assert client.post(admin_url("publishing_scanrule_delete", rule.pk), {"post": "yes"}).status_code == 302
    assert not ScanRule.objects.filter(pk=rule.pk).exists()


# --- canned reasons ------------------------------------------------------------------------------


def canned_form(**fields) -> dict:
    return {"action": "reject", "title": "Spam", "text": "This listing is spam.", "enabled": "on", "position": 0,
            **fields}  # fmt: skip


def test_reviewer_reads_but_cannot_edit_canned_reasons(client, gina, canned):
    client.force_login(gina)
    before = set(CannedReason.objects.values_list("pk", "title"))

    assert client.get(admin_url("moderation_cannedreason_changelist")).status_code == 200
    assert client.post(admin_url("moderation_cannedreason_add"), canned_form()).status_code == 403
    response = client.post(
        admin_url("moderation_cannedreason_change", canned.pk), canned_form(title="Edited")
    )
    assert response.status_code == 403
    assert (
        client.post(admin_url("moderation_cannedreason_delete", canned.pk), {"post": "yes"}).status_code
        == 403
    )

    assert set(CannedReason.objects.values_list("pk", "title")) == before


def test_senior_reviewer_edits_canned_reasons(client, sven, canned):
    client.force_login(sven)

    assert client.post(admin_url("moderation_cannedreason_add"), canned_form()).status_code == 302
    assert CannedReason.objects.filter(title="Spam", text="This listing is spam.").exists()
    response = client.post(
        admin_url("moderation_cannedreason_change", canned.pk), canned_form(title="Edited")
    )
    assert response.status_code == 302
    assert CannedReason.objects.get(pk=canned.pk).title == "Edited"
    delete = client.post(admin_url("moderation_cannedreason_delete", canned.pk), {"post": "yes"})
    assert delete.status_code == 302
    assert not CannedReason.objects.filter(pk=canned.pk).exists()
