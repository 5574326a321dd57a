"""What the catalog API writes: download and install records."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from api.authentication import client_ip
from catalog.entitlements import InstallRefused, entitlements
from catalog.models import Download, Install, Package, Release
from catalog.stats import installs_30d_refresh

__all__ = ["InstallRefused", "download_record", "download_visitor", "install_record"]


def download_visitor(request) -> str:
    """Who downloads or reports, for counting: the signed-in account, else the client address.

    An opaque HMAC (``SECRET_KEY``) of ``user:<id>`` or ``address:<REMOTE_ADDR>``,
    32 hex characters, so the statistics tables hold no address. The same
    request always gives the same visitor (within one ``SECRET_KEY``).
    """
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        ident = f"user:{user.pk}"
    else:
        ident = f"address:{client_ip(request) or 'unknown'}"
    return salted_hmac("catalog.download-visitor", ident).hexdigest()[:32]


def download_record(*, release: Release, dialect: str, visitor: str) -> bool:
    """Count one download of ``release`` by ``visitor`` (:func:`download_visitor`), at most once a day.

    The first download of a release by a visitor on a UTC day writes a
    ``Download`` row and bumps the package's ``total_downloads``; later ones
    that day change nothing, so a stranger cannot pump the count.
    The unique constraint ``download_once_per_visitor_day`` decides between
    concurrent requests (the loser's insert fails inside its savepoint).

    Returns:
        True when this download was counted.
    """
    try:
        with transaction.atomic():
            Download.objects.create(
                release=release, dialect=dialect, visitor=visitor, counted_on=timezone.now().date()
            )
            Package.objects.filter(pk=release.package_id).update(total_downloads=F("total_downloads") + 1)
    except IntegrityError:
        return False
    return True


def install_record(
    *, package: Package, release: Release, user=None, tenant_id: str = "", source: str = ""
) -> tuple[Install, bool]:
    """Record that an account installed ``release``, within its plan's install caps.

    The account is ``user`` (a token's user) when given, else ``tenant_id`` (a tokenless
    install). One row per account, tenant id and release: installing the same release again
    returns the existing row (``created`` False). The account is locked, the caps checked and the
    row written in one transaction (:mod:`licensing.plans` has the rules), so racing installs
    cannot pass a cap together. The caps are licensing's rules (``licensing.plans``), asked through
    :mod:`catalog.entitlements`. ``source`` (:func:`download_visitor` of the request) is kept so
    popularity counts one report per source, release and day (``catalog.stats.install_count``);
    a new row recomputes the package's ``installs_30d`` in the same transaction, by the rule of the
    daily refresh (``catalog.stats.installs_30d_refresh``), so the count shown is current on write.

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
        install = Install.objects.create(
            package=package, release=release, user=user, tenant_id=tenant_id, source=source
        )
        installs_30d_refresh(package_ids=[package.pk])
    return install, True
