"""The reviewer groups: exactly the permissions of the matrix, idempotently."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from moderation.roles import REVIEWERS, ROLE_PERMISSIONS, SENIOR_REVIEWERS, RolesError, roles_ensure
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

VIEW = {
    f"{app}.view_{model}"
    for app, model in [
        ("publishing", "submission"),
        ("publishing", "scanfinding"),
        ("publishing", "signingkey"),
        ("catalog", "package"),
        ("catalog", "release"),
        ("catalog", "publisher"),
        ("moderation", "decision"),
        ("moderation", "report"),
        ("moderation", "blockentry"),
        ("moderation", "retrohunt"),
        ("moderation", "verificationrequest"),
        ("moderation", "cannedreason"),
    ]
} | {"licensing.view_platform_totals"}
REVIEWER_EXTRA = {
    "publishing.decide_submission",
    "catalog.moderate_package",
    "moderation.add_blockentry",
    "moderation.confirm_blockentry",
    "moderation.change_report",
}
SENIOR_EXTRA = {
    "catalog.unsuspend_package",
    "moderation.add_cannedreason",
    "moderation.change_cannedreason",
    "moderation.delete_cannedreason",
    "publishing.add_scanrule",
    "publishing.change_scanrule",
    "publishing.delete_scanrule",
    "moderation.add_retrohunt",
    "moderation.change_verificationrequest",
    "moderation.change_blockentry",
}
#: What no reviewer group may ever hold.
NEVER = {
    "catalog.change_release",
    "catalog.delete_release",
    "catalog.change_package",
    "catalog.delete_package",
    "catalog.change_publisher",
    "publishing.change_submission",
    "publishing.delete_submission",
    "publishing.add_submission",
    "publishing.change_signingkey",
    "tokens.change_apitoken",
    "moderation.add_decision",
    "moderation.change_decision",
    "moderation.delete_decision",
    "auth.change_user",
    "auth.change_group",
    "licensing.view_payment",
}


def held(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_reviewers_hold_exactly_the_matrix():
    groups = roles_ensure()

    assert held(groups[REVIEWERS]) == VIEW | REVIEWER_EXTRA
    assert held(groups[SENIOR_REVIEWERS]) == VIEW | REVIEWER_EXTRA | SENIOR_EXTRA


def test_no_group_can_edit_artifacts_manifests_or_the_audit_log():
    groups = roles_ensure()

    for group in groups.values():
        assert not held(group) & NEVER, group.name
    assert "catalog.unsuspend_package" not in held(groups[REVIEWERS])
    assert not {p for p in held(groups[REVIEWERS]) if p.endswith("_scanrule")}
    assert not {p for p in held(groups[REVIEWERS]) if p.split(".")[1].startswith(("add_", "change_", "delete_"))
                and p.endswith("_cannedreason")}  # fmt: skip


def test_roles_ensure_is_idempotent_and_repairs_drift():
    first = roles_ensure()
    stray = Permission.objects.get(content_type__app_label="catalog", codename="change_release")
    first[REVIEWERS].permissions.add(stray)
    first[SENIOR_REVIEWERS].permissions.remove(
        Permission.objects.get(content_type__app_label="catalog", codename="unsuspend_package")
    )

    second = roles_ensure()

    assert Group.objects.filter(name__in=[REVIEWERS, SENIOR_REVIEWERS]).count() == 2
    assert {n: g.pk for n, g in first.items()} == {n: g.pk for n, g in second.items()}
    assert held(second[REVIEWERS]) == VIEW | REVIEWER_EXTRA
    assert held(second[SENIOR_REVIEWERS]) == VIEW | REVIEWER_EXTRA | SENIOR_EXTRA


def test_members_get_the_permissions(django_user_model):
    groups = roles_ensure()
    reviewer = make_user(django_user_model, "gina", is_staff=True)
    senior = make_user(django_user_model, "sven", is_staff=True)
    reviewer.groups.add(groups[REVIEWERS])
    senior.groups.add(groups[SENIOR_REVIEWERS])

    assert reviewer.has_perms(["publishing.decide_submission", "catalog.moderate_package"])
    assert not reviewer.has_perm("catalog.unsuspend_package")
    assert not reviewer.has_perm("catalog.change_release")
    assert senior.has_perms(["catalog.unsuspend_package", "publishing.change_scanrule"])
    assert not senior.has_perm("moderation.delete_decision")


def test_an_unknown_permission_is_an_error(monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, REVIEWERS, [*ROLE_PERMISSIONS[REVIEWERS], "moderation.fly_away"])

    with pytest.raises(RolesError, match="moderation.fly_away"):
        roles_ensure()
