"""The TUF repository: what the marketplace signs so that clients can prove what they install.

Metadata follows the TUF specification 1.0 and is built with the ``tuf`` library's Metadata
API (``docs/operators.md``, "TUF repository", explains the roles and keys; ``docs/api.md``,
"TUF repository", the URLs clients read):

* ``root`` (threshold of offline keys) names the keys of the four top-level roles;
* ``targets`` (an offline key) lists no file itself: it delegates every target path to
  ``2 ** BIN_BITS`` hash bins (succinct hash-bin delegation), signed by the online ``bins`` key,
  so one release touches one bin;
* ``snapshot`` and ``timestamp`` (online keys) name the current version of every targets file
  and of the snapshot; consistent snapshots: every file but ``timestamp.json`` is written once,
  under a name that starts with its version.

A target is every published release that is neither yanked nor blocked, of a listing whose
downloads answer (published, deprecated or unlisted; not suspended) (path
``ID/VERSION/FILENAME``, the stored artifact's length and SHA-256, ``custom``: ``author_key``
and ``log_index``), and the blocklist document (``blocklist.json``).

Transitions record what changed in :class:`~repository.models.PendingChange` (:func:`changed`);
one run of :func:`refresh` takes every pending change, rewrites each touched bin once, then the
snapshot and the timestamp once. Runs are serialised by a lock on the state row.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from securesystemslib.signer import Signer
from tuf.api.exceptions import UnsignedMetadataError
from tuf.api.metadata import (
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

from catalog.models import Release
from catalog.querysets import REACHABLE
from marketplace.celery import enqueue_on_commit

from . import keys, provider
from .models import Bin, PendingChange, RepositoryState, TargetEntry

logger = logging.getLogger(__name__)

#: Storage prefixes of the metadata and of the targets the repository stores itself (the blocklist).
METADATA_PREFIX = "tuf/metadata/"
TARGETS_PREFIX = "tuf/targets/"
#: Bits of a target path's SHA-256 that choose its bin: 256 bins, ``bins-00`` … ``bins-ff``.
BIN_BITS = 8
BIN_PREFIX = "bins"
#: The target path of the blocklist document.
BLOCKLIST_TARGET = "blocklist.json"
#: Bins are signed again by the beat task when they expire within this much.
BINS_RENEW_BEFORE = timedelta(days=30)

_SERIALIZER = JSONSerializer(compact=True)
SUCCINCT = SuccinctRoles(keyids=[], threshold=1, bit_length=BIN_BITS, name_prefix=BIN_PREFIX)


class RepositoryError(Exception):
    """A repository operation is refused; ``code`` names the rule (``docs/error-codes.md``)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class RunResult:
    """What one :func:`refresh` wrote: bin indexes, and the new snapshot/timestamp versions (0: none)."""

    bins: list[int] = field(default_factory=list)
    snapshot: int = 0
    timestamp: int = 0
    pending: int = 0


# --- names --------------------------------------------------------------------------------------------


def target_path(release: Release) -> str:
    """``ID/VERSION/FILENAME`` of a release's original artifact (``docs/api.md``, "TUF repository")."""
    return f"{release.package.identifier}/{release.version}/{release.filename}"


def bin_of(path: str) -> int:
    """The index of the hash bin that holds target ``path`` (TUF's succinct hash-bin rule)."""
    return int(SUCCINCT.get_role_for_target(path).rsplit("-", 1)[1], 16)


def bin_name(index: int) -> str:
    """``bins-XX``: the role name of bin ``index``."""
    return f"{BIN_PREFIX}-{index:0{len(f'{2**BIN_BITS - 1:x}')}x}"


def _expiry(setting: str, now: datetime) -> datetime:
    return now + timedelta(seconds=getattr(settings, setting))


# --- storage ------------------------------------------------------------------------------------------


def _put(name: str, data: bytes) -> None:
    """Write ``data`` at ``name`` in the ``packages`` storage, replacing a file of that name."""
    storage = storages["packages"]
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if saved != name:  # pragma: no cover - the storage renamed it: a concurrent writer.
        raise OSError(f"The storage wrote {saved} instead of {name}.")


def _put_metadata(filename: str, md: Metadata) -> bytes:
    data = md.to_bytes(_SERIALIZER)
    _put(METADATA_PREFIX + filename, data)
    return data


def read_metadata(filename: str) -> bytes:
    """The bytes of metadata file ``filename`` (e.g. ``3.root.json``) from the storage.

    Raises:
        FileNotFoundError, OSError: no such file.
    """
    with storages["packages"].open(METADATA_PREFIX + filename, "rb") as fileobj:
        return fileobj.read()


# --- what the state machine calls -------------------------------------------------------------------


def changed(
    *, release_ids: Iterable[int] = (), package_ids: Iterable[int] = (), blocklist: bool = False
) -> None:
    """Record that these releases (or every release of these packages) or the blocklist changed.

    Call it inside the transaction of the transition (``moderation/transitions.py``,
    ``EFFECTS``): the rows commit with it, and :func:`refresh` runs as a task on commit (the beat
    task picks up rows whose task never ran).
    """
    rows = [PendingChange(release_id=pk) for pk in release_ids]
    rows += [PendingChange(package_id=pk) for pk in package_ids]
    if blocklist:
        rows.append(PendingChange(blocklist=True))
    if not rows:
        return
    PendingChange.objects.bulk_create(rows)
    from . import tasks

    enqueue_on_commit(tasks.tuf_refresh)


# --- targets ------------------------------------------------------------------------------------------


def _sha256_of_stored(release: Release) -> tuple[int, str]:
    digest, length = hashlib.sha256(), 0
    with release.artifact.open("rb") as fileobj:
        for chunk in iter(lambda: fileobj.read(1 << 20), b""):
            digest.update(chunk)
            length += len(chunk)
    return length, digest.hexdigest()


def _custom(release: Release) -> dict:
    return {"author_key": release.key_fingerprint, "log_index": getattr(release, "log_index", None)}


def _sync_releases(release_ids: set[int]) -> set[int]:
    """Bring the target rows of these releases up to date; returns the bins whose content changed."""
    releases = list(Release.objects.filter(pk__in=release_ids).select_related("package"))
    blocked = provider.moderation().blocked_release_ids([r.pk for r in releases])
    existing = {e.release_id: e for e in TargetEntry.objects.filter(release_id__in=release_ids)}
    dirty: set[int] = set()
    for release in releases:
        old = existing.get(release.pk)
        listed = bool(
            release.published_at
            and not release.yanked
            and release.pk not in blocked
            and release.artifact
            and release.package.status in REACHABLE
        )
        if not listed:
            if old is not None:
                old.delete()
                dirty.add(old.bin)
            continue
        path, custom = target_path(release), _custom(release)
        if old is not None and (old.path, old.sha256, old.custom) == (path, release.artifact_sha256, custom):
            continue
        length, sha256 = _sha256_of_stored(release)
        if sha256 != release.artifact_sha256:
            logger.error(
                "The stored artifact of %s does not match its recorded SHA-256; it is left out of the targets.",
                release,
            )
            if old is not None:
                old.delete()
                dirty.add(old.bin)
            continue
        entry, _ = TargetEntry.objects.update_or_create(
            release=release,
            defaults={
                "path": path,
                "bin": bin_of(path),
                "length": length,
                "sha256": sha256,
                "custom": custom,
            },
        )
        dirty.add(entry.bin)
        if old is not None:
            dirty.add(old.bin)
    return dirty


def _sync_blocklist() -> set[int]:
    """Store the current blocklist document as target ``blocklist.json``; returns its bin."""
    data = provider.moderation().blocklist_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    # Immutable under its hash (what a cache may keep), and under its plain name.
    _put(f"{TARGETS_PREFIX}{sha256}.{BLOCKLIST_TARGET}", data)
    _put(TARGETS_PREFIX + BLOCKLIST_TARGET, data)
    index = bin_of(BLOCKLIST_TARGET)
    TargetEntry.objects.update_or_create(
        path=BLOCKLIST_TARGET, defaults={"bin": index, "length": len(data), "sha256": sha256, "custom": {}}
    )
    return {index}


# --- signing ------------------------------------------------------------------------------------------


def _write_bin(index: int, signer: Signer, now: datetime) -> None:
    row, _ = Bin.objects.get_or_create(index=index)
    row.version += 1
    row.expires = _expiry("TUF_BINS_EXPIRY", now)
    targets = {
        e.path: TargetFile(e.length, {"sha256": e.sha256}, e.path, {"custom": e.custom} if e.custom else None)
        for e in TargetEntry.objects.filter(bin=index).order_by("path")
    }
    md = Metadata(Targets(version=row.version, expires=row.expires, targets=targets))
    md.sign(signer)
    _put_metadata(f"{row.version}.{bin_name(index)}.json", md)
    row.save()


def _write_snapshot(state: RepositoryState, now: datetime) -> None:
    meta = {"targets.json": MetaFile(state.targets_version)}
    for index, version in Bin.objects.order_by("index").values_list("index", "version"):
        meta[f"{bin_name(index)}.json"] = MetaFile(version)
    state.snapshot_version += 1
    state.snapshot_expires = _expiry("TUF_SNAPSHOT_EXPIRY", now)
    md = Metadata(Snapshot(version=state.snapshot_version, expires=state.snapshot_expires, meta=meta))
    md.sign(keys.online_signer("snapshot"))
    _put_metadata(f"{state.snapshot_version}.snapshot.json", md)


def _write_timestamp(state: RepositoryState, now: datetime) -> None:
    state.timestamp_version += 1
    state.timestamp_expires = _expiry("TUF_TIMESTAMP_EXPIRY", now)
    md = Metadata(
        Timestamp(
            version=state.timestamp_version,
            expires=state.timestamp_expires,
            snapshot_meta=MetaFile(state.snapshot_version),
        )
    )
    md.sign(keys.online_signer("timestamp"))
    _put_metadata("timestamp.json", md)


def _publish(
    state: RepositoryState, bins: Iterable[int], now: datetime, *, snapshot: bool, timestamp: bool
) -> RunResult:
    result = RunResult(bins=sorted(bins))
    if result.bins:
        signer = keys.online_signer("bins")
        for index in result.bins:
            _write_bin(index, signer, now)
    if result.bins or snapshot:
        _write_snapshot(state, now)
        result.snapshot = state.snapshot_version
    if result.snapshot or timestamp:
        _write_timestamp(state, now)
        result.timestamp = state.timestamp_version
    state.save()
    return result


def _locked_state() -> RepositoryState:
    RepositoryState.objects.get_or_create(pk=1)
    return RepositoryState.objects.select_for_update().get(pk=1)


def refresh(*, now: datetime | None = None, renew: bool = False) -> RunResult:
    """Apply every pending change: each touched bin once, then the snapshot and the timestamp once.

    Idempotent: with nothing pending it writes nothing (unless ``renew``). Runs are serialised by a
    row lock on the state, held until the new files are written. Before ``tuf_init`` it does
    nothing and leaves the changes pending.

    Args:
        now: the signing time (default: now); expiries are counted from it (``TUF_*_EXPIRY``, seconds).
        renew: also sign again what expires soon: bins within 30 days, the snapshot and the
            timestamp within half their lifetime (the beat task, ``docs/operators.md``).

    Raises:
        ImproperlyConfigured: an online key file is missing.
        OSError: the storage failed (the task retries; nothing pending is dropped).
    """
    now = now or timezone.now()
    if settings.DEBUG and not RepositoryState.objects.filter(pk=1, root_version__gt=0).exists():
        initialise_development()
    with transaction.atomic():
        state = _locked_state()
        if not state.initialised:
            return RunResult(pending=PendingChange.objects.count())
        pending = list(PendingChange.objects.order_by("pk"))
        release_ids = {p.release_id for p in pending if p.release_id}
        package_ids = {p.package_id for p in pending if p.package_id}
        if package_ids:
            release_ids |= set(
                Release.objects.filter(package_id__in=package_ids).values_list("pk", flat=True)
            )
        dirty = _sync_releases(release_ids) if release_ids else set()
        if any(p.blocklist for p in pending):
            dirty |= _sync_blocklist()
        snapshot = timestamp = False
        if renew:
            dirty |= set(
                Bin.objects.filter(expires__lt=now + BINS_RENEW_BEFORE).values_list("index", flat=True)
            )
            snapshot = state.snapshot_expires < now + timedelta(seconds=settings.TUF_SNAPSHOT_EXPIRY / 2)
            timestamp = state.timestamp_expires < now + timedelta(seconds=settings.TUF_TIMESTAMP_EXPIRY / 2)
        result = _publish(state, dirty, now, snapshot=snapshot, timestamp=timestamp)
        PendingChange.objects.filter(pk__in=[p.pk for p in pending]).delete()
    result.pending = len(pending)
    if result.timestamp:
        logger.info(
            "TUF: bins %s, snapshot v%s, timestamp v%s", result.bins, result.snapshot, result.timestamp
        )
    return result


#: How long before an offline role (root, targets) expires the hourly beat task starts to warn.
OFFLINE_WARN_BEFORE = timedelta(days=30)


def offline_roles_expiring(*, now: datetime | None = None) -> list[tuple[str, datetime]]:
    """The offline roles whose signed metadata expires within :data:`OFFLINE_WARN_BEFORE` of ``now``.

    Root and targets are signed with offline keys, so nothing on the server can renew them: the
    operator rotates them (``tuf_rotate root`` / ``tuf_rotate targets``, docs/operators.md, "TUF
    repository and its keys") before clients start refusing the repository.

    Returns:
        ``[(role, expires)]``, soonest first; empty before ``tuf_init``.
    """
    now = now or timezone.now()
    state = RepositoryState.objects.filter(pk=1).first()
    if state is None or not state.initialised:
        return []
    roles = [("root", state.root_expires), ("targets", state.targets_expires)]
    return sorted(
        ((role, expires) for role, expires in roles if expires and expires < now + OFFLINE_WARN_BEFORE),
        key=lambda item: item[1],
    )


# --- top-level roles: initialise and rotate ---------------------------------------------------------


def _bins_delegation(bins_key) -> Delegations:
    return Delegations(
        keys={bins_key.keyid: bins_key},
        roles=None,
        succinct_roles=SuccinctRoles([bins_key.keyid], 1, BIN_BITS, BIN_PREFIX),
    )


def _sign_targets(state: RepositoryState, targets_signer: Signer, bins_key, now: datetime) -> None:
    state.targets_version += 1
    state.targets_expires = _expiry("TUF_TARGETS_EXPIRY", now)
    md = Metadata(
        Targets(
            version=state.targets_version,
            expires=state.targets_expires,
            delegations=_bins_delegation(bins_key),
        )
    )
    md.sign(targets_signer)
    _put_metadata(f"{state.targets_version}.targets.json", md)


def _require_threshold(trusted: Metadata[Root], new: Metadata[Root], which: str) -> None:
    try:
        trusted.verify_delegate(Root.type, new)
    except UnsignedMetadataError as exc:
        raise RepositoryError(
            f"The new root is not signed by a threshold of the {which} root keys ({exc}).",
            code="tuf.root_threshold",
        ) from exc


def _sign_root(
    state: RepositoryState, root: Root, signers: Sequence[Signer], now: datetime
) -> Metadata[Root]:
    root.version = state.root_version + 1
    root.expires = _expiry("TUF_ROOT_EXPIRY", now)
    md = Metadata(root)
    seen = set()
    for signer in signers:
        if signer.public_key.keyid not in seen:
            md.sign(signer, append=True)
            seen.add(signer.public_key.keyid)
    return md


def current_root() -> Metadata[Root]:
    """The current root metadata, read back from the storage.

    Raises:
        RepositoryError: ``tuf.not_initialised``.
    """
    state = RepositoryState.objects.filter(pk=1).first()
    if state is None or not state.initialised:
        raise RepositoryError(
            "The TUF repository is not initialised: run tuf_init.", code="tuf.not_initialised"
        )
    return Metadata[Root].from_bytes(read_metadata(f"{state.root_version}.root.json"))


def initialise(
    *, root_signers: Sequence[Signer], threshold: int, targets_signer: Signer, now: datetime | None = None
) -> RunResult:
    """Write root v1, targets v1, every bin, the snapshot and the timestamp, listing every current target.

    The online keys must exist at their settings' paths (``tuf_init`` generates them in
    development). Root is signed by every given root key.

    Raises:
        RepositoryError: ``tuf.initialised`` (already done), ``tuf.root_threshold`` (fewer distinct
            root keys than ``threshold``, or a threshold below 1).
        ImproperlyConfigured: an online key file is missing.
    """
    now = now or timezone.now()
    distinct = {s.public_key.keyid for s in root_signers}
    if threshold < 1 or len(distinct) < threshold:
        raise RepositoryError(
            f"A root threshold of {threshold} needs at least that many distinct root keys ({len(distinct)} given).",
            code="tuf.root_threshold",
        )
    with transaction.atomic():
        state = _locked_state()
        if state.initialised:
            raise RepositoryError(
                f"The TUF repository is initialised already (root v{state.root_version}); use tuf_rotate.",
                code="tuf.initialised",
            )
        root = Root(consistent_snapshot=True)
        for signer in root_signers:
            root.add_key(signer.public_key, Root.type)
        root.roles[Root.type].threshold = threshold
        root.add_key(targets_signer.public_key, Targets.type)
        root.add_key(keys.online_signer("snapshot").public_key, Snapshot.type)
        root.add_key(keys.online_signer("timestamp").public_key, Timestamp.type)
        md = _sign_root(state, root, root_signers, now)
        md.verify_delegate(Root.type, md)
        _put_metadata(f"{root.version}.root.json", md)
        state.root_version, state.root_expires = root.version, root.expires
        _sign_targets(state, targets_signer, keys.online_signer("bins").public_key, now)
        TargetEntry.objects.all().delete()
        Bin.objects.all().delete()
        _sync_releases(set(Release.objects.published().values_list("pk", flat=True)))
        _sync_blocklist()
        PendingChange.objects.all().delete()
        return _publish(state, range(2**BIN_BITS), now, snapshot=True, timestamp=True)


def initialise_development() -> RunResult | None:
    """Development (``DEBUG``): generate the missing keys (:func:`keys.development_keys`) and
    initialise with root 2 of 3; None when another process initialised first."""
    root, targets, _made = keys.development_keys()
    try:
        return initialise(
            root_signers=[keys.load_signer(p) for p in root],
            threshold=2,
            targets_signer=keys.load_signer(targets),
        )
    except RepositoryError as exc:
        if exc.code != "tuf.initialised":
            raise
        return None


def rotate(
    role: str,
    *,
    root_signers: Sequence[Signer] = (),
    new_root_signers: Sequence[Signer] = (),
    threshold: int | None = None,
    targets_signer: Signer | None = None,
    new_signer: Signer | None = None,
    new_key_file: Path | None = None,
    now: datetime | None = None,
) -> RunResult:
    """Replace the keys of ``role`` (``root``, ``targets``, ``bins``, ``snapshot``, ``timestamp``).

    * ``root``: a new root version listing ``new_root_signers`` (threshold ``threshold``, default
      the current one), signed by a threshold of the current root keys and of the new ones;
    * ``targets``: a new root (signed by ``root_signers``) naming ``new_signer``, and targets
      signed again by it;
    * ``snapshot``, ``timestamp``: a new root (signed by ``root_signers``) naming the key in
      ``new_key_file``, which then replaces the role's key file; the role is signed again;
    * ``bins``: targets signed again by ``targets_signer`` delegating to the key in
      ``new_key_file`` (which then replaces the bins key file), and every bin signed again.

    The snapshot and the timestamp are signed again in every case, so clients see the change at
    their next refresh.

    Raises:
        RepositoryError: ``tuf.not_initialised``, ``tuf.unknown_role``, ``tuf.root_threshold`` (the
            new root would not be trusted by clients), ``tuf.key_missing`` (a needed key not given).
    """
    now = now or timezone.now()
    if role not in ("root", "targets", *keys.ONLINE_ROLES):
        raise RepositoryError(
            f"Unknown role {role!r}: root, targets, bins, snapshot or timestamp.", code="tuf.unknown_role"
        )
    trusted = current_root()
    with transaction.atomic():
        state = _locked_state()
        bins: Iterable[int] = ()
        if role in keys.ONLINE_ROLES:
            if new_key_file is None:
                raise RepositoryError(f"Rotating {role} needs its new key file.", code="tuf.key_missing")
            new_signer = keys.load_signer(new_key_file)
        if role == "bins":
            if targets_signer is None:
                raise RepositoryError("Rotating bins needs the targets key.", code="tuf.key_missing")
            _sign_targets(state, targets_signer, new_signer.public_key, now)
            os.replace(new_key_file, keys.online_key_path(role))
            for index in range(2**BIN_BITS):
                _write_bin(index, new_signer, now)
        else:
            root = Metadata[Root].from_bytes(trusted.to_bytes()).signed
            if role == "root":
                if not new_root_signers:
                    raise RepositoryError("Rotating root needs the new root keys.", code="tuf.key_missing")
                for keyid in list(root.roles[Root.type].keyids):
                    root.revoke_key(keyid, Root.type)
                for signer in new_root_signers:
                    root.add_key(signer.public_key, Root.type)
                root.roles[Root.type].threshold = threshold or trusted.signed.roles[Root.type].threshold
                signers = [*root_signers, *new_root_signers]
            else:
                if new_signer is None:  # Checked before anything is written.
                    raise RepositoryError(f"Rotating {role} needs its new key.", code="tuf.key_missing")
                for keyid in list(root.roles[role].keyids):
                    root.revoke_key(keyid, role)
                root.add_key(new_signer.public_key, role)
                signers = list(root_signers)
            md = _sign_root(state, root, signers, now)
            _require_threshold(trusted, md, "current")
            _require_threshold(md, md, "new")
            _put_metadata(f"{root.version}.root.json", md)
            state.root_version, state.root_expires = root.version, root.expires
            if role in keys.ONLINE_ROLES:
                os.replace(new_key_file, keys.online_key_path(role))
            if role == "targets":
                current_targets = Metadata[Targets].from_bytes(
                    read_metadata(f"{state.targets_version}.targets.json")
                )
                bins_key = next(iter(current_targets.signed.delegations.keys.values()))
                _sign_targets(state, new_signer, bins_key, now)
        result = _publish(state, bins, now, snapshot=True, timestamp=True)
    return result
