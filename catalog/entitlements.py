"""What the catalog asks of licensing, and licensing's registration as the one that answers.

``catalog`` sits below ``licensing`` (``docs/architecture.md``): licenses, plans and payments
import packages, never the other way round. Yet a download must ask whether a paid package is
unlocked, a review whether the customer bought it, and an install whether the account's plan has
room. So the catalog states here what it needs (:class:`Entitlements`), and the licensing app
registers its services as the implementation when Django starts
(``licensing.apps.LicensingConfig.ready``), as ``publishing.status_owner`` does for the statuses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from api import throttling

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from .models import Package


class InstallRefused(Exception):
    """An install the account may not record; ``code`` and ``message`` are the API's answer (403).

    Codes (docs/error-codes.md): ``install.plan_cap`` (a cap of the plan is reached) and
    ``install.tenant_reserved`` (a tokenless install names an organization's tenant id).
    """

    status = 403

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Entitlements(Protocol):
    """The answers about licenses and plans the catalog needs (``licensing.entitlements`` implements them)."""

    def download_allowed(
        self, *, package: Package, user: AbstractBaseUser | None = None, key: str | None = None
    ) -> bool:
        """May a request with ``user`` (signed in or not) and license ``key`` download ``package``?"""

    def has_purchased(self, user: AbstractBaseUser | None, package: Package) -> bool:
        """Does ``user`` hold a paid (not trial), unrevoked license of ``package``?"""

    def unlocked_package_ids(self, raw_key: str | None) -> set[int]:
        """Primary keys of the packages the active license ``raw_key`` unlocks (empty when none)."""

    def key_bucket(self, raw_key: str | None) -> str | None:
        """The opaque bucket that counts tries of ``raw_key`` (None when it is not a key)."""

    def account_lock(self, *, user: AbstractBaseUser | None = None, tenant_id: str = "") -> None:
        """Serialise installs of one account until the end of the current transaction."""

    def install_check(
        self, *, package: Package, user: AbstractBaseUser | None = None, tenant_id: str = ""
    ) -> None:
        """Refuse (:class:`InstallRefused`) an install the account's plan does not allow."""


_entitlements: Entitlements | None = None


def register(implementation: Entitlements) -> None:
    """Make ``implementation`` the one that answers every entitlement question (called once at start-up)."""
    global _entitlements
    _entitlements = implementation


def entitlements() -> Entitlements:
    """The registered implementation.

    Raises:
        RuntimeError: none is registered (the ``licensing`` app is not installed).
    """
    if _entitlements is None:
        raise RuntimeError("No entitlements are registered: add 'licensing' to INSTALLED_APPS.")
    return _entitlements


def license_key_try(request, raw_key: str) -> float | None:
    """Count one try of ``raw_key`` from ``request`` before it is looked up; seconds to wait when refused.

    The shared budget of every place that takes a license key
    (:func:`api.throttling.license_key_try`), with the per-key bucket licensing makes.

    Returns:
        None when the try may go on, else the ``Retry-After`` seconds of the 429 answer.
    """
    return throttling.license_key_try(request, key_bucket=entitlements().key_bucket(raw_key))
