"""What the catalog API writes: download and install records."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import F

from catalog.models import Download, Install, Package, Release


class InstallRefused(Exception):
    """An install the account's plan does not allow."""

    code = "install.plan_cap"


def download_record(*, release: Release, dialect: str) -> Download:
    """Record one download of ``release`` and bump its package's ``total_downloads``."""
    with transaction.atomic():
        download = Download.objects.create(release=release, dialect=dialect)
        Package.objects.filter(pk=release.package_id).update(total_downloads=F("total_downloads") + 1)
    return download


def install_record(
    *, package: Package, release: Release, user=None, tenant_id: str = ""
) -> tuple[Install, bool]:
    """Record that an account (``tenant_id`` when given, else ``user``) installed ``release``.

    One row per account and release: installing the same release again
    returns the existing row (``created`` False). Plan cap: when the setting
    ``CATALOG_MAX_PACKAGES_PER_ACCOUNT`` is a positive number, an account may
    hold installs of at most that many distinct packages; a new package beyond
    it raises :class:`InstallRefused`. Unset or 0: no cap.

    Returns:
        ``(install, created)``.
    """
    owner = {"tenant_id": tenant_id} if tenant_id else {"user": user, "tenant_id": ""}
    cap = getattr(settings, "CATALOG_MAX_PACKAGES_PER_ACCOUNT", 0) or 0
    with transaction.atomic():
        existing = Install.objects.filter(**owner, package=package, release=release).first()
        if existing is not None:
            return existing, False
        if cap > 0:
            others = (
                Install.objects.filter(**owner).exclude(package=package).values("package").distinct().count()
            )
            has_package = Install.objects.filter(**owner, package=package).exists()
            if not has_package and others >= cap:
                raise InstallRefused(f"This account's plan allows installs of at most {cap} packages.")
        install = Install.objects.create(
            package=package, release=release, user=user if user is not None else None, tenant_id=tenant_id
        )
    return install, True
