"""The blocklist: the kill switch for releases already installed on customers' machines.

A reviewer requests a block (:func:`block_request`); it takes effect only
once a *different* reviewer holding ``moderation.confirm_blockentry``
confirms it (:func:`block_confirm`). Confirmed blocks that are not lifted
are published, signed with the marketplace's Ed25519 key, at
``GET /api/v1/blocklist`` (docs/api.md, "Blocklist") by :func:`blocklist_document`.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict

import nacl.signing
import rfc8785
from argent_pkg import fingerprint, public_key_b64, sign_bytes
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from api.serializers import utc_z
from catalog.models import Package, Release
from marketplace.keyfiles import signing_key_from_setting

from . import transitions
from .constants import BlockSeverity
from .models import BlockEntry
from .transitions import DecisionError, block_state

logger = logging.getLogger(__name__)

#: What the blocklist signature covers, as stated in every document.
SIGNED = "rfc8785(blocklist)"

#: A block's status, derived from its timestamps.
REQUESTED, CONFIRMED, LIFTED = "requested", "confirmed", "lifted"
#: Status -> the filter that selects the blocks in it.
STATUS_FILTERS = {
    REQUESTED: Q(confirmed_at__isnull=True, lifted_at__isnull=True),
    CONFIRMED: Q(confirmed_at__isnull=False, lifted_at__isnull=True),
    LIFTED: Q(lifted_at__isnull=False),
}


#: ``requested``, ``confirmed`` or ``lifted`` (the block machine's state).
block_status = block_state


# --- the marketplace's key ------------------------------------------------------------------------


def marketplace_signing_key() -> nacl.signing.SigningKey:
    """The marketplace's Ed25519 key, read from ``settings.SIGNING_KEY_PATH`` (cached per path).

    With ``DEBUG`` on, a missing key file is generated (mode 0600) on first
    use. Rule: README, "Configuration", ``SIGNING_KEY_PATH``; the one loader of the
    server's keys is :func:`marketplace.keyfiles.signing_key_from_setting`.

    Raises:
        ImproperlyConfigured: the file is missing and ``DEBUG`` is off.
        OSError, FormatError: the file cannot be read or holds no key.
    """
    return signing_key_from_setting("SIGNING_KEY_PATH", what="signing key for the marketplace")


def marketplace_public_key() -> str:
    """The marketplace's public key: its 32 raw bytes in standard base64 (what clients pin)."""
    return public_key_b64(marketplace_signing_key())


# --- services ---------------------------------------------------------------------------------------


def block_request(
    *,
    package: Package,
    release: Release | None = None,
    severity: str,
    reason: str,
    reviewer: AbstractBaseUser,
) -> BlockEntry:
    """Request a block of one published release, or of the whole package when ``release`` is None.

    The block is not in force (nor published) until another reviewer
    confirms it. Logs ``block-request``.

    Raises:
        DecisionError: empty reason, unknown severity, a release of another
            package or not published, or a block of the same target that is
            requested or in force already.
    """
    reason = reason.strip()
    if not reason:
        raise DecisionError("A reason is required: clients show it to the people who installed the package.")
    if severity not in BlockSeverity.values:
        raise DecisionError(f"Unknown block severity {severity!r}.")
    if release is not None and (release.package_id != package.pk or release.published_at is None):
        raise DecisionError(f"{release} is not a published release of {package.identifier}.")
    with transaction.atomic():
        package = Package.objects.select_for_update().get(pk=package.pk)
        if BlockEntry.objects.filter(package=package, release=release, lifted_at__isnull=True).exists():
            what = (
                f"{package.identifier} {release.version}"
                if release
                else f"{package.identifier} (all versions)"
            )
            raise DecisionError(f"A block of {what} is requested or in force already.")
        entry = BlockEntry(
            package=package, release=release, severity=severity, reason=reason, requested_by=reviewer
        )
        transitions.take(
            "block:request",
            entry,
            actor=reviewer,
            created=True,
            note=f"{entry.get_severity_display()} block: {reason}",
        )
    return entry


def block_confirm(*, entry: BlockEntry, reviewer: AbstractBaseUser) -> BlockEntry:
    """Confirm another reviewer's block: it is in force and published from now on. Logs ``block-confirm``.

    A hard block also suspends the listing
    (:func:`moderation.services.package_suspend`, which logs ``suspend``)
    unless it is suspended already.

    Raises:
        DecisionError: the reviewer requested the block, lacks
            ``moderation.confirm_blockentry``, or the block is not awaiting confirmation.
    """
    with transaction.atomic():
        entry = (
            BlockEntry.objects.select_for_update(of=("self",))
            .select_related("package", "release")
            .get(pk=entry.pk)
        )
        transitions.take(
            "block:confirm",
            entry,
            actor=reviewer,
            note=f"{entry.get_severity_display()} block #{entry.pk}: {entry.reason}",
        )
        package = Package.objects.select_for_update().select_related("publisher").get(pk=entry.package_id)
        if entry.severity == BlockSeverity.HARD and transitions.allowed("listing:block", package, actor=None):
            transitions.take(
                "listing:block",
                package,
                actor=None,
                recorded_reviewer=reviewer,
                note=f"Blocked: {entry.reason}",
                values={"status_reason": f"Blocked: {entry.reason}"},
            )
    logger.info("Block %s of %s confirmed by %s", entry.pk, entry.package.identifier, reviewer)
    return entry


def block_lift(*, entry: BlockEntry, reviewer: AbstractBaseUser, note: str) -> BlockEntry:
    """Lift a block (confirmed, or withdraw a request); it leaves the blocklist. Logs ``block-lift``.

    A listing a hard block suspended stays suspended: lifting the suspension
    is a separate decision (``package_unsuspend``).

    Raises:
        DecisionError: the note is empty or the block is lifted already.
    """
    note = note.strip()
    if not note:
        raise DecisionError("A note is required to lift a block.")
    with transaction.atomic():
        entry = (
            BlockEntry.objects.select_for_update(of=("self",))
            .select_related("package", "release")
            .get(pk=entry.pk)
        )
        transitions.take("block:lift", entry, actor=reviewer, note=f"Block #{entry.pk}: {note}")
    return entry


# --- the published document -------------------------------------------------------------------------


def _precedence(entry: BlockEntry) -> tuple[bool, float, int]:
    """Which of two blocks covering one release is listed: hard first, then the earliest confirmed."""
    return (entry.severity == BlockSeverity.HARD, -entry.confirmed_at.timestamp(), -entry.pk)


def blocklist_entries() -> list[dict[str, str]]:
    """The blocked releases, one row each, sorted by package identifier then version (SemVer order).

    Only confirmed blocks that are not lifted count; a whole-package block
    covers every published release of the package. A release covered by
    several blocks is listed once, with the hard one (else the earliest
    confirmed). Rows: ``id`` (package identifier), ``version``, ``sha256``,
    ``severity`` (``soft``/``hard``), ``reason``, ``blocked_at`` (UTC, ``Z``).
    """
    active = list(BlockEntry.objects.filter(STATUS_FILTERS[CONFIRMED]).select_related("package", "release"))
    whole = {entry.package_id for entry in active if entry.release_id is None}
    releases_of: dict[int, list[Release]] = defaultdict(list)
    for release in Release.objects.published().filter(package_id__in=whole).select_related("package"):
        releases_of[release.package_id].append(release)
    chosen: dict[int, tuple[BlockEntry, Release]] = {}
    for entry in active:
        for release in [entry.release] if entry.release_id else releases_of[entry.package_id]:
            current = chosen.get(release.pk)
            if current is None or _precedence(entry) > _precedence(current[0]):
                chosen[release.pk] = (entry, release)
    ordered = sorted(chosen.values(), key=lambda pair: (pair[1].package.identifier, pair[1].semver))
    return [
        {
            "id": release.package.identifier,
            "version": release.version,
            "sha256": release.artifact_sha256,
            "severity": entry.severity,
            "reason": entry.reason,
            "blocked_at": utc_z(entry.confirmed_at),
        }
        for entry, release in ordered
    ]


def blocked_release_ids(release_ids) -> set[int]:
    """The ones among ``release_ids`` that a confirmed, unlifted block (soft or hard) covers.

    A block of one release covers it; a whole-package block covers every release of the
    package. What the TUF repository leaves out of its targets (``repository/provider.py``).
    """
    release_ids = set(release_ids)
    active = BlockEntry.objects.filter(STATUS_FILTERS[CONFIRMED])
    covered = set(active.filter(release_id__in=release_ids).values_list("release_id", flat=True))
    whole = active.filter(release__isnull=True).values("package_id")
    covered |= set(
        Release.objects.filter(pk__in=release_ids, package_id__in=whole).values_list("pk", flat=True)
    )
    return covered


def blocklist_bytes() -> bytes:
    """The current blocklist document (:func:`blocklist_document`) as the UTF-8 JSON bytes the TUF
    target ``blocklist.json`` carries (``docs/api.md``, "TUF repository")."""
    return json.dumps(blocklist_document(), indent=2, sort_keys=True).encode() + b"\n"


def blocklist_document() -> dict:
    """The ``GET /api/v1/blocklist`` body (docs/api.md, "Blocklist"), signed with the marketplace's key.

    ``signature`` is the pure Ed25519 signature, in standard base64, of the
    bytes ``rfc8785.dumps(document["blocklist"])``: the RFC 8785 (JCS)
    canonical JSON of the ``blocklist`` array alone, as ``signed`` says.
    ``generated_at`` and the other keys are not signed.
    """
    entries = blocklist_entries()
    key = marketplace_signing_key()
    public_key = public_key_b64(key)
    return {
        "blocklist": entries,
        "signed": SIGNED,
        "algorithm": "ed25519",
        "generated_at": utc_z(timezone.now()),
        "public_key": public_key,
        "key_fingerprint": fingerprint(public_key),
        "signature": sign_bytes(key, rfc8785.dumps(entries)),
    }
