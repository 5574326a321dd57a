"""``mkt search/info/install/list/update/uninstall/verify-installed`` against a real local HTTP server.

The server is a :class:`http.server.ThreadingHTTPServer` on 127.0.0.1 in a thread,
serving the ArgentOS catalog, the ObjectStack listing and artifact endpoints, a
signed blocklist (RFC 8785 canonical JSON, signed with a local PyNaCl marketplace
key) and artifacts built with :func:`argent_pkg.build_package`.  Every test
installs into its own ``MKT_HOME`` under ``tmp_path``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import rfc8785
from argent_mkt import cli, install, installed, safe_write
from argent_pkg import fingerprint, public_key_b64, sign_bytes
from click.testing import CliRunner
from nacl.signing import SigningKey

from tests.argent_pkg.helpers import build, fixed_key, manifest, members, repack

PKG = "hello-connector"
MARKET_KEY = fixed_key(9)


@dataclass
class FakeRelease:
    data: bytes
    key: SigningKey
    yanked: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class FakeMarketplace:
    """The marketplace's public API, in memory; tests tamper with it through its attributes."""

    url: str = ""
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)
    market_key: SigningKey = MARKET_KEY
    blocked: list[dict[str, str]] = field(default_factory=list)
    license: str | None = None
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    #: (id, version) -> overrides of what the catalog / artifact endpoint / download report.
    catalog_overrides: dict[str, Any] = field(default_factory=dict)
    artifact_overrides: dict[str, Any] = field(default_factory=dict)
    listing_sha256: str | None = None
    served_bytes: bytes | None = None
    blocklist_tamper: bool = False
    #: Like the real server today: ``?version=`` on the detail is ignored (latest only).
    detail_ignores_version: bool = False
    #: ``POST /api/objectstack/v1/install`` reports received: (headers, JSON body).
    reports: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    #: The answer to install reports: (status, error code, message); ``None``: 201.
    install_answer: tuple[int, str, str] | None = None
    #: Drop the connection of install reports without answering (a network failure).
    install_hangs_up: bool = False

    def add(
        self, key: SigningKey, version: str = "1.0.0", *, package_id: str = PKG, **fields: Any
    ) -> FakeRelease:
        kind = fields.pop("kind", "connector")
        pricing = fields.pop("pricing", "free")
        extra = fields.pop("extra", None)
        data_manifest = manifest(id=package_id, version=version, kind=kind, **fields)
        if kind != "connector":
            data_manifest["category"] = "other"
        if pricing != "free":
            data_manifest.update(pricing=pricing, price_cents=900, license="proprietary")
        release = FakeRelease(build(key, data_manifest, extra), key)
        entry = self.packages.setdefault(package_id, {"kind": kind, "pricing": pricing, "releases": {}})
        entry["releases"][version] = release
        return release

    # --- documents ---

    def _latest(self, package_id: str) -> str:
        from semver import Version

        versions = [v for v, r in self.packages[package_id]["releases"].items() if not r.yanked]
        return str(max(Version.parse(v) for v in versions))

    def item(self, package_id: str) -> dict[str, Any]:
        entry = self.packages[package_id]
        return {
            "id": package_id,
            "name": package_id,
            "display_name": "Hello Connector",
            "description": "Says hello to your ArgentOS agent.",
            "kind": entry["kind"],
            "category": entry["kind"] + "s",
            "topic": "integration",
            "tags": ["hello"],
            "author_name": "Alice Tools",
            "author_verified": True,
            "publisher": "alice-tools",
            "latest_version": self._latest(package_id),
            "total_downloads": 3,
            "rating": 4.5,
            "rating_count": 2,
            "pricing": entry["pricing"],
            "price_cents": 0,
            "listed": True,
            "updated_at": "2026-05-01T00:00:00Z",
        }

    def detail(self, package_id: str, version: str | None) -> dict[str, Any]:
        entry = self.packages[package_id]
        version = version or self._latest(package_id)
        release = entry["releases"][version]
        public = public_key_b64(release.key)
        latest = {
            "version": version,
            "changelog": "Initial release.",
            "min_argent_version": "2026.3.0",
            "tools": [],
            "permissions": ["network:api.example.com"],
            "sha256": "0" * 64,  # the package/-wrapped copy's, which mkt install must not use
            "size": 1,
            "published_at": "2026-05-01T00:00:00Z",
            "signature": None,
            "public_key": public,
            "key_fingerprint": fingerprint(public),
        }
        latest.update(self.catalog_overrides)
        body = self.item(package_id)
        body["latest"] = latest
        body["versions"] = [
            {"version": v, "published_at": "2026-05-01T00:00:00Z", "yanked": r.yanked}
            for v, r in entry["releases"].items()
        ]
        body["version_count"] = len(entry["releases"])
        return body

    def listing(self, package_id: str) -> dict[str, Any]:
        entry = self.packages[package_id]
        versions = []
        for version, release in entry["releases"].items():
            versions.append(
                {
                    "version": version,
                    "releaseDate": "2026-05-01T00:00:00Z",
                    "deprecated": release.yanked,
                    "artifact": {
                        "url": f"{self.url}/files/{package_id}/{version}",
                        "sha256": self.listing_sha256 or release.sha256,
                        "size": len(release.data),
                        "format": "tgz",
                        "uploadedAt": "2026-05-01T00:00:00Z",
                    },
                }
            )
        return {"id": package_id, "packageId": package_id, "name": "Hello Connector", "versions": versions}

    def artifact(self, package_id: str, version: str) -> dict[str, Any]:
        release = self.packages[package_id]["releases"][version]
        body = {
            "downloadUrl": f"{self.url}/files/{package_id}/{version}",
            "sha256": release.sha256,
            "size": len(release.data),
            "format": "tgz",
            "expiresAt": "2030-01-01T00:00:00Z",
        }
        body.update(self.artifact_overrides)
        return body

    def blocklist(self) -> dict[str, Any]:
        entries = list(self.blocked)
        signature = sign_bytes(self.market_key, rfc8785.dumps(entries))
        if self.blocklist_tamper:
            entries = []
        public = public_key_b64(self.market_key)
        return {
            "blocklist": entries,
            "signed": "rfc8785(blocklist)",
            "algorithm": "ed25519",
            "generated_at": "2026-05-01T00:00:00Z",
            "public_key": public,
            "key_fingerprint": fingerprint(public),
            "signature": signature,
        }

    def block(self, version: str = "1.0.0", severity: str = "hard", package_id: str = PKG) -> None:
        release = self.packages[package_id]["releases"][version]
        self.blocked.append(
            {
                "id": package_id,
                "version": version,
                "sha256": release.sha256,
                "severity": severity,
                "reason": "Exfiltrates API keys.",
                "blocked_at": "2026-05-02T00:00:00Z",
            }
        )

    # --- routing ---

    def handle_post(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if urlsplit(path).path != "/api/objectstack/v1/install":
            return 404, {"Content-Type": "application/json"}, b'{"ok": false, "errors": []}'
        self.reports.append((headers, json.loads(body)))
        if self.install_answer is not None:
            status, code, message = self.install_answer
            payload = {"ok": False, "errors": [{"code": code, "field": None, "message": message}]}
            return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()
        payload = {"success": True, "packageId": json.loads(body)["listingId"], "message": "installed"}
        return 201, {"Content-Type": "application/json"}, json.dumps(payload).encode()

    def handle(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.requests.append((path, headers))
        parts = urlsplit(path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        segments = [s for s in parts.path.split("/") if s]

        def ok(body: Any) -> tuple[int, dict[str, str], bytes]:
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

        def error(status: int, code: str) -> tuple[int, dict[str, str], bytes]:
            body = {"ok": False, "errors": [{"code": code, "field": None, "message": code.replace("_", " ")}]}
            return status, {"Content-Type": "application/json"}, json.dumps(body).encode()

        def paid_refused(package_id: str) -> bool:
            paid = self.packages[package_id]["pricing"] != "free"
            return paid and headers.get("x-license-key") != self.license

        if segments == ["api", "v1", "catalog"]:
            items = [self.item(pid) for pid in self.packages if query.get("q", "") in pid]
            if query.get("category"):
                items = [item for item in items if item["category"] == query["category"]]
            limit = int(query.get("limit", 20))
            return ok({"items": items[:limit], "total": len(items), "page": 1, "limit": limit})
        if segments == ["api", "v1", "blocklist"]:
            return ok(self.blocklist())
        if segments[:3] == ["api", "v1", "catalog"] and len(segments) == 4:
            if segments[3] not in self.packages:
                return error(404, "not_found")
            version = None if self.detail_ignores_version else query.get("version")
            if version and version not in self.packages[segments[3]]["releases"]:
                return error(404, "not_found")
            return ok(self.detail(segments[3], version))
        if segments[:3] == ["api", "objectstack", "v1"] and segments[3:4] == ["listings"]:
            package_id = segments[4]
            if package_id not in self.packages:
                return error(404, "not_found")
            if len(segments) == 5:
                return ok(self.listing(package_id))
            if segments[5:] == ["artifact"]:
                if paid_refused(package_id):
                    return error(402, "license_required")
                return ok(self.artifact(package_id, query.get("version") or self._latest(package_id)))
        if segments[:1] == ["files"]:
            package_id, version = segments[1], segments[2]
            if paid_refused(package_id):
                return error(402, "license_required")
            # An expiring storage URL, like a pre-signed S3 one.
            return 302, {"Location": f"/storage/{package_id}/{version}?expires=9999"}, b""
        if segments[:1] == ["storage"]:
            release = self.packages[segments[1]]["releases"][segments[2]]
            data = self.served_bytes if self.served_bytes is not None else release.data
            return 200, {"Content-Type": "application/gzip"}, data
        return error(404, "not_found")


@pytest.fixture
def market() -> Iterator[FakeMarketplace]:
    fake = FakeMarketplace()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            status, headers, body = fake.handle(self.path, {k.lower(): v for k, v in self.headers.items()})
            self._send(status, headers, body)

        def do_POST(self) -> None:  # noqa: N802
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if fake.install_hangs_up:
                self.close_connection = True
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._send(*fake.handle_post(self.path, headers, data))

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def home(tmp_path, monkeypatch, market) -> Path:
    for name in ("MKT_TOKEN", "MKT_LICENSE", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKT_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("MKT_URL", market.url)
    path = tmp_path / "argentos"
    monkeypatch.setenv("MKT_HOME", str(path))
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def snapshot(root: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every entry under ``root``: relative path -> (type, content or link target)."""
    result: dict[str, tuple[str, bytes | str]] = {}
    if not root.exists():
        return result
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(directory) / name
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                result[relative] = ("link", os.readlink(path))
            elif path.is_dir():
                result[relative] = ("dir", oct(stat.S_IMODE(path.stat().st_mode)))
            else:
                result[relative] = ("file", path.read_bytes())
    return result


# --- search and info ---------------------------------------------------------------------------------


def test_search_prints_a_table(home, market, key):
    market.add(key)
    market.add(key, package_id="other-theme", kind="theme", permissions=[])
    result = run("search", "hello")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "VERSION", "KIND", "PRICING", "DESCRIPTION"]
    assert lines[1].startswith(PKG) and "1.0.0" in lines[1] and "connector" in lines[1]
    assert "other-theme" not in result.output
    path, _ = market.requests[-1]
    assert path.startswith("/api/v1/catalog?") and "q=hello" in path

    result = run("search", "", "--kind", "theme", "--limit", "5")
    assert result.exit_code == 0
    assert "other-theme" in result.output and PKG not in result.output
    assert "category=themes" in market.requests[-1][0] and "limit=5" in market.requests[-1][0]

    assert "No packages found." in run("search", "nothing-like-this").output


def test_info_shows_versions_permissions_and_key(home, market, key):
    market.add(key)
    market.add(key, "1.1.0")
    market.packages[PKG]["releases"]["1.1.0"].yanked = True
    result = run("info", PKG)
    assert result.exit_code == 0, result.output
    assert "key fingerprint: " + fingerprint(public_key_b64(key)) in result.output
    assert "permissions: network:api.example.com" in result.output
    assert "  1.0.0" in result.output and "1.1.0  2026-05-01T00:00:00Z  (yanked)" in result.output
    assert f"install: mkt install {PKG}" in result.output


def test_info_of_unknown_package_exits_1(home, market):
    result = run("info", "nope")
    assert result.exit_code == 1
    assert "not found" in result.output


def test_network_failure_exits_3(home, monkeypatch, tmp_path):
    monkeypatch.setenv("MKT_URL", "http://127.0.0.1:9")
    assert run("info", PKG).exit_code == 3
    assert run("install", PKG).exit_code == 3


def test_bad_spec_and_url_are_usage_errors(home):
    assert run("install", "x@").exit_code == 2
    assert run("install", PKG, "--url", "ftp://example.com").exit_code == 2


# --- install -------------------------------------------------------------------------------------------


def test_install_writes_the_members_and_records_them(home, market, key):
    release = market.add(key)
    result = run("install", PKG)
    assert result.exit_code == 0, result.output
    target = home / "connectors" / PKG
    assert f"installed {PKG} 1.0.0 (connector) in {target}" in result.output
    assert f"sha256: {release.sha256}" in result.output
    expected = members(manifest(id=PKG, version="1.0.0"))
    for path in expected:
        assert (target / path).is_file()
        assert stat.S_IMODE((target / path).stat().st_mode) == 0o644
    assert (target / "SHA256SUMS").is_file() and (target / "SIGNATURE").is_file()
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert stat.S_IMODE((target / "agent-harness").stat().st_mode) == 0o755
    # Nothing but the target and the state directory under the home; no staging left over.
    assert sorted(p.name for p in home.iterdir()) == [".mkt", "connectors"]
    assert sorted(p.name for p in (home / "connectors").iterdir()) == [PKG]

    state = json.loads((home / ".mkt" / "installed.json").read_text())
    record = state["packages"][PKG]
    assert record["version"] == "1.0.0" and record["kind"] == "connector"
    assert record["target"] == f"connectors/{PKG}"
    assert record["sha256"] == release.sha256
    assert record["key_fingerprint"] == fingerprint(public_key_b64(key))
    assert set(record["files"]) == {*expected, "SHA256SUMS", "SIGNATURE"}
    assert record["files"]["README.md"] == hashlib.sha256(expected["README.md"]).hexdigest()
    pinned = json.loads((home / ".mkt" / "marketplace.json").read_text())["marketplaces"][market.url]
    assert pinned["key_fingerprint"] == fingerprint(public_key_b64(MARKET_KEY))

    # The exact bytes came from the ObjectStack artifact endpoint, via the expiring URL.
    paths = [path for path, _ in market.requests]
    assert any(p.startswith(f"/api/objectstack/v1/listings/{PKG}/artifact?version=1.0.0") for p in paths)
    assert any(p.startswith(f"/storage/{PKG}/1.0.0") for p in paths)
    assert not any("/download" in p for p in paths)


@pytest.mark.parametrize(
    ("kind", "target"),
    [
        ("skill", "skills"),
        ("plugin", "extensions"),
        ("app", "apps"),
        ("widget", "widgets"),
        ("theme", "themes"),
    ],
)
def test_install_target_follows_the_kind(home, market, key, kind, target):
    extra = {"skills/hello/SKILL.md": b"# Hello\n"} if kind == "skill" else None
    market.add(key, kind=kind, permissions=[], extra=extra)
    result = run("install", PKG)
    assert result.exit_code == 0, result.output
    assert (home / target / PKG / "argent.plugin.json").is_file()


def test_install_specific_version_and_reinstall(home, market, key):
    market.add(key, "1.0.0")
    market.add(key, "1.2.0")
    assert run("install", f"{PKG}@1.0.0").exit_code == 0
    assert installed.load_installed(home)[PKG].version == "1.0.0"
    result = run("install", f"{PKG}@1.0.0")
    assert result.exit_code == 0 and "already installed" in result.output
    assert run("install", f"{PKG}@1.0.0", "--reinstall").exit_code == 0
    assert run("install", PKG).exit_code == 0
    assert installed.load_installed(home)[PKG].version == "1.2.0"


def test_unknown_or_yanked_version_is_refused(home, market, key):
    market.add(key, "1.0.0")
    market.add(key, "1.1.0")
    market.packages[PKG]["releases"]["1.1.0"].yanked = True
    result = run("install", f"{PKG}@9.9.9")
    assert result.exit_code == 1 and "no version 9.9.9" in result.output
    result = run("install", f"{PKG}@1.1.0")
    assert result.exit_code == 1 and "yanked" in result.output
    # Without a version the latest one that is not yanked is chosen.
    assert run("install", PKG).exit_code == 0
    assert installed.load_installed(home)[PKG].version == "1.0.0"


def test_progress_bar_only_on_a_tty(home, market, key, monkeypatch):
    market.add(key)
    monkeypatch.setattr(cli, "_stdout_is_tty", lambda: True)
    result = run("install", PKG)
    assert result.exit_code == 0, result.output
    assert f"Downloading {PKG}-1.0.0.argent-pkg" in result.output


def test_downgrade_is_refused_unless_allowed(home, market, key):
    market.add(key, "1.0.0")
    market.add(key, "2.0.0")
    assert run("install", PKG).exit_code == 0
    before = snapshot(home / "connectors")
    result = run("install", f"{PKG}@1.0.0")
    assert result.exit_code == 1
    assert "refusing to downgrade" in result.output and "--allow-downgrade" in result.output
    assert snapshot(home / "connectors") == before
    result = run("install", f"{PKG}@1.0.0", "--allow-downgrade")
    assert result.exit_code == 0, result.output
    assert "(was 2.0.0)" in result.output
    assert installed.load_installed(home)[PKG].version == "1.0.0"


# --- refusals: digests, keys, signatures --------------------------------------------------------------


def installed_ok(home: Path) -> dict[str, tuple[str, bytes | str]]:
    """Install 1.0.0 and return the snapshot of the home that refusals must leave alone."""
    assert run("install", f"{PKG}@1.0.0").exit_code == 0
    return snapshot(home)


def test_artifact_digest_differing_from_the_catalog_is_refused(home, market, key):
    market.add(key, "1.0.0")
    market.add(key, "1.1.0")
    before = installed_ok(home)
    market.listing_sha256 = "ab" * 32
    result = run("install", PKG)
    assert result.exit_code == 1
    assert "catalog records" in result.output
    assert snapshot(home) == before
    assert not any(p.startswith("/storage/") and "1.1.0" in p for p, _ in market.requests)


def test_downloaded_bytes_differing_from_the_digest_are_refused(home, market, key, other_key):
    market.add(key, "1.0.0")
    market.add(key, "1.1.0")
    before = installed_ok(home)
    # Another valid package, same size or not, is still not the recorded artifact.
    market.served_bytes = build(key, manifest(id=PKG, version="1.1.0", description="Evil twin."))
    result = run("install", PKG)
    assert result.exit_code == 1
    assert "is not the artifact the catalog records" in result.output
    assert snapshot(home) == before


def test_package_signed_by_another_key_is_refused(home, market, key, other_key):
    market.add(key, "1.0.0")
    market.add(other_key, "1.1.0")  # the catalog reports other_key for it...
    before = installed_ok(home)
    # ...but says the release's key is the author's usual one.
    market.catalog_overrides = {
        "public_key": public_key_b64(key),
        "key_fingerprint": fingerprint(public_key_b64(key)),
    }
    result = run("install", PKG)
    assert result.exit_code == 1
    assert "failed verification" in result.output
    assert "signature.key_mismatch" in result.output or "signature.invalid" in result.output
    assert snapshot(home) == before


def test_fingerprint_not_matching_the_reported_key_is_refused(home, market, key, other_key):
    market.add(key)
    market.catalog_overrides = {"key_fingerprint": fingerprint(public_key_b64(other_key))}
    result = run("install", PKG)
    assert result.exit_code == 1
    assert "has fingerprint" in result.output
    assert not (home / "connectors").exists()


def test_tampered_member_fails_its_checksum(home, market, key):
    market.add(key, "1.0.0")
    release = market.add(key, "1.1.0")
    before = installed_ok(home)
    from argent_pkg import read_archive

    tampered = dict(read_archive(release.data).members)
    tampered["connector.json"] = b'{"tools": ["steal"]}\n'
    release.data = repack(tampered)  # the catalog and the artifact endpoint now agree on the bad bytes
    result = run("install", PKG)
    assert result.exit_code == 1
    assert "checksums." in result.output
    assert snapshot(home) == before


def test_catalog_signature_that_is_not_the_package_s_is_refused(home, market, key):
    release = market.add(key)
    market.catalog_overrides = {"signature": sign_bytes(key, b"something else")}
    result = run("install", PKG)
    assert result.exit_code == 1 and "signature the catalog reports" in result.output
    # The embedded signature, or a detached one over the file's digest, is accepted.
    from argent_pkg import detached_signature, read_archive

    embedded = read_archive(release.data).members["SIGNATURE"].decode().strip()
    market.catalog_overrides = {"signature": embedded}
    assert run("install", PKG).exit_code == 0
    market.catalog_overrides = {"signature": detached_signature(key, release.data)}
    assert run("install", PKG, "--reinstall").exit_code == 0


def test_manifest_of_another_package_is_refused(home, market, key):
    market.add(key, package_id="hello-connector")
    # The marketplace serves hello-connector's bytes for "other-connector".
    market.packages["other-connector"] = market.packages[PKG]
    result = run("install", "other-connector")
    assert result.exit_code == 1
    assert "not the other-connector 1.0.0 asked for" in result.output


def test_oversized_artifact_is_refused_before_download(home, market, key):
    market.add(key)
    market.artifact_overrides = {"size": 51 * 1024 * 1024}
    result = run("install", PKG)
    assert result.exit_code == 1 and "artifact size" in result.output


# --- the blocklist and the marketplace key ------------------------------------------------------------


@pytest.mark.parametrize("severity", ["hard", "soft"])
def test_blocked_release_is_refused(home, market, key, severity):
    market.add(key, "1.0.0")
    market.block("1.0.0", severity)
    result = run("install", PKG)
    assert result.exit_code == 1
    assert f"on the marketplace blocklist ({severity} block" in result.output
    assert "Exfiltrates API keys." in result.output
    assert not (home / "connectors").exists()


def test_blocked_by_digest_under_another_version(home, market, key):
    release = market.add(key, "1.0.0")
    market.blocked.append(
        {
            "id": PKG,
            "version": "0.0.1",
            "sha256": release.sha256,
            "severity": "hard",
            "reason": "x",
            "blocked_at": "z",
        }
    )
    assert run("install", PKG).exit_code == 1


def test_blocklist_with_a_bad_signature_is_refused(home, market, key):
    market.add(key)
    market.block("1.0.0")
    market.blocklist_tamper = True  # entries removed after signing
    result = run("install", PKG)
    assert result.exit_code == 1
    assert "signature does not verify" in result.output
    assert not (home / ".mkt" / "marketplace.json").exists()


def test_marketplace_key_is_pinned_on_first_use(home, market, key):
    market.add(key, "1.0.0")
    market.add(key, "1.1.0")
    result = run("install", f"{PKG}@1.0.0")
    assert result.exit_code == 0
    assert "(first use)" in result.output
    before = snapshot(home)
    market.market_key = fixed_key(10)
    result = run("install", PKG)
    assert result.exit_code == 1
    assert (
        "marketplace key" in result.output
        and "changed" in result.output
        and "--trust-new-key" in result.output
    )
    assert snapshot(home) == before
    result = run("install", PKG, "--trust-new-key")
    assert result.exit_code == 0, result.output
    pinned = json.loads((home / ".mkt" / "marketplace.json").read_text())["marketplaces"][market.url]
    assert pinned["key_fingerprint"] == fingerprint(public_key_b64(fixed_key(10)))


def test_verify_blocklist_rejects_a_lying_fingerprint(tmp_path):
    entries: list[dict[str, str]] = []
    document = {
        "blocklist": entries,
        "public_key": public_key_b64(MARKET_KEY),
        "key_fingerprint": fingerprint(public_key_b64(fixed_key(3))),
        "signature": sign_bytes(MARKET_KEY, rfc8785.dumps(entries)),
    }
    with pytest.raises(install.InstallError, match="fingerprint"):
        install.verify_blocklist(document, "http://m", home=tmp_path)
    document["key_fingerprint"] = fingerprint(public_key_b64(MARKET_KEY))
    assert install.verify_blocklist(document, "http://m", home=tmp_path) == []
    del document["signature"]
    with pytest.raises(install.InstallError, match="not signed"):
        install.verify_blocklist(document, "http://m", home=tmp_path)


# --- paid packages ----------------------------------------------------------------------------------


def test_paid_package_needs_a_license(home, market, key, monkeypatch):
    market.add(key, pricing="pro")
    market.license = "LIC-1234"
    result = run("install", PKG)
    assert result.exit_code == 1
    assert "paid package: a license is required" in result.output and "--license" in result.output
    result = run("install", PKG, "--license", "LIC-1234")
    assert result.exit_code == 0, result.output
    sent = [headers for path, headers in market.requests if "/artifact" in path][-1]
    assert sent["x-license-key"] == "LIC-1234"
    # The license goes to the marketplace only, including the redirect on the same origin here.
    monkeypatch.setenv("MKT_LICENSE", "LIC-1234")
    assert run("install", PKG, "--reinstall").exit_code == 0


def test_license_key_not_sent_to_another_origin():
    market = install.Marketplace("http://127.0.0.1:1", "LIC")
    assert market._headers("http://127.0.0.1:1/x", "a")["X-License-Key"] == "LIC"
    assert "X-License-Key" not in market._headers("http://storage.example:443/x", "a")


# --- atomic replacement ----------------------------------------------------------------------------


def test_failure_after_partial_writes_keeps_the_previous_installation(home, market, key, monkeypatch):
    market.add(key, "1.0.0")
    market.add(key, "1.1.0", extra={"more/a.txt": b"a", "more/b.txt": b"b"})
    before = installed_ok(home)
    real = safe_write._write_file
    calls = {"n": 0}

    def failing(dir_fd: int, name: str, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        real(dir_fd, name, data)

    monkeypatch.setattr(safe_write, "_write_file", failing)
    result = run("install", PKG)
    assert result.exit_code == 1
    assert (
        "No space left on device" in result.output and "previous installation is unchanged" in result.output
    )
    assert calls["n"] == 4
    assert snapshot(home) == before  # no staging directory left behind either


def test_failure_while_recording_rolls_the_swap_back(home, market, key, monkeypatch):
    market.add(key, "1.0.0")
    market.add(key, "1.1.0")
    before = installed_ok(home)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(installed, "save_installed", broken)
    result = run("install", PKG)
    assert result.exit_code == 1
    assert snapshot(home) == before


def test_failure_of_the_rename_restores_the_old_tree(home, market, key, monkeypatch):
    market.add(key, "1.0.0")
    market.add(key, "1.1.0")
    before = installed_ok(home)
    real_rename = os.rename
    calls = {"n": 0}

    def rename(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the old tree is aside; the new one fails to move in
            raise OSError(18, "Invalid cross-device link")
        real_rename(src, dst)

    monkeypatch.setattr(safe_write.os, "rename", rename)
    result = run("install", PKG)
    assert result.exit_code == 1
    monkeypatch.setattr(safe_write.os, "rename", real_rename)
    assert snapshot(home) == before


def test_symlinked_kind_directory_in_the_home_is_refused(home, market, key, tmp_path):
    market.add(key)
    outside = tmp_path / "outside"
    outside.mkdir()
    home.mkdir()
    (home / "connectors").symlink_to(outside)
    result = run("install", PKG)
    assert result.exit_code == 1
    assert "symbolic link" in result.output
    assert list(outside.iterdir()) == []


def test_symlinked_target_is_refused(home, market, key, tmp_path):
    market.add(key)
    outside = tmp_path / "outside"
    outside.mkdir()
    (home / "connectors").mkdir(parents=True)
    (home / "connectors" / PKG).symlink_to(outside)
    result = run("install", PKG)
    assert result.exit_code == 1
    assert list(outside.iterdir()) == []
    assert (home / "connectors" / PKG).is_symlink()


# --- list, update, uninstall, verify-installed ------------------------------------------------------


def test_list_update_uninstall(home, market, key):
    assert "No packages installed." in run("list").output
    market.add(key, "1.0.0")
    market.add(key, "1.0.0", package_id="second-connector")
    assert run("install", PKG).exit_code == 0
    assert run("install", "second-connector").exit_code == 0
    result = run("list")
    assert result.exit_code == 0
    assert (
        f"{PKG}" in result.output
        and "second-connector" in result.output
        and f"connectors/{PKG}" in result.output
    )

    result = run("update")
    assert result.exit_code == 0 and f"{PKG} 1.0.0 is up to date" in result.output

    market.add(key, "1.1.0")
    market.add(key, "1.2.0")
    market.packages[PKG]["releases"]["1.2.0"].yanked = True
    result = run("update")
    assert result.exit_code == 0, result.output
    assert f"installed {PKG} 1.1.0 (was 1.0.0)" in result.output
    assert "second-connector 1.0.0 is up to date" in result.output
    assert installed.load_installed(home)[PKG].version == "1.1.0"

    market.add(key, "1.3.0")
    result = run("update", PKG)
    assert result.exit_code == 0 and "1.3.0" in result.output
    assert run("update", "not-installed").exit_code == 1

    result = run("uninstall", PKG)
    assert result.exit_code == 0, result.output
    assert not (home / "connectors" / PKG).exists()
    assert PKG not in installed.load_installed(home)
    assert "second-connector" in installed.load_installed(home)
    assert run("uninstall", PKG).exit_code == 1
    assert sorted(p.name for p in (home / "connectors").iterdir()) == ["second-connector"]


def test_update_of_a_blocked_release_is_refused_and_others_continue(home, market, key):
    market.add(key, "1.0.0")
    market.add(key, "1.0.0", package_id="second-connector")
    assert run("install", PKG).exit_code == 0
    assert run("install", "second-connector").exit_code == 0
    market.add(key, "1.1.0")
    market.add(key, "1.1.0", package_id="second-connector")
    market.block("1.1.0")
    result = run("update")
    assert result.exit_code == 1
    assert "blocklist" in result.output
    assert installed.load_installed(home)["second-connector"].version == "1.1.0"
    assert installed.load_installed(home)[PKG].version == "1.0.0"


def test_verify_installed_reports_modified_missing_and_extra(home, market, key, tmp_path):
    market.add(key)
    assert run("install", PKG).exit_code == 0
    result = run("verify-installed")
    assert result.exit_code == 0, result.output
    assert f"{PKG} 1.0.0: OK" in result.output

    target = home / "connectors" / PKG
    (target / "README.md").write_bytes(b"# changed\n")
    (target / "connector.json").unlink()
    (target / "agent-harness" / "evil.py").write_bytes(b"import os\n")
    (target / "link").symlink_to(tmp_path)
    result = run("verify-installed", PKG)
    assert result.exit_code == 1
    assert "modified: README.md" in result.output
    assert "missing: connector.json" in result.output
    assert "extra: agent-harness/evil.py" in result.output
    assert "extra: link" in result.output
    assert run("verify-installed", "nope").exit_code == 1


def test_verify_installed_detects_a_replaced_checksum_file(home, market, key):
    market.add(key)
    assert run("install", PKG).exit_code == 0
    target = home / "connectors" / PKG
    (target / "SHA256SUMS").write_bytes(b"")
    result = run("verify-installed")
    assert result.exit_code == 1 and "modified: SHA256SUMS" in result.output


def test_verify_installed_with_the_target_gone(home, market, key):
    import shutil

    market.add(key)
    assert run("install", PKG).exit_code == 0
    shutil.rmtree(home / "connectors" / PKG)
    result = run("verify-installed")
    assert result.exit_code == 1 and "missing: argent.plugin.json" in result.output


def test_corrupt_state_file_exits_1(home):
    (home / ".mkt").mkdir(parents=True)
    (home / ".mkt" / "installed.json").write_text("{not json")
    result = run("list")
    assert result.exit_code == 1 and "not valid JSON" in result.output


def test_latest_version_prefers_stable_not_yanked():
    detail = {
        "versions": [
            {"version": "1.0.0", "yanked": False},
            {"version": "2.0.0-beta.1", "yanked": False},
            {"version": "1.5.0", "yanked": True},
        ]
    }
    assert install.latest_version(detail) == "1.0.0"
    assert install.latest_version({"versions": [{"version": "1.0.0", "yanked": True}]}) is None
    assert install.latest_version({"latest": {"version": "3.0.0"}}) == "3.0.0"


def test_public_key_helper_matches_signing_key(key):
    assert base64.b64decode(public_key_b64(key)) == bytes(key.verify_key)


def test_older_release_key_falls_back_to_the_latest_key(home, market, key, other_key):
    """When the catalog reports only the latest release's key, an older release must verify with it."""
    market.detail_ignores_version = True
    market.add(key, "1.0.0")
    market.add(key, "2.0.0")
    result = run("install", f"{PKG}@1.0.0")
    assert result.exit_code == 0, result.output
    assert "reports the signing key of the latest release only" in result.output
    # A release signed with another key than the one reported is refused, never accepted.
    market.add(other_key, "1.5.0")
    result = run("install", f"{PKG}@1.5.0")
    assert result.exit_code == 1
    assert "failed verification" in result.output
    assert installed.load_installed(home)[PKG].version == "1.0.0"


# --- reporting installs -------------------------------------------------------------


def test_install_is_reported_with_a_stable_tenant_id_when_not_logged_in(home, market, key):
    market.add(key)
    market.add(key, package_id="other-connector")
    assert run("install", PKG).exit_code == 0
    assert run("install", "other-connector").exit_code == 0

    tenant_file = home / ".mkt" / "tenant-id"
    tenant = tenant_file.read_text().strip()
    assert tenant.startswith("mkt-") and len(tenant) == 36
    assert stat.S_IMODE(tenant_file.stat().st_mode) == 0o600
    assert [body for _, body in market.reports] == [
        {"listingId": PKG, "version": "1.0.0", "enableOnInstall": True, "tenantId": tenant},
        {"listingId": "other-connector", "version": "1.0.0", "enableOnInstall": True, "tenantId": tenant},
    ]
    assert all("authorization" not in headers for headers, _ in market.reports)


def test_install_is_reported_with_the_token_and_license_when_logged_in(home, market, key, monkeypatch):
    market.add(key, pricing="pro")
    market.license = "ARG-TEST"
    monkeypatch.setenv("MKT_TOKEN", "mkt_account_token")
    result = run("install", PKG, "--license", "ARG-TEST")
    assert result.exit_code == 0, result.output
    [(headers, body)] = market.reports
    assert headers["authorization"] == "Bearer mkt_account_token"
    assert body == {"listingId": PKG, "version": "1.0.0", "enableOnInstall": True, "licenseKey": "ARG-TEST"}
    assert not (home / ".mkt" / "tenant-id").exists()
    # The token goes to the install report only, never to the catalog, artifact or storage.
    assert all("authorization" not in headers for _, headers in market.requests)


CAP_MESSAGE = (
    "Free plan: at most 3 connectors installed (you have 3). Upgrade to Pro at http://m.test/account/plan/"
)


def test_a_plan_cap_refusal_stops_the_install_and_prints_the_marketplace_message(home, market, key):
    market.add(key)
    market.install_answer = (403, "install.plan_cap", CAP_MESSAGE)

    result = run("install", PKG)

    assert result.exit_code == 1
    assert (
        f"the marketplace refused the install of {PKG} 1.0.0: {CAP_MESSAGE} (install.plan_cap)"
        in result.output
    )
    assert not (home / "connectors").exists()
    assert installed.load_installed(home) == {}


def test_a_refused_update_leaves_the_previous_installation_exactly_as_it_was(home, market, key):
    market.add(key)
    assert run("install", PKG).exit_code == 0
    before = snapshot(home)
    market.add(key, "1.1.0")
    market.install_answer = (403, "install.plan_cap", CAP_MESSAGE)

    result = run("update", PKG)

    assert result.exit_code == 1 and CAP_MESSAGE in result.output
    assert snapshot(home) == before
    assert [body["version"] for _, body in market.reports] == ["1.0.0", "1.1.0"]


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (402, "license.required", "refused the install"),
        (401, "token.expired", "refused your token"),
    ],
)
def test_other_refusals_stop_the_install_too(home, market, key, status, code, expected):
    market.add(key)
    market.install_answer = (status, code, "no")
    result = run("install", PKG)
    assert result.exit_code == 1 and expected in result.output
    assert ("mkt login" in result.output) == (status == 401)
    assert installed.load_installed(home) == {}


@pytest.mark.parametrize("failure", ["hang-up", "server-error", "unknown-endpoint"])
def test_a_report_that_cannot_be_delivered_warns_and_installs(home, market, key, failure):
    market.add(key)
    if failure == "hang-up":
        market.install_hangs_up = True
    elif failure == "server-error":
        market.install_answer = (500, "error", "boom")
    else:
        market.install_answer = (404, "not_found", "no such endpoint")

    result = run("install", PKG)

    assert result.exit_code == 0, result.output
    assert "warning: the install could not be reported to" in result.output
    assert installed.load_installed(home)[PKG].version == "1.0.0"


def test_tenant_id_is_made_once_and_a_broken_file_is_an_error(tmp_path):
    first = installed.tenant_id(tmp_path)
    assert installed.tenant_id(tmp_path) == first
    (tmp_path / ".mkt" / "tenant-id").write_text("not an id\n")
    with pytest.raises(installed.StateError, match="does not hold a tenant id"):
        installed.tenant_id(tmp_path)


def test_reinstalling_the_same_version_without_reinstall_reports_nothing(home, market, key):
    market.add(key)
    assert run("install", PKG).exit_code == 0
    assert run("install", PKG).exit_code == 0
    assert len(market.reports) == 1


def test_tenant_id_read_and_write_failures_are_state_errors(tmp_path, monkeypatch):
    (tmp_path / "a" / ".mkt" / "tenant-id").mkdir(parents=True)
    with pytest.raises(installed.StateError, match="cannot read"):
        installed.tenant_id(tmp_path / "a")

    def no_link(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(installed.os, "link", no_link)
    with pytest.raises(installed.StateError, match="cannot write .*No space left"):
        installed.tenant_id(tmp_path / "b")
    assert list((tmp_path / "b" / ".mkt").iterdir()) == []


def test_tenant_id_made_meanwhile_by_another_mkt_is_used(tmp_path, monkeypatch):
    state = tmp_path / ".mkt"
    state.mkdir()
    real_link = installed.os.link

    def racing_link(src, dst):
        Path(dst).write_text("mkt-" + "a" * 32 + "\n")  # The other mkt won.
        return real_link(src, dst)

    monkeypatch.setattr(installed.os, "link", racing_link)
    assert installed.tenant_id(tmp_path) == "mkt-" + "a" * 32
    assert sorted(p.name for p in state.iterdir()) == ["tenant-id"]
