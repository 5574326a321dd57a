"""The reviewer groups and their permissions."""

from django.contrib.auth.models import Group, Permission

#: Group name → ``app_label.codename`` permissions it holds.
ROLE_PERMISSIONS = {
    "Reviewers": [
        "publishing.view_submission",
        "publishing.decide_submission",
        "publishing.view_scanfinding",
        "publishing.view_signingkey",
        "catalog.view_package",
        "catalog.view_release",
        "catalog.view_publisher",
        "moderation.view_decision",
    ],
}


def roles_ensure() -> dict[str, Group]:
    """Create or update the reviewer groups so they hold exactly ``ROLE_PERMISSIONS``.

    Needs the permissions to exist, i.e. runs after ``migrate``.
    """
    groups = {}
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
        groups[name] = group
    return groups
