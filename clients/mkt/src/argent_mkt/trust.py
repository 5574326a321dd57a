"""What ``mkt`` trusts beyond one answer of the server: the TUF repository and the transparency log.

Whoever controls the marketplace server (an intruder, a coerced operator, a poisoned cache) can
answer anything to one request. Two independent records bound what it can get away with
(docs/operators.md, "TUF repository and its keys" and "The transparency log"):

* **TUF** (The Update Framework, specification 1.0, through python-tuf's ``ngclient.Updater``):
  the root of trust is pinned under the home on first use (its key ids are shown) or handed over
  with ``mkt trust --root FILE``; every refresh then checks signatures, versions and expiries, so
  a replayed or frozen snapshot, a mix of old and new metadata, an artifact whose bytes differ from
  the signed length and SHA-256, or a stale blocklist are refused. Each release's target names its
  author key's fingerprint (``custom.author_key``) and its log index (``custom.log_index``).
* **The transparency log** (RFC 9162 Merkle tree, C2SP checkpoints and tiles): the log's verifier
  key is pinned on first use; the release's ``release.published`` entry must be in a checkpoint the
  log key signed (inclusion proof), must name the same artifact digest and author key, and that
  checkpoint must extend the last one this home saw (consistency proof computed from the tiles).
  A release missing from the log, or a log that forked, is refused.

State (``$MKT_HOME/.mkt/``): ``tuf/<marketplace>/`` (the trusted root and the metadata the updater
keeps, ngclient's own layout) and ``log.json`` (per marketplace URL: the pinned verifier key and
the last checkpoint seen). Every refusal is a :class:`TrustError` whose message names the attack
it stopped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from argent_pkg import tlog
from argent_pkg.errors import FormatError
from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata, Root
from tuf.ngclient import Updater, UpdaterConfig
from tuf.ngclient.fetcher import FetcherInterface

from . import client
from . import installed as state

__all__ = [
    "BLOCKLIST_TARGET",
    "LogProof",
    "Repository",
    "TrustError",
    "audit_log",
    "check_release_in_log",
    "open_repository",
    "pin_root",
    "remember_checkpoint",
]

NotifyFn = Callable[[str], None]
BLOCKLIST_TARGET = "blocklist.json"
LOG_FILE = "log.json"
TUF_DIR = "tuf"
#: The largest TUF metadata file read (bytes); a bin of 100,000 releases is a few hundred KiB.
MAX_METADATA_BYTES = 16 * 1024 * 1024


class TrustError(Exception):
    """A refusal by the TUF workflow or the transparency log; the message says what it means."""


# --- TUF ----------------------------------------------------------------------------------------------


class _Fetcher(FetcherInterface):
    """ngclient's network layer over :func:`client.request` (its timeouts, retries and proxies).

    Sends ``headers_for(url)`` (the license key goes to the marketplace's own origin only) and
    follows up to 5 redirects to ``http``/``https`` URLs (a download may be redirected to the
    storage's signed URL), as the artifact download does; what arrives is checked by TUF anyway.
    """

    def __init__(self, headers_for: Callable[[str], dict[str, str]], timeout: float) -> None:
        self.headers_for = headers_for
        self.timeout = timeout
        #: Called with each chunk's size while a target downloads (the CLI's progress bar).
        self.progress: Callable[[int], None] | None = None
        #: The longest body read (bytes): metadata, or the signed length of the target downloading.
        self.max_bytes = MAX_METADATA_BYTES

    def _fetch(self, url: str) -> Iterator[bytes]:
        for _ in range(6):
            try:
                response = client.request(
                    "GET",
                    url,
                    headers=self.headers_for(url),
                    timeout=self.timeout,
                    max_bytes=self.max_bytes,
                    progress=self.progress,
                )
            except client.BodyTooLarge as exc:
                raise tuf_errors.DownloadLengthMismatchError(f"{url}: {exc}") from None
            location = response.headers.get("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                if urlsplit(url).scheme not in ("http", "https"):
                    raise tuf_errors.DownloadError(f"refusing a redirect to {url!r}: not http or https")
                continue
            if response.status != 200:
                raise tuf_errors.DownloadHTTPError(f"{url} answered HTTP {response.status}", response.status)
            return iter([response.body])
        raise tuf_errors.DownloadError(f"{url} redirected too often")


def _directory_name(url: str) -> str:
    """A file name for the marketplace at ``url``: its host and port, then a short digest of the URL."""
    parts = urlsplit(url)
    host = re.sub(r"[^A-Za-z0-9.-]", "_", parts.netloc) or "marketplace"
    return f"{host}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def _root_key_ids(data: bytes) -> tuple[int, list[str]]:
    """The version and root key ids of a self-signed root (its own threshold of signatures verifies it).

    Raises:
        TrustError: not a TUF root, or not signed by a threshold of its own keys.
    """
    try:
        md = Metadata[Root].from_bytes(data)
        md.verify_delegate(Root.type, md)
    except (tuf_errors.UnsignedMetadataError, ValueError, KeyError, TypeError) as exc:
        raise TrustError(
            f"this is not a TUF root signed by its own keys ({exc}); refusing to trust it."
        ) from None
    return md.signed.version, sorted(md.signed.roles[Root.type].keyids)


def pin_root(marketplace_url: str, data: bytes, *, home: Path) -> list[str]:
    """Trust ``data`` (a TUF ``root.json``) for ``marketplace_url`` from now on; returns its root key ids.

    The root given replaces any pinned one and the metadata kept from it (``mkt trust --root``:
    the operator hands out the root another way than the server, e.g. after a compromise of a
    threshold of root keys; docs/operators.md, "After a compromise").

    Raises:
        TrustError: ``data`` is not a self-signed TUF root.
    """
    _version, key_ids = _root_key_ids(data)
    directory = state.state_dir(home, create=True) / TUF_DIR / _directory_name(marketplace_url)
    if directory.exists():
        for child in directory.iterdir():
            if child.is_file():
                child.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "root.json").write_bytes(data)
    return key_ids


@dataclass
class Repository:
    """A refreshed TUF view of one marketplace: look up a target, download it with its checks."""

    updater: Updater
    marketplace_url: str
    fetcher: _Fetcher

    def target(self, path: str) -> Any:
        """The signed target info of ``path`` (a ``TargetFile``), or None when no bin lists it.

        Raises:
            TrustError: the delegated bin's metadata failed its checks.
        """
        with _tuf_errors(f"the metadata of the hash bin for {path}"):
            return self.updater.get_targetinfo(path)

    def download(
        self,
        info: Any,
        base: str,
        what: str,
        progress: Callable[[int], None] | None = None,
        *,
        mismatch: str = "they were altered in storage or in transit",
    ) -> bytes:
        """The bytes of target ``info`` under ``base`` (``/packages/`` or ``/tuf/targets/``), length and SHA-256 checked.

        ``mismatch`` says what bytes other than the signed ones mean for this target.

        Raises:
            TrustError: the bytes are not the ones the targets metadata signs.
        """
        with tempfile.TemporaryDirectory(prefix="mkt-tuf-") as directory:
            filepath = str(Path(directory) / "target")
            self.fetcher.progress, self.fetcher.max_bytes = progress, info.length
            try:
                self.updater.download_target(
                    info, filepath=filepath, target_base_url=self.marketplace_url + base
                )
            except (tuf_errors.LengthOrHashMismatchError, tuf_errors.DownloadLengthMismatchError) as exc:
                raise TrustError(
                    f"{what}: the bytes served are not the ones the marketplace's signed TUF targets "
                    f"metadata vouches for ({exc}): {mismatch}; refusing."
                ) from None
            except tuf_errors.DownloadHTTPError as exc:
                if exc.status_code == 402:
                    raise TrustError(
                        f"{what} is a paid package: a license is required. Pass --license KEY "
                        "(or set MKT_LICENSE) with an active license for it."
                    ) from None
                raise TrustError(f"{what} could not be downloaded: {exc}.") from None
            except tuf_errors.DownloadError as exc:
                raise client.NetworkError(f"{what} could not be downloaded: {exc}") from None
            finally:
                self.fetcher.progress, self.fetcher.max_bytes = None, MAX_METADATA_BYTES
            return Path(filepath).read_bytes()


class _tuf_errors:
    """Turns the TUF workflow's refusals into :class:`TrustError` messages that say what each means."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, _tb) -> bool:
        if exc is None:
            return False
        if isinstance(exc, tuf_errors.ExpiredMetadataError):
            raise TrustError(
                f"{self.what}: the marketplace serves expired TUF metadata ({exc}). Someone may be "
                "keeping this client on an old state of the marketplace (a freeze attack), or the "
                "marketplace stopped renewing it; refusing."
            ) from None
        if isinstance(exc, tuf_errors.BadVersionNumberError):
            raise TrustError(
                f"{self.what}: the marketplace serves TUF metadata older than what this client has "
                f"already seen ({exc}): a rollback to an earlier snapshot, which could bring back "
                "yanked or blocked releases; refusing."
            ) from None
        if isinstance(exc, tuf_errors.UnsignedMetadataError):
            raise TrustError(
                f"{self.what}: TUF metadata not signed by the keys the trusted root names ({exc}); refusing."
            ) from None
        if isinstance(exc, tuf_errors.DownloadHTTPError):
            raise TrustError(
                f"{self.what}: the TUF metadata could not be fetched ({exc}); refusing."
            ) from None
        if isinstance(exc, tuf_errors.DownloadError):
            raise client.NetworkError(f"{self.what}: {exc}") from None
        if isinstance(exc, tuf_errors.RepositoryError):
            raise TrustError(f"{self.what}: the TUF metadata is inconsistent ({exc}); refusing.") from None
        return False


def open_repository(
    marketplace_url: str,
    *,
    home: Path,
    headers_for: Callable[[str], dict[str, str]],
    timeout: float = 60.0,
    notify: NotifyFn = lambda _message: None,
) -> Repository | None:
    """The marketplace's TUF repository, refreshed (timestamp, snapshot, targets), or None when it has none.

    On first use the marketplace's ``1.root.json`` is pinned and its key ids shown (trust on
    first use; ``mkt trust --root FILE`` pins one handed out another way). A marketplace with no
    repository (its ``1.root.json`` answers 404) gives None only while no root is pinned for it;
    once one is, its metadata must keep coming.

    Raises:
        TrustError: a refusal of the TUF workflow (expired, rolled back, badly signed metadata).
        NetworkError: the marketplace could not be reached.
    """
    url = marketplace_url.rstrip("/")
    directory = state.state_dir(home, create=True) / TUF_DIR / _directory_name(url)
    if not (directory / "root.json").is_file():
        response = client.request(
            "GET", url + "/tuf/metadata/1.root.json", headers=headers_for(url), timeout=timeout,
            max_bytes=MAX_METADATA_BYTES,
        )  # fmt: skip
        if response.status == 404:
            return None
        if response.status != 200:
            raise client.NetworkError(f"{url}/tuf/metadata/1.root.json answered HTTP {response.status}.")
        key_ids = pin_root(url, response.body, home=home)
        notify(
            f"Trusting {url}'s TUF root on first use; its root keys are "
            + ", ".join(key_id[:16] for key_id in key_ids)
            + ". Compare them with the ones your marketplace publishes (or pin a root with 'mkt trust --root')."
        )
    fetcher = _Fetcher(headers_for, timeout)
    updater = Updater(
        metadata_dir=str(directory),
        metadata_base_url=url + "/tuf/metadata/",
        target_base_url=url + "/packages/",
        fetcher=fetcher,
        config=UpdaterConfig(prefix_targets_with_hash=False),
    )
    with _tuf_errors(f"{url}'s TUF repository"):
        updater.refresh()
    return Repository(updater, url, fetcher)


# --- the transparency log -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LogProof:
    """A release's verified entry: its index, its fields, and the checkpoint (and its signed note) it is in."""

    index: int
    entry: dict[str, Any]
    checkpoint: tlog.Checkpoint
    note: str


def _get(url: str, headers: dict[str, str], timeout: float, what: str) -> tuple[int, bytes]:
    response = client.request("GET", url, headers=headers, timeout=timeout, max_bytes=MAX_METADATA_BYTES)
    if response.status >= 500:
        raise client.NetworkError(f"{what}: {url} answered HTTP {response.status}.")
    return response.status, response.body


def _json(status: int, body: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if status != 200 or not isinstance(data, dict):
        raise TrustError(f"{what}: the marketplace answered HTTP {status} without the expected JSON object.")
    return data


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise TrustError(f"{what} is missing or not a string.")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise TrustError(f"{what} is not base64.") from None


@dataclass
class _PinnedLog:
    """What :meth:`_Log.open` checked: the log's origin and key, where its files are, and this home's pin
    (``verifier_key``, and the last checkpoint seen: ``size``, base64 ``root``, ``checkpoint``)."""

    origin: str
    public_key: bytes
    base_url: str
    pin: dict[str, Any]


class _Log:
    """The pinned log of one marketplace: its key, its tiles, the last checkpoint this home saw."""

    def __init__(self, marketplace_url: str, home: Path, timeout: float, notify: NotifyFn) -> None:
        self.url = marketplace_url.rstrip("/")
        self.home = home
        self.timeout = timeout
        self.notify = notify
        self.headers = {"Accept": "application/json"}

    def pin(self) -> dict[str, Any] | None:
        """This home's pin of the log (``log.json``), or None before the first use."""
        pins = state.read_state(LOG_FILE, self.home).get("logs", {})
        pinned = pins.get(self.url) if isinstance(pins, dict) else None
        return pinned if isinstance(pinned, dict) else None

    def open(self, *, required: bool) -> _PinnedLog | None:
        """``GET /api/v1/log``, checked against the pinned verifier key (pinned on first use)."""
        pinned = self.pin()
        status, body = _get(self.url + "/api/v1/log", self.headers, self.timeout, "the transparency log")
        if status == 404 and pinned is None and not required:
            return None
        info = _json(status, body, "the transparency log")
        try:
            origin, public_key = tlog.parse_verifier_key(str(info.get("verifier_key")))
        except FormatError as exc:
            raise TrustError(f"the marketplace reports a malformed log verifier key ({exc}).") from None
        if pinned is None:
            self.notify(
                f"Trusting {self.url}'s transparency log on first use: {info['verifier_key']}. Compare it "
                "with the one your marketplace publishes."
            )
            pinned = {
                "verifier_key": info["verifier_key"],
                "size": 0,
                "root": base64.b64encode(tlog.EMPTY_ROOT).decode(),
            }
            self._save(pinned)
        elif pinned.get("verifier_key") != info["verifier_key"]:
            raise TrustError(
                f"the marketplace's transparency log key is now {info['verifier_key']}, not the pinned "
                f"{pinned.get('verifier_key')}: a different log, possibly one that shows a different history; "
                "refusing."
            )
        base = str(info.get("base_url") or self.url + "/log").rstrip("/")
        if not urlsplit(base).scheme:
            base = urljoin(self.url + "/", base.lstrip("/"))
        return _PinnedLog(origin, public_key, base, pinned)

    def _save(self, pinned: dict[str, Any]) -> None:
        data = state.read_state(LOG_FILE, self.home)
        logs = data.get("logs") if isinstance(data.get("logs"), dict) else {}
        logs[self.url] = pinned
        state.write_state(LOG_FILE, {"logs": logs}, self.home)

    def fetch_tile(self, log: _PinnedLog) -> Callable[[str], bytes]:
        """A function that fetches one of the log's files (``checkpoint``, ``tile/…``) from its base URL."""

        def fetch(path: str) -> bytes:
            status, body = _get(f"{log.base_url}/{path}", {}, self.timeout, "the transparency log")
            if status != 200:
                raise TrustError(f"the transparency log's file {path} answered HTTP {status}.")
            return body

        return fetch

    def extend(self, log: _PinnedLog, checkpoint: tlog.Checkpoint) -> None:
        """Check ``checkpoint`` extends the last one seen (consistency proof from the tiles).

        Raises:
            TrustError: the checkpoint is smaller than, or not consistent with, the last one seen.
        """
        size1 = int(log.pin.get("size") or 0)
        root1 = _b64(log.pin.get("root"), "the stored checkpoint's root")
        fork = (
            f"the transparency log's checkpoint (size {checkpoint.size}) does not extend the one this client "
            f"saw before (size {size1}): the log forked, so the marketplace is showing different histories "
            "to different people (a split view). Refusing; keep "
            f"{state.state_dir(self.home) / LOG_FILE} and the checkpoint as evidence."
        )
        if checkpoint.size < size1:
            raise TrustError(fork)
        if size1:
            try:
                reader = tlog.TileReader(self.fetch_tile(log), checkpoint.size)
                proof = tlog.consistency_proof(reader, size1, checkpoint.size)
                tlog.verify_consistency(size1, checkpoint.size, proof, root1, checkpoint.root)
            except FormatError:
                raise TrustError(fork) from None

    def remember(self, pin: dict[str, Any], checkpoint: tlog.Checkpoint, note: str) -> None:
        """Store ``checkpoint`` (signed ``note``) as the last one seen when it is larger than ``pin``'s."""
        if checkpoint.size > int(pin.get("size") or 0):
            self._save(
                {
                    **pin,
                    "size": checkpoint.size,
                    "root": base64.b64encode(checkpoint.root).decode(),
                    "checkpoint": note,
                }
            )


def check_release_in_log(
    marketplace_url: str,
    package_id: str,
    version: str,
    *,
    sha256: str,
    key_fingerprint: str,
    home: Path,
    required: bool,
    log_index: int | None = None,
    timeout: float = 60.0,
    notify: NotifyFn = lambda _message: None,
) -> LogProof | None:
    """Prove the release's ``release.published`` entry is in the log, naming this digest and key.

    Steps (docs/api.md, "Transparency log"): the log's verifier key is pinned on first use and
    must not change; ``GET /api/v1/log/releases/{id}/{version}`` gives the entry, a checkpoint and
    an inclusion proof; the checkpoint's signature is checked with the pinned key (C2SP
    ``signed-note``), the proof against its root (RFC 9162, 2.1.3.2), the entry's ``sha256`` and
    ``key_fingerprint`` against ``sha256`` (hex) and ``key_fingerprint``, its index against TUF's
    ``log_index`` when given, and the checkpoint's consistency with the last one seen (2.1.4.2).

    Args:
        required: refuse when the marketplace serves no log (once a log is pinned, it always is).

    Returns:
        the verified entry, or None when the marketplace has no log and ``required`` is false.

    Raises:
        TrustError: the release is not in the log, or the log contradicts itself or the release.
    """
    log = _Log(marketplace_url, home, timeout, notify)
    pinned = log.open(required=required)
    if pinned is None:
        return None
    what = f"{package_id} {version}"
    path = f"/api/v1/log/releases/{quote(package_id, safe='')}/{quote(version, safe='')}"
    status, body = _get(log.url + path, log.headers, timeout, "the transparency log")
    if status == 404:
        raise TrustError(
            f"{what} is not in the marketplace's transparency log: no one else can see that this release "
            "exists, so it may be shown to you alone (a targeted release); refusing."
        )
    answer = _json(status, body, "the transparency log")
    if answer.get("tree_size") is None or answer.get("inclusion_proof") is None:
        raise TrustError(
            f"{what} is not yet in a signed checkpoint of the transparency log (it was published seconds "
            "ago); try again in a minute."
        )
    try:
        checkpoint = tlog.open_checkpoint(str(answer.get("checkpoint")), pinned.origin, pinned.public_key)
    except FormatError as exc:
        raise TrustError(
            f"the transparency log's checkpoint is not signed by the pinned log key ({exc}); refusing."
        ) from None
    entry_bytes = _b64(answer.get("entry"), "the log entry")
    index = answer.get("log_index")
    proof = [_b64(item, "a proof hash") for item in answer.get("inclusion_proof") or []]
    if not isinstance(index, int) or answer.get("tree_size") != checkpoint.size:
        raise TrustError("the transparency log's answer does not match its checkpoint; refusing.")
    try:
        tlog.verify_inclusion(tlog.leaf_hash(entry_bytes), index, checkpoint.size, proof, checkpoint.root)
    except FormatError:
        raise TrustError(
            f"the transparency log's inclusion proof of {what} does not lead to its signed checkpoint: "
            "the entry is not in the log everyone sees; refusing."
        ) from None
    try:
        entry = json.loads(entry_bytes)
    except ValueError:
        entry = None
    if not isinstance(entry, dict) or entry.get("kind") != "release.published":
        raise TrustError(f"the transparency log entry {index} is not the publication of {what}; refusing.")
    mismatches = [
        f"{name} {entry.get(name)!r} (expected {expected!r})"
        for name, expected in (
            ("id", package_id),
            ("version", version),
            ("sha256", sha256.lower()),
            ("key_fingerprint", key_fingerprint),
        )
        if entry.get(name) != expected
    ]
    if log_index is not None and log_index != index:
        mismatches.append(f"index {index} (the TUF target says {log_index})")
    if mismatches:
        raise TrustError(
            f"the transparency log records a different publication of {what}: " + "; ".join(mismatches) + ". "
            "What you are served is not what everyone else sees; refusing."
        )
    log.extend(pinned, checkpoint)
    return LogProof(index, entry, checkpoint, str(answer["checkpoint"]))


def remember_checkpoint(marketplace_url: str, proof: LogProof, *, home: Path) -> None:
    """Store ``proof``'s checkpoint as the last one seen, when it is larger (after the install is written).

    Deferred until then so that a refused install leaves the home as it was; the checkpoint was
    checked consistent with the stored one by :func:`check_release_in_log`.
    """
    log = _Log(marketplace_url, home, 0, lambda _message: None)
    pin = log.pin()
    if pin is not None:
        log.remember(pin, proof.checkpoint, proof.note)


@dataclass(frozen=True)
class Audit:
    """What ``mkt log verify`` checked: the checkpoint's size and root, and the entries' kinds."""

    size: int
    root: bytes
    kinds: dict[str, int]


def audit_log(
    marketplace_url: str, *, home: Path, timeout: float = 60.0, notify: NotifyFn = lambda _message: None
) -> Audit:
    """Check the whole log from its static files (``mkt log verify``).

    Reads the signed checkpoint under the log's base URL, every entry bundle and every tile; checks
    the checkpoint's signature with the pinned key, that the entries hash to the level-0 tiles and
    that the tiles' root is the checkpoint's (C2SP ``tlog-tiles``; RFC 9162, 2.1.1), and that the
    checkpoint extends the last one this home saw.

    Raises:
        TrustError: a bad signature, an entry or tile that does not hash to the signed root, a fork.
    """
    log = _Log(marketplace_url, home, timeout, notify)
    pinned = log.open(required=True)
    if pinned is None:  # pragma: no cover - open() answers or raises when the log is required
        raise TrustError(f"{marketplace_url} serves no transparency log.")
    fetch = log.fetch_tile(pinned)
    note = fetch("checkpoint").decode("utf-8", "replace")
    try:
        checkpoint = tlog.open_checkpoint(note, pinned.origin, pinned.public_key)
    except FormatError as exc:
        raise TrustError(f"the log's checkpoint is not signed by the pinned log key ({exc}).") from None
    reader = tlog.TileReader(fetch, checkpoint.size)
    kinds: dict[str, int] = {}
    for n in range((checkpoint.size + tlog.TILE_WIDTH - 1) // tlog.TILE_WIDTH):
        width = tlog.tile_width(0, n, checkpoint.size)
        try:
            entries = tlog.decode_bundle(fetch(tlog.entries_path(n, width)))
        except FormatError as exc:
            raise TrustError(f"the log's entry bundle {n} is malformed ({exc}).") from None
        if len(entries) != width:
            raise TrustError(f"the log's entry bundle {n} holds {len(entries)} entries, not {width}.")
        try:
            hashes = reader.tile(0, n)
        except FormatError as exc:
            raise TrustError(f"the log's tile 0/{n} is malformed ({exc}).") from None
        for offset, (entry, stored) in enumerate(zip(entries, hashes, strict=True)):
            if tlog.leaf_hash(entry) != stored:
                raise TrustError(f"the log's entry {n * tlog.TILE_WIDTH + offset} does not hash to its tile.")
            try:
                kind = str(json.loads(entry).get("kind"))
            except (ValueError, AttributeError):
                kind = "?"
            kinds[kind] = kinds.get(kind, 0) + 1
    try:
        root = reader.root()
    except FormatError as exc:
        raise TrustError(f"the log's tiles are incomplete ({exc}).") from None
    if root != checkpoint.root:
        raise TrustError("the log's tiles do not hash to the root its checkpoint signs.")
    log.extend(pinned, checkpoint)
    log.remember(pinned.pin, checkpoint, note)
    return Audit(checkpoint.size, checkpoint.root, kinds)
