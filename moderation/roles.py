"""The reviewer groups and their permissions.

``roles_ensure()`` creates the groups and sets each one's permissions to exactly
:data:`ROLE_PERMISSIONS` (idempotent: extra permissions added by hand are removed
again). ``load_demo`` calls it; so can a data migration or a deploy step.

The matrix (``V`` view, ``A`` add, ``C`` change, ``D`` delete; blank: nothing)

=================================  =========================  ==============================
object                             Reviewers                  Senior reviewers
=================================  =========================  ==============================
submission                         V, decide                  V, decide
scan finding                       V                          V
signing key                        V                          V
package (listing)                  V, moderate                V, moderate, unsuspend
release                            V                          V
publisher                          V                          V
audit log (decision)               V                          V
report                             V, C (resolve)             V, C (resolve)
block entry                        V, A (request), confirm    V, A (request), confirm, C (lift)
retro-hunt                         V                          V, A (start)
verification request               V                          V, C (grant / refuse)
canned reason                      V                          V, A, C, D
platform totals (page)             V                          V
scan rule                                                     V (implied), A, C, D
=================================  =========================  ==============================

* ``decide``: ``publishing.decide_submission`` (approve, reject, request changes, flag).
* ``moderate``: ``catalog.moderate_package`` (suspend, deprecate, unlist, list again; yank a release).
* ``unsuspend``: ``catalog.unsuspend_package`` (lift a suspension; a quarantine is also lifted by
  dismissing its report).

Which role may take which status change, from which states and under which guards, is declared
once in ``moderation/transitions.py`` (``docs/state-machines.md``).
* ``confirm``: ``moderation.confirm_blockentry`` (confirm another reviewer's block).

What no reviewer group ever holds: ``change_release`` / ``change_submission`` (manifests and
artifacts are what the author uploaded), ``add/change/delete_decision`` (the audit log is
append-only, written by ``moderation.services``), ``change_publisher`` (members and
verification level of a publisher change through the verification request, not by editing the
row), ``change_package`` (listing fields mirror the manifest; status changes go through the
moderation services), nor anything on users, groups, tokens or kinds.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

REVIEWERS = "Reviewers"
SENIOR_REVIEWERS = "Senior reviewers"

#: What every reviewer may see.
_VIEW = [
    "publishing.view_submission",
    "publishing.view_scanfinding",
    "publishing.view_signingkey",
    "catalog.view_package",
    "catalog.view_release",
    "catalog.view_publisher",
    "moderation.view_decision",
    "moderation.view_report",
    "moderation.view_blockentry",
    "moderation.view_retrohunt",
    "moderation.view_verificationrequest",
    "moderation.view_cannedreason",
    # The platform totals page (README: staff see it), not the payments themselves.
    "licensing.view_platform_totals",
]

_REVIEWERS = [
    *_VIEW,
    "publishing.decide_submission",
    "catalog.moderate_package",
    "moderation.add_blockentry",
    "moderation.confirm_blockentry",
    "moderation.change_report",
]

_SENIOR_REVIEWERS = [
    *_REVIEWERS,
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
]

#: Group name → ``app_label.codename`` permissions it holds, exactly.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    REVIEWERS: _REVIEWERS,
    SENIOR_REVIEWERS: _SENIOR_REVIEWERS,
}


class RolesError(Exception):
    """A permission named in :data:`ROLE_PERMISSIONS` does not exist (migrations not run?)."""


def _permissions(dotted: list[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in dotted}
    query = Q()
    for app_label, codename in wanted:
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query).select_related("content_type"))
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        names = ", ".join(sorted(f"{a}.{c}" for a, c in missing))
        raise RolesError(f"Unknown permissions (run migrate first): {names}")
    return found


def roles_ensure() -> dict[str, Group]:
    """Create or update the reviewer groups so they hold exactly ``ROLE_PERMISSIONS``.

    Idempotent. Needs the permissions to exist, i.e. runs after ``migrate``.

    Returns:
        group name → group.

    Raises:
        RolesError: a permission of the matrix does not exist.
    """
    groups = {}
    with transaction.atomic():
        for name, perms in ROLE_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set(_permissions(perms))
            groups[name] = group
    return groups
