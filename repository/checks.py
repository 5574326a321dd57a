"""Checks of the TUF repository's key files (``python manage.py check``).

Every id is listed in ``docs/error-codes.md`` ("Deployment checks").
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from .keys import ONLINE_ROLES, online_key_path


@checks.register(checks.Tags.security)
def tuf_key_files_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Report the online TUF key files that are missing when ``DEBUG`` is off.

    Args:
        app_configs: the apps being checked (unused: the settings are the project's), or ``None``.

    Returns:
        ``repository.E001`` for each of ``TUF_BINS_KEY_PATH``, ``TUF_SNAPSHOT_KEY_PATH`` and
        ``TUF_TIMESTAMP_KEY_PATH`` whose file does not exist (``docs/operators.md``, "TUF keys");
        nothing in development, where ``tuf_init`` generates them.
    """
    if settings.DEBUG:
        return []
    return [
        checks.Error(
            f"{setting} {online_key_path(role)} does not exist: the TUF {role} metadata cannot be signed.",
            hint="Provide the key file (docs/operators.md, TUF keys) or run `python manage.py tuf_init`.",
            id="repository.E001",
        )
        for role, setting in ONLINE_ROLES.items()
        if not online_key_path(role).is_file()
    ]
