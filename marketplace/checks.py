"""Deployment checks of the project's own settings (``python manage.py check --deploy``).

Registered by ``marketplace.apps.MarketplaceConfig.ready``; every id is listed in
``docs/error-codes.md`` ("Deployment checks").
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def two_factor_settings_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn when a production site lets the admin or publishing open on a password alone.

    Args:
        app_configs: the apps being checked (unused: the settings are the project's), or ``None``.

    Returns:
        ``marketplace.W001`` when ``MFA_REQUIRED_FOR_STAFF`` is off, ``marketplace.W002`` when
        ``MFA_REQUIRED_FOR_PUBLISHING`` is off (README, "Configuration"; ``marketplace/mfa.py``).
    """
    found: list[checks.CheckMessage] = []
    if not settings.MFA_REQUIRED_FOR_STAFF:
        found.append(
            checks.Warning(
                "MFA_REQUIRED_FOR_STAFF is off: a stolen staff password opens the admin.",
                hint="Leave MFA_REQUIRED_FOR_STAFF unset (true) in production.",
                id="marketplace.W001",
            )
        )
    if not settings.MFA_REQUIRED_FOR_PUBLISHING:
        found.append(
            checks.Warning(
                "MFA_REQUIRED_FOR_PUBLISHING is off: a stolen author password publishes packages.",
                hint="Leave MFA_REQUIRED_FOR_PUBLISHING unset (true) in production.",
                id="marketplace.W002",
            )
        )
    return found
