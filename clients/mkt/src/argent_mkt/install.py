"""``mkt install`` and friends: find, fetch, verify and write packages, trusting nothing.

An installation goes through these steps, and stops at the first refusal:

1. the catalog (``GET /api/v1/catalog/{id}``) names the version (the latest that is
   not yanked, or the one asked for) and the key that signed that release
   (``public_key``, ``key_fingerprint``; the fingerprint must be the key's);
2. a version lower than the installed one is refused unless ``allow_downgrade``;
3. the marketplace's TUF repository (:mod:`argent_mkt.trust`; root pinned on first use)
   is refreshed: expired, rolled-back or badly signed metadata is refused. A marketplace
   that never served a TUF root is used with the older checks only, with a warning;
4. the blocklist (through TUF as the target ``blocklist.json``, so a stale or altered
   copy is refused; else ``GET /api/v1/blocklist``) has its Ed25519 signature over
   the RFC 8785 canonical JSON of the list verified with the marketplace key it
   reports, and that key pinned on first use (``$MKT_HOME/.mkt/marketplace.json``;
   a different key later is refused unless ``trust_new_key``); a release on it is
   refused, by id and version and again by artifact digest;
5. the artifact is the TUF target ``ID/VERSION/ID-VERSION.argent-pkg``: its signed
   ``custom.author_key`` must be the catalog's key fingerprint and its SHA-256 the
   catalog's, and the bytes downloaded from ``/packages/`` must have the signed length
   and SHA-256 (without TUF: the ObjectStack artifact endpoint's URL, size and digest,
   checked against the catalog). :func:`~argent_pkg.package.inspect_package` checks the
   container, every member checksum, the manifest and the author signature with that
   key; the manifest's id and version must be the ones asked for. The release's
   ``release.published`` entry must be in the transparency log (inclusion in a signed
   checkpoint that extends the last one seen) and name the same digest and key; a key
   other than the one pinned at the package's first install is accepted only when the
   log shows both releases published by the same publisher (or with ``trust_new_key``);
6. the install is reported (``POST /api/objectstack/v1/install``: ``listingId``,
   ``version``, the license key if any, and the account token when ``mkt login``
   stored one, else this home's ``tenantId``); the marketplace records it for its
   statistics and checks the account's plan. A refusal (``403``, e.g.
   ``install.plan_cap`` with a message naming the cap and the upgrade; ``402``;
   ``401`` for a token it no longer accepts) stops the install here, before anything
   is written. A report that cannot be delivered (network failure, a server error,
   an older marketplace without the endpoint) is a warning: verified packages still
   install when the marketplace cannot be told;
7. the members are written by :mod:`argent_mkt.safe_write` into a fresh
   directory beside the kind's install target under the home, which then replaces
   the previous installation by ``os.rename``; the record in ``installed.json`` is
   written as part of that swap, and any failure restores the previous state.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import rfc8785
import semver
from argent_pkg.archive import Limits, check_member_path
from argent_pkg.checksums import SHA256SUMS, SIGNATURE
from argent_pkg.errors import FormatError
from argent_pkg.manifest import KINDS, PLURAL_KINDS
from argent_pkg.package import inspect_package
from argent_pkg.signing import decode_public_key, fingerprint, verify_signature

from . import client, trust
from . import installed as state
from .client import NetworkError
from .safe_write import UnsafeWrite, make_staging, prepare_parent, remove_tree, swap_into_place, write_members

__all__ = [
    "InstallError",
    "InstallResult",
    "Marketplace",
    "NetworkError",
    "Release",
    "install",
    "latest_version",
    "uninstall",
    "verify_blocklist",
    "verify_installed",
]

ENV_LICENSE = "MKT_LICENSE"
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
#: Progress: ``factory(total_bytes, label)`` -> a context manager yielding a callback or ``None``.
ProgressFactory = Callable[[int, str], AbstractContextManager[Callable[[int], None] | None]]


class InstallError(Exception):
    """A refusal: the package, the marketplace or the local state is not what it must be (exit 1)."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


# --- HTTP ------------------------------------------------------------------------------------------


def _request(
    url: str,
    headers: dict[str, str],
    *,
    timeout: float,
    max_bytes: int,
    progress: Callable[[int], None] | None,
) -> tuple[int, Mapping[str, str], bytes]:
    """``GET url`` through :func:`client.request` (timeouts, retries, proxies); a body over ``max_bytes`` is refused."""
    try:
        response = client.request(
            "GET", url, headers=headers, timeout=timeout, max_bytes=max_bytes, progress=progress
        )
    except client.BodyTooLarge as exc:
        raise InstallError(str(exc)) from None
    return response.status, response.headers, response.body


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def _error_text(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace").strip()
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(
                f"{item.get('code', 'error')}: {item.get('message', '')}"
                if isinstance(item, dict)
                else str(item)
                for item in errors
            )
        for key in ("detail", "message", "error"):
            if data.get(key):
                return str(data[key])
    return str(data)[:200]


#: HTTP statuses of an install report that refuse the install (the server said no).
REPORT_REFUSALS = frozenset({401, 402, 403})


def _error_messages(body: bytes) -> str:
    """The ``message`` of each error of an API error body (with its code), else the body's text."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    errors = data.get("errors") if isinstance(data, dict) else None
    if isinstance(errors, list) and errors and all(isinstance(item, dict) for item in errors):
        return " ".join(f"{item.get('message', '')} ({item.get('code', 'error')})".strip() for item in errors)
    return _error_text(body)


class Marketplace:
    """The marketplace's public API as the install client uses it.

    Args:
        url: the marketplace's base URL.
        license_key: sent as ``X-License-Key`` (to the marketplace only, never to a
            storage host a download redirects to).
        token: an API token (``mkt login``), sent only with install reports, so that
            installs count for the account (and its plan) instead of a tenant id.
    """

    def __init__(
        self, url: str, license_key: str | None = None, *, timeout: float = 60.0, token: str | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.license_key = license_key
        self.timeout = timeout
        self.token = token

    def report_install(self, package_id: str, version: str, *, tenant_id: str | None = None) -> None:
        """``POST /api/objectstack/v1/install`` (a ``MarketplaceInstallRequest``) before writing files.

        Sends ``listingId``, ``version``, ``licenseKey`` when there is one, and either the
        token (``Authorization: Bearer``) or ``tenantId``.

        Raises:
            InstallError: the marketplace refused the install (401, 402 or 403); the
                message is the marketplace's own (for a plan cap it names the cap, the
                count and where to upgrade).
            NetworkError: the report could not be delivered or the server failed (5xx),
                or answered another status (an older marketplace): not a refusal.
        """
        url = self.url + "/api/objectstack/v1/install"
        body: dict[str, Any] = {"listingId": package_id, "version": version, "enableOnInstall": True}
        if self.license_key:
            body["licenseKey"] = self.license_key
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif tenant_id:
            body["tenantId"] = tenant_id
        # Sent once (a POST is never retried): the server may have counted the install.
        response = client.request(
            "POST",
            url,
            headers=headers,
            body=json.dumps(body).encode(),
            timeout=self.timeout,
            max_bytes=1024 * 1024,
        )
        status, raw = response.status, response.body
        if 200 <= status < 300:
            return
        if status in REPORT_REFUSALS:
            what = "your token" if status == 401 else "the install"
            hint = " Run 'mkt login' with a current account token." if status == 401 else ""
            raise InstallError(
                f"the marketplace refused {what} of {package_id} {version}: {_error_messages(raw)}{hint}"
            )
        raise NetworkError(f"POST {url} answered HTTP {status}: {_error_text(raw)}")

    def _headers(self, url: str, accept: str) -> dict[str, str]:
        headers = {"Accept": accept}
        if self.license_key and _same_origin(url, self.url):
            headers["X-License-Key"] = self.license_key
        return headers

    def get_json(self, path: str, params: dict[str, Any] | None = None, *, what: str = "") -> dict[str, Any]:
        """``GET`` a JSON object; refusals (4xx) raise :class:`InstallError`, the rest :class:`NetworkError`."""
        url = self.url + path
        query = {key: value for key, value in (params or {}).items() if value not in (None, "")}
        if query:
            url += "?" + urlencode(query)
        status, _headers, body = _request(
            url,
            self._headers(url, "application/json"),
            timeout=self.timeout,
            max_bytes=16 * 1024 * 1024,
            progress=None,
        )
        if status == 402:
            raise InstallError(
                f"{what or path} is a paid package: a license is required. Pass --license KEY "
                f"(or set {ENV_LICENSE}) with an active license for it."
                + (f" The marketplace says: {_error_text(body)}" if self.license_key else "")
            )
        if status == 404:
            raise InstallError(f"{what or path} was not found on {self.url}.")
        if 400 <= status < 500:
            raise InstallError(
                f"{what or path}: the marketplace refused (HTTP {status}): {_error_text(body)}"
            )
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if status != 200 or not isinstance(data, dict):
            raise NetworkError(f"GET {url} answered HTTP {status} without the expected JSON object.")
        return data

    def search(self, query: str, kind: str | None = None, limit: int = 20, page: int = 1) -> dict[str, Any]:
        category = f"{kind}s" if kind else None
        return self.get_json(
            "/api/v1/catalog", {"q": query, "category": category, "limit": limit, "page": page}
        )

    def detail(self, package_id: str, version: str | None = None) -> dict[str, Any]:
        return self.get_json(
            f"/api/v1/catalog/{quote(package_id, safe='')}",
            {"version": version},
            what=f"package {package_id}",
        )

    def listing(self, package_id: str) -> dict[str, Any]:
        return self.get_json(
            f"/api/objectstack/v1/listings/{quote(package_id, safe='')}", what=f"package {package_id}"
        )

    def artifact(self, package_id: str, version: str) -> dict[str, Any]:
        return self.get_json(
            f"/api/objectstack/v1/listings/{quote(package_id, safe='')}/artifact",
            {"version": version},
            what=f"{package_id} {version}",
        )

    def blocklist(self) -> dict[str, Any]:
        return self.get_json("/api/v1/blocklist", what="the blocklist")

    def download(self, url: str, *, size: int, progress: Callable[[int], None] | None = None) -> bytes:
        """The bytes at ``url`` (relative to the marketplace), following up to 5 redirects."""
        url = urljoin(self.url + "/", url)
        for _ in range(MAX_REDIRECTS + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                raise InstallError(f"refusing to download from {url!r}: not http or https.")
            status, headers, body = _request(
                url,
                self._headers(url, "application/octet-stream"),
                timeout=self.timeout,
                max_bytes=size,
                progress=progress,
            )
            if status in (301, 302, 303, 307, 308) and headers.get("Location"):
                url = urljoin(url, headers["Location"])
                continue
            if status == 402:
                raise InstallError("the download needs a license: pass --license KEY (or set MKT_LICENSE).")
            if status != 200:
                raise InstallError(f"the download failed (HTTP {status}): {_error_text(body)}")
            return body
        raise InstallError(f"the download redirected more than {MAX_REDIRECTS} times.")


# --- the blocklist and the marketplace key ------------------------------------------------------------


def verify_blocklist(
    document: dict[str, Any],
    marketplace_url: str,
    *,
    home: Path,
    trust_new_key: bool = False,
    notify: Callable[[str], None] = lambda _message: None,
) -> list[dict[str, Any]]:
    """Check the blocklist's signature and pin the marketplace key; return the entries.

    Raises:
        InstallError: a missing or malformed key, a fingerprint that is not the
            key's, a signature that does not verify, or a key other than the one
            pinned for ``marketplace_url`` (unless ``trust_new_key``).
    """
    entries = document.get("blocklist")
    public_key = document.get("public_key")
    reported = document.get("key_fingerprint")
    signature = document.get("signature")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise InstallError("the blocklist is malformed: no list of entries.")
    if not isinstance(public_key, str) or not isinstance(signature, str):
        raise InstallError("the blocklist is not signed (no public_key or signature); refusing to trust it.")
    try:
        actual = fingerprint(decode_public_key(public_key))
    except FormatError:
        raise InstallError("the blocklist's public key is malformed.") from None
    if reported != actual:
        raise InstallError(
            f"the blocklist reports key fingerprint {reported} but its key's fingerprint is {actual}."
        )
    if not verify_signature(public_key, rfc8785.dumps(entries), signature):
        raise InstallError("the blocklist's signature does not verify with the marketplace key; refusing it.")
    known = state.load_marketplaces(home)
    pinned = known.get(marketplace_url)
    if pinned is None or pinned.get("key_fingerprint") != actual:
        if pinned is not None and not trust_new_key:
            raise InstallError(
                f"the marketplace key of {marketplace_url} changed: pinned {pinned.get('key_fingerprint')} "
                f"(since {pinned.get('first_seen', '?')}), now {actual}. If the marketplace announced a new "
                f"key, run again with --trust-new-key."
            )
        if pinned is None:
            notify(f"trusting the marketplace key {actual} of {marketplace_url} (first use)")
        else:
            notify(
                f"warning: replacing the pinned marketplace key {pinned.get('key_fingerprint')} by {actual}"
            )
        known[marketplace_url] = {
            "public_key": public_key,
            "key_fingerprint": actual,
            "first_seen": state.now_utc(),
        }
        state.save_marketplaces(known, home)
    return entries


def _blocked(entries: list[dict[str, Any]], package_id: str, version: str, sha256: str | None) -> dict | None:
    for entry in entries:
        if entry.get("id") == package_id and entry.get("version") == version:
            return entry
        if sha256 and entry.get("sha256") == sha256:
            return entry
    return None


def _refuse_blocked(entry: dict[str, Any], package_id: str, version: str) -> None:
    raise InstallError(
        f"{package_id} {version} is on the marketplace blocklist ({entry.get('severity', '?')} block since "
        f"{entry.get('blocked_at', '?')}): {entry.get('reason', 'no reason given')}"
    )


# --- versions ------------------------------------------------------------------------------------------


def _parse(version: str) -> semver.Version:
    try:
        return semver.Version.parse(version)
    except (ValueError, TypeError):
        raise InstallError(f"{version!r} is not a semantic version.") from None


def _versions(detail: dict[str, Any]) -> list[dict[str, Any]]:
    versions = detail.get("versions")
    return [item for item in versions if isinstance(item, dict)] if isinstance(versions, list) else []


def latest_version(detail: dict[str, Any]) -> str | None:
    """The greatest version that is not yanked nor a pre-release (else not yanked), or ``None``."""
    candidates = []
    for item in _versions(detail):
        if item.get("yanked") or not isinstance(item.get("version"), str):
            continue
        try:
            candidates.append(semver.Version.parse(item["version"]))
        except ValueError:
            continue
    stable = [version for version in candidates if not version.prerelease]
    pool = stable or candidates
    if pool:
        return str(max(pool))
    latest = detail.get("latest")
    if not _versions(detail) and isinstance(latest, dict) and isinstance(latest.get("version"), str):
        return latest["version"]
    return None


@dataclass(frozen=True)
class Release:
    """What the catalog says about one release: the key and the artifact digest of the exact upload."""

    package_id: str
    version: str
    kind: str | None
    public_key: str
    key_fingerprint: str
    signature: str | None
    sha256: str


def _release_record(detail: dict[str, Any], version: str) -> dict[str, Any]:
    latest = detail.get("latest")
    if isinstance(latest, dict) and latest.get("version") == version:
        return latest
    return {}


def _catalog_sha256(market: Marketplace, package_id: str, version: str, record: dict[str, Any]) -> str:
    """The catalog's record of the SHA-256 of the exact bytes the author uploaded for ``version``.

    The ArgentOS dialect's ``latest.sha256`` is that of the ``package/``-wrapped copy
    it serves, so the record comes from ``artifact_sha256`` when the ArgentOS detail
    has it, else from the ObjectStack listing's ``versions[].artifact.sha256``.
    """
    if isinstance(record.get("artifact_sha256"), str):
        return record["artifact_sha256"]
    listing = market.listing(package_id)
    for item in listing.get("versions") or []:
        if isinstance(item, dict) and item.get("version") == version:
            artifact = item.get("artifact")
            if isinstance(artifact, dict) and isinstance(artifact.get("sha256"), str):
                return artifact["sha256"]
    raise InstallError(
        f"the catalog has no record of the artifact digest of {package_id} {version}; refusing."
    )


def resolve_release(
    market: Marketplace,
    package_id: str,
    version: str,
    detail: dict[str, Any],
    notify: Callable[[str], None] = lambda _message: None,
) -> Release:
    """The key and digest the catalog reports for ``version``; checks they are well-formed and agree.

    The key comes from ``latest`` when ``version`` is the latest; else from the
    ``versions`` entry when it carries ``public_key`` and ``key_fingerprint``; else
    from ``GET /api/v1/catalog/{id}?version=V`` when that answers for ``V``; else
    the latest release's key is used (the package must still verify with it, so a
    release signed with a rotated-out key is refused, never accepted).
    """
    record = _release_record(detail, version)
    if not record:
        for item in _versions(detail):
            if item.get("version") == version and item.get("public_key") and item.get("key_fingerprint"):
                record = item
        if not record:
            record = _release_record(market.detail(package_id, version), version)
        if not record:
            latest = detail.get("latest") if isinstance(detail.get("latest"), dict) else {}
            record = {key: latest.get(key) for key in ("public_key", "key_fingerprint")}
            notify(
                f"note: the catalog reports the signing key of the latest release only; {package_id} {version} "
                f"must verify with that key ({record.get('key_fingerprint')})."
            )
    public_key, key_fp = record.get("public_key"), record.get("key_fingerprint")
    if not isinstance(public_key, str) or not isinstance(key_fp, str):
        raise InstallError(f"the catalog does not report the signing key of {package_id} {version}.")
    try:
        actual = fingerprint(decode_public_key(public_key))
    except FormatError:
        raise InstallError(
            f"the catalog reports a malformed public key for {package_id} {version}."
        ) from None
    if actual != key_fp:
        raise InstallError(
            f"the catalog reports key fingerprint {key_fp} for {package_id} {version}, but the key it reports "
            f"has fingerprint {actual}."
        )
    sha256 = _catalog_sha256(market, package_id, version, record).lower()
    signature = record.get("signature") if isinstance(record.get("signature"), str) else None
    kind = detail.get("kind") if isinstance(detail.get("kind"), str) else None
    return Release(package_id, version, kind, public_key, key_fp, signature or None, sha256)


# --- installing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallResult:
    record: state.Installed
    previous: str | None
    changed: bool
    path: Path


def _target_path(home: Path, relative: str) -> Path:
    path, problem = check_member_path(relative.strip("/"), is_dir=True)
    if problem is not None or not path:
        raise InstallError(f"the install target {relative!r} is not a safe relative path.")
    return home.joinpath(*path.split("/"))


def _check_signature(release: Release, inspection_signatures: dict[str, str], sha256: str) -> None:
    """The catalog's ``signature``, when given, must be the embedded one or a detached one of these bytes."""
    if release.signature is None:
        return
    if release.signature in inspection_signatures.values():
        return
    if verify_signature(release.public_key, bytes.fromhex(sha256), release.signature):
        return
    raise InstallError(
        "the signature the catalog reports for this release is neither the package's embedded signature nor "
        "a valid detached signature of the downloaded file."
    )


# --- TUF and the transparency log (argent_mkt.trust) --------------------------------------------------


def _open_repository(
    market: Marketplace, home: Path, notify: Callable[[str], None]
) -> trust.Repository | None:
    """The marketplace's refreshed TUF repository; None (with a warning) for a marketplace without one."""
    try:
        repository = trust.open_repository(
            market.url,
            home=home,
            headers_for=lambda url: market._headers(url, "application/octet-stream"),
            timeout=market.timeout,
            notify=notify,
        )
    except trust.TrustError as exc:
        raise InstallError(str(exc)) from None
    if repository is None:
        notify(
            f"warning: {market.url} serves no TUF repository; checking the package against the catalog's "
            "word and the signed blocklist only."
        )
    return repository


def _blocklist_document(market: Marketplace, repository: trust.Repository | None) -> dict[str, Any]:
    """The blocklist: through TUF when the marketplace has a repository (so a stale copy is refused)."""
    if repository is None:
        return market.blocklist()
    try:
        info = repository.target(trust.BLOCKLIST_TARGET)
        if info is None:
            raise InstallError("the marketplace's TUF targets list no blocklist; refusing.")
        data = repository.download(
            info,
            "/tuf/targets/",
            "the blocklist",
            mismatch="this is a stale (replayed) or altered blocklist, which could hide a block",
        )
    except trust.TrustError as exc:
        raise InstallError(str(exc)) from None
    try:
        document = json.loads(data)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise InstallError("the blocklist TUF vouches for is not a JSON object; refusing.")
    return document


def _download_through_tuf(
    repository: trust.Repository, release: Release, factory: ProgressFactory, limits: Limits
) -> tuple[bytes, int | None]:
    """The artifact's bytes as TUF signs them (target ``ID/VERSION/ID-VERSION.argent-pkg``) and its log index.

    Raises:
        InstallError: no signed target (yanked, blocked or never published), a target naming
            another author key or digest than the catalog (a substituted key), bytes that differ
            from the signed length and SHA-256.
    """
    what = f"{release.package_id} {release.version}"
    filename = f"{release.package_id}-{release.version}.argent-pkg"
    try:
        info = repository.target(f"{release.package_id}/{release.version}/{filename}")
        if info is None:
            raise InstallError(
                f"{what} is not among the releases the marketplace's signed TUF metadata lists: it was "
                "yanked or blocked, or never published; refusing."
            )
        custom = info.unrecognized_fields.get("custom")
        custom = custom if isinstance(custom, dict) else {}
        author_key = custom.get("author_key")
        if author_key != release.key_fingerprint:
            raise InstallError(
                f"the catalog reports author key {release.key_fingerprint} for {what}, but the marketplace's "
                f"signed TUF target names {author_key}: the key was substituted; refusing."
            )
        if info.hashes.get("sha256") != release.sha256:
            raise InstallError(
                f"the catalog records SHA-256 {release.sha256} for {what}, but the signed TUF target "
                f"{info.hashes.get('sha256')}; refusing."
            )
        if not 0 < info.length <= limits.max_compressed_bytes:
            raise InstallError(
                f"the artifact size {info.length} is outside 1..{limits.max_compressed_bytes} bytes."
            )
        with factory(info.length, filename) as callback:
            data = repository.download(info, "/packages/", what, callback)
    except trust.TrustError as exc:
        raise InstallError(str(exc)) from None
    log_index = custom.get("log_index")
    return data, log_index if isinstance(log_index, int) else None


def _download_from_catalog(
    market: Marketplace, release: Release, factory: ProgressFactory, limits: Limits
) -> bytes:
    """The artifact from the ObjectStack artifact endpoint, checked against the catalog's size and digest."""
    package_id, version = release.package_id, release.version
    artifact = market.artifact(package_id, version)
    sha256, size, url = artifact.get("sha256"), artifact.get("size"), artifact.get("downloadUrl")
    if not isinstance(sha256, str) or not isinstance(size, int) or not isinstance(url, str):
        raise InstallError("the artifact response lacks downloadUrl, sha256 or size.")
    if artifact.get("format", "tgz") != "tgz":
        raise InstallError(f"the artifact format is {artifact.get('format')!r}, not tgz.")
    if sha256.lower() != release.sha256:
        raise InstallError(
            f"the artifact endpoint reports SHA-256 {sha256} but the catalog records {release.sha256} for "
            f"{package_id} {version}; refusing."
        )
    if not 0 < size <= limits.max_compressed_bytes:
        raise InstallError(f"the artifact size {size} is outside 1..{limits.max_compressed_bytes} bytes.")
    with factory(size, f"{package_id}-{version}.argent-pkg") as callback:
        data = market.download(url, size=size, progress=callback)
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != size or digest != release.sha256:
        raise InstallError(
            f"the downloaded file ({len(data)} bytes, SHA-256 {digest}) is not the artifact the catalog "
            f"records ({size} bytes, SHA-256 {release.sha256}); refusing."
        )
    return data


def _check_in_log(
    market: Marketplace,
    release: Release,
    digest: str,
    log_index: int | None,
    current: state.Installed | None,
    home: Path,
    trust_new_key: bool,
    notify: Callable[[str], None],
    *,
    required: bool,
) -> trust.LogProof | None:
    """Prove the release is in the transparency log; allow a new author key only from the same publisher.

    The author key pinned at the first install of a package (its record's ``key_fingerprint``)
    may change only when the log shows both releases published by the same publisher (each
    ``release.published`` entry names its publisher and key; docs/api.md, "Transparency log"),
    or with ``trust_new_key``.

    Returns:
        the release's verified entry (its checkpoint is stored once the install is written), or
        None when the marketplace has no log and ``required`` is false.

    Raises:
        InstallError: the release is not in the log, the log contradicts it or forked, or the
            key changed to another publisher's.
    """
    try:
        proof = trust.check_release_in_log(
            market.url,
            release.package_id,
            release.version,
            sha256=digest,
            key_fingerprint=release.key_fingerprint,
            home=home,
            required=required,
            log_index=log_index,
            timeout=market.timeout,
            notify=notify,
        )
    except trust.TrustError as exc:
        raise InstallError(str(exc)) from None
    if proof is None:
        notify(f"warning: {market.url} serves no transparency log; the release's publication is not proven.")
        return None
    if current is None or current.key_fingerprint == release.key_fingerprint:
        return proof
    try:  # the installed release's own entry: which publisher it was published by
        previous: trust.LogProof | None = trust.check_release_in_log(
            market.url,
            current.id,
            current.version,
            sha256=current.sha256,
            key_fingerprint=current.key_fingerprint,
            home=home,
            required=True,
            timeout=market.timeout,
        )
    except trust.TrustError:
        previous = None
    publisher = proof.entry.get("publisher")
    if previous is not None and publisher and previous.entry.get("publisher") == publisher:
        notify(
            f"note: {release.package_id} {release.version} is signed by a new key, {release.key_fingerprint} "
            f"(you installed {current.version}, signed by {current.key_fingerprint}); the transparency log shows "
            f"both published by the same publisher, {publisher} (entries {previous.index} and {proof.index})."
        )
        return proof
    if trust_new_key:
        notify(
            f"warning: trusting the new author key {release.key_fingerprint} of {release.package_id} (--trust-new-key)."
        )
        return
    raise InstallError(
        f"{release.package_id} {release.version} is signed by key {release.key_fingerprint}, not by the key "
        f"{current.key_fingerprint} that signed the {current.version} you installed, and the transparency log "
        "does not show both published by the same publisher; refusing (--trust-new-key accepts it)."
    )


def install(
    market: Marketplace,
    package_id: str,
    version: str | None = None,
    *,
    home: Path,
    allow_downgrade: bool = False,
    trust_new_key: bool = False,
    reinstall: bool = False,
    progress: ProgressFactory | None = None,
    notify: Callable[[str], None] = lambda _message: None,
    limits: Limits = Limits(),  # noqa: B008
    report: bool = True,
) -> InstallResult:
    """Install ``package_id`` (at ``version``, default the latest not yanked) under ``home``.

    With ``report`` (the default), the verified install is reported to the marketplace
    before anything is written (:meth:`Marketplace.report_install`; step 6 above).

    Raises:
        InstallError: any refusal, the marketplace's included (a plan cap); the previous
            installation is left as it was.
        NetworkError: the marketplace could not be reached or did not answer with JSON
            (except for the install report, whose failure is only a warning).
    """
    records = state.load_installed(home)
    current = records.get(package_id)
    detail = market.detail(package_id)
    if version is None:
        version = latest_version(detail)
        if version is None:
            raise InstallError(f"{package_id} has no installable version (every version is yanked).")
    else:
        listed = {item.get("version"): item for item in _versions(detail)}
        if listed and version not in listed:
            raise InstallError(
                f"{package_id} has no version {version}; available: {', '.join(map(str, listed)) or 'none'}."
            )
        if listed.get(version, {}).get("yanked"):
            raise InstallError(f"{package_id} {version} was yanked by its publisher; refusing to install it.")
    wanted = _parse(version)
    if current is not None:
        installed_version = _parse(current.version)
        if wanted == installed_version and not reinstall:
            return InstallResult(current, current.version, False, home / current.target)
        if wanted < installed_version and not allow_downgrade:
            raise InstallError(
                f"{package_id} {current.version} is installed; refusing to downgrade to {version} "
                f"(use --allow-downgrade)."
            )

    release = resolve_release(market, package_id, version, detail, notify)
    repository = _open_repository(market, home, notify)
    entries = verify_blocklist(
        _blocklist_document(market, repository),
        market.url,
        home=home,
        trust_new_key=trust_new_key,
        notify=notify,
    )
    entry = _blocked(entries, package_id, version, release.sha256)
    if entry is not None:
        _refuse_blocked(entry, package_id, version)

    factory = progress or (lambda _total, _label: nullcontext(None))
    if repository is not None:
        data, log_index = _download_through_tuf(repository, release, factory, limits)
    else:
        data, log_index = _download_from_catalog(market, release, factory, limits), None
    digest = hashlib.sha256(data).hexdigest()
    entry = _blocked(entries, package_id, version, digest)
    if entry is not None:  # pragma: no cover - the digest equals release.sha256, checked above
        _refuse_blocked(entry, package_id, version)

    try:
        inspection = inspect_package(data, public_key=release.public_key, limits=limits)
    except FormatError as error:
        details = [
            f"{problem.code}{' ' + problem.field if problem.field else ''}: {problem.message}"
            for problem in error.problems
        ]
        raise InstallError(f"{package_id} {version} failed verification.", details) from None
    if inspection.key_fingerprint != release.key_fingerprint:
        raise InstallError(
            f"the package was signed with key {inspection.key_fingerprint}, not the marketplace-reported "
            f"{release.key_fingerprint}."
        )
    _check_signature(release, inspection.signatures, digest)
    proof = _check_in_log(
        market,
        release,
        digest,
        log_index,
        current,
        home,
        trust_new_key,
        notify,
        required=repository is not None,
    )
    manifest = inspection.manifest
    if manifest.id != package_id or manifest.version != version:
        raise InstallError(
            f"the package is {manifest.id} {manifest.version}, not the {package_id} {version} asked for."
        )
    if release.kind and release.kind != manifest.kind and PLURAL_KINDS.get(release.kind) != manifest.kind:
        raise InstallError(
            f"the catalog says {package_id} is a {release.kind}, its manifest a {manifest.kind}."
        )
    rule = KINDS.get(manifest.kind)
    if rule is None:
        raise InstallError(f"this client does not know where to install a {manifest.kind}.")
    relative = rule.target_for(package_id).strip("/")
    target = _target_path(home, relative)
    if report:
        try:
            market.report_install(
                package_id, version, tenant_id=None if market.token else state.tenant_id(home)
            )
        except NetworkError as exc:
            notify(f"warning: the install could not be reported to {market.url} ({exc}); installing anyway.")

    record = state.Installed(
        id=package_id,
        version=version,
        kind=manifest.kind,
        target=relative,
        sha256=digest,
        key_fingerprint=inspection.key_fingerprint,
        files={
            path: hashlib.sha256(content).hexdigest() for path, content in sorted(inspection.members.items())
        },
        marketplace=market.url,
        installed_at=state.now_utc(),
        public_key=inspection.public_key,
    )
    _write_installation(home, relative, target, inspection.members, record, current)
    if proof is not None:
        trust.remember_checkpoint(market.url, proof, home=home)
    return InstallResult(record, current.version if current else None, True, target)


def _write_installation(
    home: Path,
    relative: str,
    target: Path,
    members: dict[str, bytes],
    record: state.Installed,
    previous: state.Installed | None,
) -> None:
    try:
        parent = prepare_parent(home, relative)
        staging = make_staging(parent, target.name)
    except (UnsafeWrite, OSError) as exc:
        raise InstallError(f"cannot prepare {target}: {exc}") from None
    try:
        write_members(staging, members)

        def commit() -> None:
            records = state.load_installed(home)
            records[record.id] = record
            state.save_installed(records, home)

        swap_into_place(staging, target, commit)
    except UnsafeWrite as exc:
        raise InstallError(f"refusing to write the package: {exc}") from None
    except OSError as exc:
        raise InstallError(
            f"writing {target} failed: {exc}; the previous installation is unchanged."
        ) from None
    finally:
        with contextlib.suppress(OSError):
            remove_tree(staging)
    if previous is not None and previous.target != relative:
        # The kind changed between versions: the old tree is no longer recorded anywhere.
        with contextlib.suppress(OSError, InstallError):
            remove_tree(_target_path(home, previous.target))


# --- uninstalling and checking ------------------------------------------------------------------------


def uninstall(package_id: str, *, home: Path) -> state.Installed:
    """Remove an installed package and its record; the record stays if the removal cannot start."""
    records = state.load_installed(home)
    record = records.get(package_id)
    if record is None:
        raise InstallError(f"{package_id} is not installed.")
    target = _target_path(home, record.target)
    trash: Path | None = None
    if os.path.lexists(target):
        if not stat.S_ISDIR(os.lstat(target).st_mode):
            raise InstallError(f"{target} is not a directory (a symbolic link?); refusing to touch it.")
        trash = make_staging(target.parent, target.name)
        os.rmdir(trash)
        os.rename(target, trash)
    try:
        del records[package_id]
        state.save_installed(records, home)
    except BaseException:
        if trash is not None:
            os.rename(trash, target)
        raise
    if trash is not None:
        remove_tree(trash)
    return record


@dataclass
class Verification:
    record: state.Installed
    modified: list[str]
    missing: list[str]
    extra: list[str]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not (self.modified or self.missing or self.extra or self.notes)


def _hash_file(dir_fd: int, name: str) -> str | None:
    """SHA-256 of a regular file opened without following a symlink, or ``None`` if it is not one."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        digest = hashlib.sha256()
        while chunk := os.read(fd, CHUNK):
            digest.update(chunk)
        return digest.hexdigest()
    finally:
        os.close(fd)


def _walk(root: Path) -> Iterator[tuple[str, str | None]]:
    """Every non-directory entry under ``root``: (relative path, SHA-256 or ``None`` if not a regular file)."""
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(directory)
        for name in list(dirnames):
            if os.path.islink(base / name):
                dirnames.remove(name)
                yield (base / name).relative_to(root).as_posix(), None
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            for name in filenames:
                yield (base / name).relative_to(root).as_posix(), _hash_file(dir_fd, name)
        finally:
            os.close(dir_fd)


def verify_installed(record: state.Installed, *, home: Path) -> Verification:
    """Re-hash an installation's files against the recorded checksums (its ``SHA256SUMS`` and more)."""
    result = Verification(record, [], [], [], [])
    target = _target_path(home, record.target)
    if not os.path.lexists(target) or not stat.S_ISDIR(os.lstat(target).st_mode):
        result.missing = sorted(record.files)
        result.notes.append(f"{target} is missing or not a directory")
        return result
    seen: dict[str, str | None] = dict(_walk(target))
    for path, expected in sorted(record.files.items()):
        if path not in seen:
            result.missing.append(path)
        elif seen[path] != expected:
            result.modified.append(path)
    result.extra = sorted(path for path in seen if path not in record.files)
    public_key = record.public_key
    if public_key and SIGNATURE in record.files and not result.modified and not result.missing:
        sums = (target / SHA256SUMS).read_bytes()
        signature = (target / SIGNATURE).read_bytes().rstrip(b"\n")
        if not verify_signature(public_key, sums, signature):  # pragma: no cover - a hash changed first
            result.notes.append("SIGNATURE does not verify over SHA256SUMS")
    return result
