"""What the catalog asks of licensing, and licensing's registration as the one that answers.

``catalog`` sits below ``licensing`` (``docs/architecture.md``): licenses, plans and payments
import packages, never the other way round. Yet a download must ask whether a paid package is
unlocked, a review whether the customer bought it, and an install whether the account's plan has
room. So the catalog states here what it needs (:class:`Entitlements`), and the licensing app
registers its services as the implementation when Django starts
(``licensing.apps.LicensingConfig.ready``), as ``publishing.status_owner`` does for the statuses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

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


def dollars(cents: int) -> str:
    """``cents`` (an amount in US cents, >= 0) as a price: ``"$9"`` for whole dollars, else ``"$9.50"``."""
    whole, rest = divmod(cents, 100)
    return f"${whole:,}" if not rest else f"${whole:,}.{rest:02d}"


@dataclass(frozen=True)
class Offer:
    """What a package costs and what its license gives, as its listing and cards show it.

    The terms are the pricing table's (docs/package-format.md, "Pricing"), filled in by
    licensing (:meth:`Entitlements.offer`).

    Attributes:
        pricing: the package's pricing model (``catalog.constants.Pricing`` value).
        price_cents: what one license costs, US cents (0 for ``free`` and ``trial``).
        term_days: length of a trial license, days (None unless ``trial``).
        term_years: length of a paid license, years (None when perpetual or free).
        activations: installations one license may activate (None: unlimited, or free).
        renews: whether the license is renewed (yearly terms) rather than bought once.
    """

    pricing: str
    price_cents: int = 0
    term_days: int | None = None
    term_years: int | None = None
    activations: int | None = None
    renews: bool = False

    @property
    def is_free(self) -> bool:
        """True for a package that needs no license."""
        return self.pricing == "free"

    @property
    def is_trial(self) -> bool:
        """True for a package licensed by a free trial."""
        return self.pricing == "trial"

    @property
    def summary(self) -> str:
        """The price with its period, as cards show it: ``"$19 / year"``, ``"$5 per skill"``,
        ``"14-day free trial"``, ``"Free"``."""
        if self.is_free:
            return "Free"
        if self.is_trial:
            return f"{self.term_days}-day free trial"
        price = dollars(self.price_cents)
        if self.term_years:
            return f"{price} / year" if self.term_years == 1 else f"{price} / {self.term_years} years"
        if self.pricing == "per-skill":
            return f"{price} per skill"
        return price

    @property
    def terms(self) -> str:
        """The license's term, activations and renewal in one line (empty when free), e.g.
        ``"1-year license, renews yearly · 3 activations"``."""
        if self.is_free:
            return ""
        if self.is_trial:
            term = f"Free for {self.term_days} days, once per customer, no payment"
        elif self.term_years:
            term = f"{self.term_years}-year license, renewed yearly at {dollars(self.price_cents)}"
        else:
            term = "Perpetual license, paid once"
        if self.activations is None:
            seats = "unlimited activations"
        else:
            seats = f"{self.activations} activation{'' if self.activations == 1 else 's'}"
        return f"{term} · {seats}"


@dataclass(frozen=True)
class VisitorLicense:
    """The visitor's own license of a package, as its listing shows it (never the key in clear).

    Attributes:
        state: ``"owned"`` (an active paid license), ``"trial"`` (a trial still running),
            ``"expired"`` (the latest license ran out: renew or buy again) or
            ``"trial_ended"`` (the one trial is used up).
        key_last4: the key's last four characters, to tell it apart on "My licenses".
        expires_at: when the license ends (None: perpetual).
        days_left: whole days until ``expires_at``, rounded up (None when perpetual or over).
        activations_used: installations active under the license.
        activations_limit: installations it may activate (None: unlimited).
    """

    state: Literal["owned", "trial", "expired", "trial_ended"]
    key_last4: str
    expires_at: dt.datetime | None = None
    days_left: int | None = None
    activations_used: int = 0
    activations_limit: int | None = None

    @property
    def active(self) -> bool:
        """True while the license unlocks the package (owned or trial running)."""
        return self.state in ("owned", "trial")


class Entitlements(Protocol):
    """The answers about licenses and plans the catalog needs (``licensing.entitlements`` implements them)."""

    def download_allowed(
        self, *, package: Package, user: AbstractBaseUser | None = None, key: str | None = None
    ) -> bool:
        """May a request with ``user`` (signed in or not) and license ``key`` download ``package``?"""

    def has_purchased(self, user: AbstractBaseUser | None, package: Package) -> bool:
        """Does ``user`` hold a paid (not trial), unrevoked license of ``package``?"""

    def offer(self, package: Package) -> Offer:
        """What a license of ``package`` costs and gives (docs/package-format.md, "Pricing")."""

    def license_for(self, user: AbstractBaseUser | None, package: Package) -> VisitorLicense | None:
        """``user``'s license of ``package`` (the active one first, else the latest); None when none."""

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
