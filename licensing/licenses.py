"""License services: issue, extend, revoke, suspend, reinstate, reveal, look up, activate.

Terms and activation caps follow the pricing table (docs/package-format.md, "Pricing"):

==============  =====================================  ===========
pricing         term                                   activations
==============  =====================================  ===========
``trial``       ``trial_days`` days, once per customer 1
``pro``         1 year                                 3
``enterprise``  1 year                                 unlimited
``per-skill``   perpetual                              1
==============  =====================================  ===========

Answers about keys (docs/api.md, "Licenses"): a key that is not well formed (or
fails its check symbols) is a ``400``; a well-formed key that names no
license is ``404 license.not_found``; a known key whose license has expired
is ``410 license.expired`` and one revoked or suspended is ``410
license.revoked``. docs/api.md fixes the 404/410 split, so a revoked key is
distinguishable from an unknown one. The trade-off is deliberate: keys carry
130 random bits and attempts are rate-limited per address and per key
prefix, so nobody can find live or revoked keys by guessing; only someone
who already holds a key learns that it was revoked, which "My licenses" and
the receipt e-mail tell its owner anyway. Unknown keys, keys for another
package and malformed lookups never reveal anything else, and no answer
names the owner.

Keys are never logged: log lines use :func:`licensing.keys.mask_key`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.constants import Pricing
from catalog.entitlements import Offer, VisitorLicense
from catalog.models import Package

from . import keys
from .constants import LicenseStatus
from .models import Activation, License, Payment

logger = logging.getLogger(__name__)

DEFAULT_TRIAL_DAYS = 14


@dataclass(frozen=True)
class Terms:
    """A pricing model's license term and activation cap (None: perpetual, unlimited)."""

    days: int | None
    years: int | None
    activations: int | None


TERMS = {
    Pricing.TRIAL: Terms(days=None, years=None, activations=1),  # days from the manifest's trial_days
    Pricing.PRO: Terms(days=None, years=1, activations=3),
    Pricing.ENTERPRISE: Terms(days=None, years=1, activations=None),
    Pricing.PER_SKILL: Terms(days=None, years=None, activations=1),
}


class LicenseError(Exception):
    """A license operation was refused; ``code``, ``status`` and ``message`` are the API's answer."""

    def __init__(self, code: str, message: str, *, status: int = 400, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field


def _not_found() -> LicenseError:
    return LicenseError("license.not_found", "No license has this key.", status=404, field="key")


def _inactive(status: str) -> LicenseError:
    if status == LicenseStatus.EXPIRED:
        return LicenseError(
            "license.expired", "This license has expired: renew it on “My licenses”.", status=410, field="key"
        )
    return LicenseError("license.revoked", "This license is no longer valid.", status=410, field="key")


def _invalid(exc: keys.KeyInvalid) -> LicenseError:
    return LicenseError("license.key_invalid", str(exc), status=400, field="key")


# --- terms -------------------------------------------------------------------------------------------


def _add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February.
        return moment.replace(year=moment.year + years, day=28)


def trial_days(package: Package) -> int:
    """The ``trial_days`` of the package's latest release manifest (docs/package-format.md, "The manifest")."""
    release = package.latest_release
    days = (release.manifest or {}).get("trial_days") if release is not None else None
    return days if isinstance(days, int) and not isinstance(days, bool) and days > 0 else DEFAULT_TRIAL_DAYS


def term_end(*, package: Package, pricing: str, start: dt.datetime) -> dt.datetime | None:
    """When a license issued at ``start`` ends (None: perpetual)."""
    if pricing == Pricing.TRIAL:
        return start + dt.timedelta(days=trial_days(package))
    terms = TERMS[Pricing(pricing)]
    return _add_years(start, terms.years) if terms.years else None


def renewal_until(license: License, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """The new expiry after one renewal: a year after the later of now and the current expiry."""
    now = now or timezone.now()
    terms = TERMS.get(license.pricing)
    if terms is None or not terms.years or license.expires_at is None:
        return None
    return _add_years(max(now, license.expires_at), terms.years)


def status_of(license: License, *, now: dt.datetime | None = None) -> str:
    """The license's status as of ``now``: an active license past its expiry is ``expired``."""
    now = now or timezone.now()
    if (
        license.status == LicenseStatus.ACTIVE
        and license.expires_at is not None
        and license.expires_at <= now
    ):
        return LicenseStatus.EXPIRED
    return license.status


def public_status(license: License, *, now: dt.datetime | None = None) -> str:
    """The status as docs/api.md names it: ``active``, ``expired`` or ``revoked`` (suspended reads revoked)."""
    status = status_of(license, now=now)
    return LicenseStatus.REVOKED if status == LicenseStatus.SUSPENDED else status


def _active_q(now: dt.datetime) -> Q:
    return Q(status=LicenseStatus.ACTIVE) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def activations_used(license: License) -> int:
    return license.activations.filter(deactivated_at__isnull=True).count()


# --- issue and change ------------------------------------------------------------------------------------


@transaction.atomic
def license_issue(
    *,
    package: Package,
    owner,
    payment: Payment | None = None,
    now: dt.datetime | None = None,
    key: str | None = None,
) -> tuple[License, str]:
    """Issue a license for ``package`` to ``owner``; returns it and its key (the only time it is in clear).

    Term and cap come from the package's pricing. A trial is issued once per
    customer and package. ``payment``, when given and not yet linked, is linked.
    ``key`` fixes the key (only the demo loader does, so the README can list it).

    Raises:
        LicenseError: free package, or a second trial (``license.trial_used``).
    """
    now = now or timezone.now()
    pricing = package.pricing
    if pricing not in TERMS:
        raise LicenseError("license.not_licensed", f"{package.identifier} is free and needs no license.")
    if pricing == Pricing.TRIAL:
        # The owner's row serialises concurrent trial requests of one customer.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
        if License.objects.filter(owner=owner, package=package, pricing=Pricing.TRIAL).exists():
            raise LicenseError(
                "license.trial_used", f"You have already had the trial of {package.identifier}.", status=409
            )
    key = keys.normalize_key(key) if key else keys.generate_key()
    license = License.objects.create(
        package=package,
        owner=owner,
        pricing=pricing,
        key_hmac=keys.key_hmac(key),
        key_encrypted=keys.encrypt_key(key),
        key_last4=keys.last4(key),
        status=LicenseStatus.ACTIVE,
        starts_at=now,
        expires_at=term_end(package=package, pricing=pricing, start=now),
        activations_limit=TERMS[Pricing(pricing)].activations,
    )
    if payment is not None and payment.license_id is None:
        payment.license = license
        payment.save(update_fields=["license"])
    logger.info("Issued license %s (%s) for %s to user %s.", keys.mask_key(key), pricing, package, owner.pk)
    return license, key


@transaction.atomic
def license_extend(*, license: License, until: dt.datetime) -> License:
    """Move the expiry to ``until`` (never backwards); an expired license becomes active again.

    A revoked or suspended license keeps its status (a renewal does not undo a refund or dispute).
    """
    license = License.objects.select_for_update().get(pk=license.pk)
    if license.expires_at is None:
        return license
    if until > license.expires_at:
        license.expires_at = until
        license.renewal_reminders_sent = []
    if license.status == LicenseStatus.EXPIRED and license.expires_at > timezone.now():
        license.status = LicenseStatus.ACTIVE
    license.save(update_fields=["expires_at", "renewal_reminders_sent", "status", "updated_at"])
    return license


@transaction.atomic
def license_renewal_take_back(*, license: License, now: dt.datetime | None = None) -> License:
    """Take back the term one refunded renewal added (a year for ``pro`` and ``enterprise``).

    The expiry moves one term earlier, so each refunded renewal removes exactly what it added,
    whatever was renewed after it; if that puts the expiry in the past, an active license is now
    expired (not revoked: the original purchase still stands). Renewal reminders may go out again.
    A license without an expiry or a yearly term, and a revoked or suspended one, keep their
    expiry and status apart from that move (revoked and suspended stay so).
    """
    now = now or timezone.now()
    license = License.objects.select_for_update().get(pk=license.pk)
    terms = TERMS.get(license.pricing)
    if license.expires_at is None or terms is None or not terms.years:
        return license
    license.expires_at = _add_years(license.expires_at, -terms.years)
    license.renewal_reminders_sent = []
    if license.status == LicenseStatus.ACTIVE and license.expires_at <= now:
        license.status = LicenseStatus.EXPIRED
    license.save(update_fields=["expires_at", "renewal_reminders_sent", "status", "updated_at"])
    logger.info(
        "License …%s: a refunded renewal was taken back; expires %s.", license.key_last4, license.expires_at
    )
    return license


def _set_status(license: License, status: str, reason: str) -> License:
    license.status = status
    license.status_reason = reason[:300]
    license.save(update_fields=["status", "status_reason", "updated_at"])
    logger.info("License …%s is now %s.", license.key_last4, status)
    return license


@transaction.atomic
def license_revoke(*, license: License, reason: str) -> License:
    """Revoke for good (refund, fraud). Final: later calls change nothing."""
    license = License.objects.select_for_update().get(pk=license.pk)
    if license.status == LicenseStatus.REVOKED:
        return license
    return _set_status(license, LicenseStatus.REVOKED, reason)


@transaction.atomic
def license_suspend(*, license: License, reason: str) -> License:
    """Suspend while a dispute is open; a revoked license stays revoked."""
    license = License.objects.select_for_update().get(pk=license.pk)
    if license.status in (LicenseStatus.REVOKED, LicenseStatus.SUSPENDED):
        return license
    return _set_status(license, LicenseStatus.SUSPENDED, reason)


@transaction.atomic
def license_reinstate(*, license: License, reason: str = "") -> License:
    """End a suspension (dispute won): active again, or expired if its term ran out meanwhile."""
    license = License.objects.select_for_update().get(pk=license.pk)
    if license.status != LicenseStatus.SUSPENDED:
        return license
    license.status = LicenseStatus.ACTIVE
    return _set_status(license, status_of(license), reason)


def licenses_expire(now: dt.datetime | None = None) -> int:
    """Mark active licenses whose term has ended as expired; returns how many changed."""
    now = now or timezone.now()
    return License.objects.filter(
        status=LicenseStatus.ACTIVE, expires_at__isnull=False, expires_at__lte=now
    ).update(status=LicenseStatus.EXPIRED, updated_at=now)


def license_reveal(license: License) -> str:
    """The license's key in clear, for its owner (decrypted from ``key_encrypted``)."""
    return keys.decrypt_key(license.key_encrypted)


# --- lookups ----------------------------------------------------------------------------------------------


def license_lookup(raw_key: str | None) -> License | None:
    """The license named by ``raw_key`` (any well-formed spelling), or None."""
    if not raw_key:
        return None
    try:
        key = keys.normalize_key(raw_key)
    except keys.KeyInvalid:
        return None
    return License.objects.select_related("package").filter(key_hmac=keys.key_hmac(key)).first()


def license_info(raw_key: str) -> License:
    """The license named by ``raw_key`` for ``GET /api/v1/license``.

    Raises:
        LicenseError: malformed key (400) or unknown key (404).
    """
    try:
        key = keys.normalize_key(raw_key)
    except keys.KeyInvalid as exc:
        raise _invalid(exc) from None
    license = License.objects.select_related("package__publisher").filter(key_hmac=keys.key_hmac(key)).first()
    if license is None:
        raise _not_found()
    return license


def license_check(raw_key: str) -> dict:
    """What ``GET /api/v1/license/check/{key}`` answers: ``{valid, status, type, orgName, error}``.

    The check the ArgentOS dashboard and desktop app make (docs/api.md, "License check"):
    never an error status for a key it cannot find or read, but ``valid: false`` with
    ``status`` ``"unknown"`` and ``error`` saying why. Otherwise ``status`` is the
    license's (``active``, ``expired`` or ``revoked``), ``valid`` whether it is active,
    ``type`` its pricing and ``orgName`` the display name of the package's publisher.

    Args:
        raw_key: the key as typed (normalised like every key: case, dashes, check symbols).
    """
    try:
        license = license_info(raw_key)
    except LicenseError as exc:
        return {"valid": False, "status": "unknown", "type": None, "orgName": None, "error": exc.message}
    status = public_status(license)
    inactive = None if status == LicenseStatus.ACTIVE else _inactive(status).message
    return {
        "valid": inactive is None,
        "status": status,
        "type": license.pricing,
        "orgName": license.package.publisher.name,
        "error": inactive,
    }


def is_active_for(license: License | None, package: Package, *, now: dt.datetime | None = None) -> bool:
    return (
        license is not None
        and license.package_id == package.pk
        and status_of(license, now=now) == LicenseStatus.ACTIVE
    )


def unlocked_package_ids(raw_key: str | None) -> set[int]:
    """The package the key's license unlocks, while it is active."""
    license = license_lookup(raw_key)
    if license is None or status_of(license) != LicenseStatus.ACTIVE:
        return set()
    return {license.package_id}


def download_allowed(*, package: Package, user=None, key: str | None = None) -> bool:
    """May this request download ``package``'s artifacts?

    Free packages: always. Paid ones: ``key`` names an active license for the
    package, or ``user`` (signed in) owns one, or ``user`` is a member of the
    publisher (authors download their own packages).
    """
    if package.pricing == Pricing.FREE:
        return True
    now = timezone.now()
    if key and is_active_for(license_lookup(key), package, now=now):
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if License.objects.filter(_active_q(now), owner=user, package=package).exists():
        return True
    return package.publisher.has_member(user)


def offer(package: Package) -> Offer:
    """What a license of ``package`` costs and gives: price, term, activations, renewal.

    From :data:`TERMS` and the package's ``pricing`` and ``price_cents`` (docs/package-format.md,
    "Pricing"); a trial's length is the latest release's ``trial_days`` (:func:`trial_days`).
    A trial costs nothing: its ``price_cents`` is never charged, so it is not shown.
    """
    pricing = package.pricing
    terms = TERMS.get(pricing)
    if terms is None:
        return Offer(pricing=Pricing.FREE)
    if pricing == Pricing.TRIAL:
        return Offer(pricing=pricing, term_days=trial_days(package), activations=terms.activations)
    return Offer(
        pricing=pricing,
        price_cents=package.price_cents,
        term_years=terms.years,
        activations=terms.activations,
        renews=bool(terms.years),
    )


def license_for(user, package: Package, *, now: dt.datetime | None = None) -> VisitorLicense | None:
    """``user``'s license of ``package`` as the listing shows it, or None (anonymous, or none held).

    An active paid license wins over a running trial, which wins over one that ran out. A revoked
    or suspended license unlocks nothing and is not shown here ("My licenses" says why); a trial
    that was had reads ``trial_ended`` whatever its status, because a trial is once per customer
    (docs/package-format.md, "Pricing").
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    now = now or timezone.now()
    held = list(License.objects.filter(owner=user, package=package).order_by("-starts_at", "-pk"))

    def rank(license: License) -> tuple[int, int]:
        active = status_of(license, now=now) == LicenseStatus.ACTIVE
        return (0 if active else 1, 1 if license.pricing == Pricing.TRIAL else 0)

    usable = sorted(
        (lic for lic in held if lic.status not in (LicenseStatus.REVOKED, LicenseStatus.SUSPENDED)),
        key=rank,
    )
    if usable and status_of(usable[0], now=now) == LicenseStatus.ACTIVE:
        license = usable[0]
        days_left = None
        if license.expires_at is not None:
            days_left = max(1, -(-int((license.expires_at - now).total_seconds()) // 86400))
        return VisitorLicense(
            state="trial" if license.pricing == Pricing.TRIAL else "owned",
            key_last4=license.key_last4,
            expires_at=license.expires_at,
            days_left=days_left,
            activations_used=activations_used(license),
            activations_limit=license.activations_limit,
        )
    trial = next((lic for lic in held if lic.pricing == Pricing.TRIAL), None)
    if trial is not None and package.pricing == Pricing.TRIAL:
        return VisitorLicense(state="trial_ended", key_last4=trial.key_last4, expires_at=trial.expires_at)
    if usable:
        license = usable[0]
        return VisitorLicense(state="expired", key_last4=license.key_last4, expires_at=license.expires_at)
    return None


def has_purchased(user, package: Package) -> bool:
    """True when ``user`` holds a paid (non-trial) license for ``package`` that was not revoked."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return (
        License.objects.filter(owner=user, package=package)
        .exclude(pricing=Pricing.TRIAL)
        .exclude(status=LicenseStatus.REVOKED)
        .exists()
    )


# --- activations ------------------------------------------------------------------------------------------


def _locked_license(raw_key: str, package: str | None) -> License:
    try:
        key = keys.normalize_key(raw_key)
    except keys.KeyInvalid as exc:
        raise _invalid(exc) from None
    # Lock the license row only (not the package's): concurrent activations of one key queue here.
    license = License.objects.select_for_update().filter(key_hmac=keys.key_hmac(key)).first()
    if license is None or (package and license.package.identifier != package):
        raise _not_found()
    return license


@transaction.atomic
def activation_register(
    *, key: str, instance_id: str, package: str | None = None, now: dt.datetime | None = None
) -> tuple[Activation, License]:
    """Activate ``instance_id`` under the license of ``key`` (docs/api.md, ``POST /api/v1/activate``).

    The license row is locked and the active activations counted inside the
    transaction, so the cap holds under concurrency. Re-activating an
    instance that is already active returns its activation and uses no slot.

    Raises:
        LicenseError: malformed key (400), unknown key or another package (404),
            cap reached (409), expired, revoked or suspended license (410).
    """
    now = now or timezone.now()
    license = _locked_license(key, package)
    status = status_of(license, now=now)
    if status != LicenseStatus.ACTIVE:
        raise _inactive(status)
    existing = license.activations.filter(instance_id=instance_id, deactivated_at__isnull=True).first()
    if existing is not None:
        existing.save(update_fields=["last_seen_at"])
        return existing, license
    if license.activations_limit is not None and activations_used(license) >= license.activations_limit:
        raise LicenseError(
            "license.activation_limit",
            f"This license allows {license.activations_limit} activation(s) and all are in use: "
            "deactivate another installation first (“My licenses” lists them).",
            status=409,
        )
    activation = Activation.objects.create(license=license, instance_id=instance_id)
    logger.info("Activated license …%s on instance %s.", license.key_last4, instance_id)
    return activation, license


@transaction.atomic
def activation_release(*, key: str, instance_id: str, now: dt.datetime | None = None) -> License:
    """Deactivate ``instance_id`` (docs/api.md, ``POST /api/v1/deactivate``); idempotent.

    Raises:
        LicenseError: malformed (400) or unknown key (404).
    """
    license = _locked_license(key, None)
    _release(license, instance_id, now=now)
    return license


def _release(license: License, instance_id: str, *, now: dt.datetime | None) -> int:
    released = license.activations.filter(instance_id=instance_id, deactivated_at__isnull=True).update(
        deactivated_at=now or timezone.now()
    )
    if released:
        logger.info("Deactivated license …%s on instance %s.", license.key_last4, instance_id)
    return released


@transaction.atomic
def activation_release_by_owner(*, license: License, activation_id: int, user) -> License:
    """The owner deactivates one of their installations from "My licenses"."""
    license = License.objects.select_for_update().get(pk=license.pk, owner=user)
    activation = license.activations.filter(pk=activation_id, deactivated_at__isnull=True).first()
    if activation is not None:
        _release(license, activation.instance_id, now=None)
    return license


def license_payload(license: License, *, now: dt.datetime | None = None) -> dict:
    """What docs/api.md's ``GET /api/v1/license`` returns about a license."""
    return {
        "package": license.package.identifier,
        "pricing": license.pricing,
        "status": public_status(license, now=now),
        "expires_at": license.expires_at,
        "activations_used": activations_used(license),
        "activations_limit": license.activations_limit,
    }
