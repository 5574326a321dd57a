"""What the catalog API writes: download and install records."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from catalog.entitlements import InstallRefused, entitlements
from catalog.models import Download, Install, Package, Release

__all__ = ["InstallRefused", "download_record", "install_record"]


def download_record(*, release: Release, dialect: str) -> Download:
    """Record one download of ``release`` and bump its package's ``total_downloads``."""
    with transaction.atomic():
        download = Download.objects.create(release=release, dialect=dialect)
        Package.objects.filter(pk=release.package_id).update(total_downloads=F("total_downloads") + 1)
    return download


def install_record(
    *, package: Package, release: Release, user=None, tenant_id: str = ""
) -> tuple[Install, bool]:
    """Record that an account installed ``release``, within its plan's install caps.

    The account is ``user`` (a token's user) when given, else ``tenant_id`` (a tokenless
    install). One row per account, tenant id and release: installing the same release again
    returns the existing row (``created`` False). The account is locked, the caps checked and the
    row written in one transaction (:mod:`licensing.plans` has the rules), so racing installs
    cannot pass a cap together. The caps are licensing's rules (``licensing.plans``), asked through
    :mod:`catalog.entitlements`.

    Raises:
        InstallRefused: ``install.plan_cap`` (a cap of the account's plan is reached; the message
            names the cap, the count and the upgrade URL) or ``install.tenant_reserved``.

    Returns:
        ``(install, created)``.
    """
    with transaction.atomic():
        entitlements().account_lock(user=user, tenant_id=tenant_id)
        entitlements().install_check(package=package, user=user, tenant_id=tenant_id)
        existing = Install.objects.filter(user=user, tenant_id=tenant_id, release=release).first()
        if existing is not None:
            return existing, False
        install = Install.objects.create(package=package, release=release, user=user, tenant_id=tenant_id)
    return install, True
