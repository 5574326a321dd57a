"""The contract of the public ArgentOS client, driven against a live server.

The ArgentOS client (``ArgentAIOS/argentos-core``, MIT) is not vendored here: this test sends
the requests it sends and reads what it reads, as recorded from its source:

* ``src/cli/marketplace-cli.ts``: ``argent marketplace search|details|install`` call the
  marketplace tool's actions (``registerMarketplaceCli``, ``runMarketplaceAction``);
  ``search --limit N`` passes N through, 0 included.
* ``src/agents/tools/marketplace-tool.ts``:
  ``fetchCatalogSearch`` (``GET /api/v1/catalog?q=&category=&limit=min(N, 50)``, or
  ``/catalog/licensed?key=`` with a license key, ``Accept: application/json``);
  ``formatCatalogItem`` (the item fields a search prints);
  ``resolveMarketplacePackage`` and ``findCatalogMatch`` (``details`` and ``install`` search for the
  reference with ``limit=20`` and take the item whose ``id``, ``name`` or ``display_name`` equals it,
  or the only item; ``GET /catalog/{id}`` only for identifiers shaped like a UUID);
  ``actionDetails`` (prints the item's fields, ``latest.version`` … and ``version_count``);
  ``actionInstall`` (``GET /catalog/{id}/download`` following the redirect, ``X-License-Key`` only
  with a key), ``extractTgz`` (reads each 512-byte tar header's 100-byte name field only, octal
  size, type ``0``/NUL files and ``5`` directories, nothing else),
  ``findMarketplaceConnectorDirs`` and ``installMarketplaceConnectorPackage`` (a connector is a
  directory named ``aos-*`` holding ``connector.json``, copied to ``~/.argentos/connectors/<dir>``),
  ``installMarketplaceSkillPackage`` (``skills/*/SKILL.md`` copied to ``~/.argentos/skills/<name>``).
* the installer they call, ``src/infra/archive.ts``: ``resolvePackedRootDir`` (the top-level
  ``package`` directory, else the single top-level directory, else an error).
* ``src/cli/extension-cli.ts``: ``packageExtension`` (``SHA256SUMS`` over every file of the folder,
  itself included when the folder already held one, then ``tar -czf FILE -C DIR .``) and
  ``publishExtension`` (``POST /api/v1/publish``, ``Bearer`` token, a hand-built multipart body with
  the ``package`` part and a ``metadata`` JSON part holding ``signature`` read from ``ID-VERSION.sig``
  and ``changelog``, no ``authorPublicKey``; it reads ``packageId``, ``version``, ``fileHash``).

The server runs in ``live_server`` with PostgreSQL, S3 (moto) and a real Celery worker, as in
production; a reviewer's approval (not part of the client's contract) sits between publish and install.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from publishing.constants import SubmissionStatus

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]

VERIFY_TIMEOUT = 60
SKILL_ID = "meeting-recap"
CONNECTOR_ID = "weather-lite"


# --- the client's side, as recorded above ----------------------------------------------------------


def fetch(url: str, headers: dict[str, str] | None = None, body: bytes | None = None) -> tuple[int, bytes]:
    """``fetch`` as the client calls it: redirects followed; the status and the body."""
    request = urllib.request.Request(  # noqa: S310 (http URLs of the live server and moto only)
        url, data=body, headers=headers or {}, method="POST" if body else "GET"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the live server)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def catalog_search(api: str, query: str, limit: int, category: str | None = None) -> dict:
    """``fetchCatalogSearch`` without a license key."""
    params = {}
    if query:
        params["q"] = query
    if category:
        params["category"] = category
    params["limit"] = str(min(limit, 50))
    status, body = fetch(f"{api}/catalog?{urllib.parse.urlencode(params)}", {"Accept": "application/json"})
    assert status == 200, f"Marketplace API returned {status}: {body[:500]!r}"
    return json.loads(body)


def resolve(api: str, ref: str) -> dict:
    """``resolveMarketplacePackage`` for a reference that is not UUID-like: search, ``findCatalogMatch``."""
    items = catalog_search(api, ref, 20)["items"]
    needle = ref.strip().lower()
    exact = [
        i
        for i in items
        if needle in {str(i.get(k, "")).strip().lower() for k in ("id", "name", "display_name")}
    ]
    if exact:
        return exact[0]
    assert len(items) == 1, f"Package not found: {ref}"
    return items[0]


def details_lines(pkg: dict) -> list[str]:
    """What ``actionDetails`` prints, field by field (a missing field prints ``undefined``)."""

    def js(value) -> str:
        return "undefined" if value is None else str(value)

    lines = [
        f"Package: {pkg.get('display_name') or pkg.get('name')}",
        f"Version: {js(pkg.get('latest_version'))}",
        f"Pricing: {js(pkg.get('pricing'))}",
    ]
    latest = pkg.get("latest")
    if latest:
        lines.append(f"  Version: {js(latest.get('version'))}")
    lines.append(f"Versions available: {js(pkg.get('version_count'))}")
    return lines


def extract_tgz(data: bytes, dest: Path) -> None:
    """``extractTgz``: the 100-byte name field, the octal size and the type flag of each header only."""
    raw = gzip.decompress(data)
    offset = 0
    while offset < len(raw) - 512:
        header = raw[offset : offset + 512]
        if not any(header):
            break
        name_end = header.find(b"\0")
        name = header[: min(name_end if name_end >= 0 else 100, 100)].decode("utf-8")
        size = int(header[124:136].decode().strip("\0 ") or "0", 8)
        type_flag = header[156]
        offset += 512
        parts = [p for p in name.replace("\\", "/").split("/") if p]
        if name and not name.startswith("/") and ".." not in parts:
            target = dest / name
            if type_flag == ord("5") or name.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
            elif type_flag in (0, ord("0")):
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(raw[offset : offset + size])
        offset += (size + 511) // 512 * 512


def resolve_packed_root(extract_dir: Path) -> Path:
    """``resolvePackedRootDir``: ``package/``, else the only top-level directory, else an error."""
    if (extract_dir / "package").is_dir():
        return extract_dir / "package"
    dirs = [p for p in extract_dir.iterdir() if p.is_dir()]
    if len(dirs) != 1:
        raise AssertionError(f"unexpected archive layout (dirs: {', '.join(p.name for p in dirs)})")
    return dirs[0]


def connector_dirs(root: Path, pkg: dict) -> list[Path]:
    """``findMarketplaceConnectorDirs``."""
    candidates = [root, root / "connector", root / "connectors", root / "tools" / "aos"]
    if str(pkg.get("name", "")).startswith("aos-"):
        candidates.append(root / pkg["name"])
    found: list[Path] = []
    for candidate in candidates:
        if not candidate.is_dir():
            continue
        if (candidate / "connector.json").exists():
            found.append(candidate.resolve())
            continue
        for entry in sorted(candidate.iterdir()):
            if entry.is_dir() and entry.name.startswith("aos-") and (entry / "connector.json").exists():
                found.append(entry.resolve())
    return list(dict.fromkeys(found))


def install(api: str, ref: str, home: Path, tmp: Path) -> tuple[bool, str, list[str]]:
    """``actionInstall`` into ``home/.argentos``: ``(ok, message, installed)``."""
    pkg = resolve(api, ref)
    status, data = fetch(f"{api}/catalog/{urllib.parse.quote(pkg.get('id') or ref, safe='')}/download")
    assert status == 200, f"Download failed ({status}): {data[:500]!r}"
    extract_dir = tmp / "extract"
    extract_dir.mkdir(parents=True)
    extract_tgz(data, extract_dir)
    root = resolve_packed_root(extract_dir)
    config = home / ".argentos"
    found = connector_dirs(root, pkg)
    if found:
        installed = []
        for source in found:
            if not source.name.startswith("aos-"):
                continue
            target = config / "connectors" / source.name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
            installed.append(source.name)
        if not installed:
            return False, "No valid connectors found in package (missing aos-* connector.json directory)", []
        return True, f"Installed {len(installed)} connector(s)", installed
    if (root / "argent.plugin.json").exists() or (root / "skills").exists():
        installed = []
        for source in sorted((root / "skills").iterdir()) if (root / "skills").exists() else []:
            if source.is_dir() and (source / "SKILL.md").exists():
                target = config / "skills" / source.name
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(source, target)
                installed.append(source.name)
        if not installed:
            return False, "No valid skills found in package (missing SKILL.md)", []
        return True, f"Installed {len(installed)} skill(s)", installed
    return False, "Package has no argent.plugin.json or package.json — unknown format", []


def package_folder(folder: Path, out_dir: Path) -> Path:
    """``packageExtension`` without ``--sign``: ``SHA256SUMS`` over every file, then system tar."""
    manifest = json.loads((folder / "argent.plugin.json").read_text())
    files = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not {"node_modules", ".git"} & set(p.relative_to(folder).parts)
    )
    lines = [f"{hashlib.sha256((folder / f).read_bytes()).hexdigest()}  {f}" for f in files]
    sums = folder / "SHA256SUMS"
    existed = sums.exists()
    sums.write_text("\n".join(lines) + "\n")
    output = out_dir / f"{manifest['id']}-{manifest['version']}.argent-pkg"
    try:
        subprocess.run(["tar", "-czf", str(output), "-C", str(folder), "."], check=True, capture_output=True)
    finally:
        if not existed:
            sums.unlink()
    return output


def sign_with_another_tool(package: Path, signing_key) -> None:
    """The author signs the file with a tool of their own: ``ID-VERSION.sig`` beside it (base64)."""
    digest = hashlib.sha256(package.read_bytes()).digest()
    package.with_suffix(".sig").write_text(base64.b64encode(signing_key.sign(digest).signature).decode())


def publish(base_url: str, package: Path, api_key: str, changelog: str) -> tuple[int, dict]:
    """``publishExtension`` without ``--sign``: the signature from the ``.sig`` file, no key."""
    data = package.read_bytes()
    assert data[:2] == b"\x1f\x8b"
    metadata = {"changelog": changelog}
    sig = package.with_suffix(".sig")
    if sig.exists():
        metadata["signature"] = sig.read_text().strip()
    boundary = f"----ArgentPkg{int(time.time() * 1000)}"
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="package"; filename="{package.name}"\r\n'
            "Content-Type: application/gzip\r\n\r\n".encode(),
            data,
            b"\r\n",
            f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n'
            "Content-Type: application/json\r\n\r\n".encode(),
            json.dumps(metadata).encode(),
            b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
    )
    status, reply = fetch(
        f"{base_url}/api/v1/publish",
        {"Authorization": f"Bearer {api_key}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
        body,
    )
    return status, json.loads(reply)


# --- the author's folders ---------------------------------------------------------------------------


def skill_folder(root: Path) -> Path:
    folder = root / SKILL_ID
    (folder / "skills" / "meeting-recap").mkdir(parents=True)
    (folder / "argent.plugin.json").write_text(
        json.dumps(
            {
                "id": SKILL_ID,
                "name": "Meeting Recap",
                "version": "1.0.0",
                "description": "Turns meeting notes into a recap with decisions and action items.",
                "author": {"name": "Alice Tools"},
                "category": "skills",
                "license": "MIT",
                "permissions": [],
            },
            indent=2,
        )
    )
    (folder / "README.md").write_text("# Meeting Recap\n\nA skill.\n")
    (folder / "skills" / "meeting-recap" / "SKILL.md").write_text("---\nname: meeting-recap\n---\n# Recap\n")
    # Left by an earlier `argent extension package` run.
    (folder / "SHA256SUMS").write_text("0" * 64 + "  README.md\n")
    return folder


def connector_folder(root: Path) -> Path:
    folder = root / CONNECTOR_ID
    (folder / "agent-harness" / "src" / "weather_lite").mkdir(parents=True)
    (folder / "argent.plugin.json").write_text(
        json.dumps(
            {
                "id": CONNECTOR_ID,
                "name": "Weather Lite",
                "version": "0.3.0",
                "description": "Current weather for your ArgentOS agent, from Open-Meteo.",
                "author": {"name": "Alice Tools"},
                "category": "connectors",
                "license": "MIT",
                "permissions": ["network:api.open-meteo.com"],
            },
            indent=2,
        )
    )
    (folder / "README.md").write_text("# Weather Lite\n")
    (folder / "connector.json").write_text(
        json.dumps({"id": CONNECTOR_ID, "runtime": {"type": "python", "command": f"aos-{CONNECTOR_ID}"}})
    )
    (folder / "agent-harness" / "pyproject.toml").write_text(
        "[project]\nname = 'weather-lite'\nversion = '0.3.0'\n\n"
        f"[project.scripts]\naos-{CONNECTOR_ID} = 'weather_lite.cli:main'\n"
    )
    (folder / "agent-harness" / "src" / "weather_lite" / "cli.py").write_text(
        "def main():\n    print('sunny')\n"
    )
    return folder


def wait_until_checked(package_id: str):
    from publishing.models import Submission

    deadline = time.monotonic() + VERIFY_TIMEOUT
    while True:
        submission = Submission.objects.filter(package__identifier=package_id).first()
        if submission and submission.status not in (SubmissionStatus.PENDING, SubmissionStatus.SCANNING):
            return submission
        assert time.monotonic() < deadline, f"{package_id} is still {submission and submission.status}"
        time.sleep(0.25)


# --- the test ---------------------------------------------------------------------------------------


def test_the_argentos_client_publishes_searches_details_and_installs(
    live_server, celery_worker, author, reviewer, tmp_path
):
    from moderation.services import submission_approve
    from tokens import services as token_services

    api = f"{live_server.url}/api/v1"
    token = token_services.api_token_create(user=author.user, name="argent", publisher=author.publisher)[1]

    # argent extension package DIR; the author signs with another tool; argent extension publish FILE.
    for folder in (skill_folder(tmp_path / "src"), connector_folder(tmp_path / "src")):
        package = package_folder(folder, tmp_path)
        sign_with_another_tool(package, author.signing_key)
        status, reply = publish(live_server.url, package, token, "First release.")
        assert status in (201, 202), reply
        assert reply["ok"] is True
        assert (reply["packageId"], reply["fileHash"]) == (
            folder.name,
            hashlib.sha256(package.read_bytes()).hexdigest(),
        )
        submission = wait_until_checked(folder.name)
        assert submission.status in (SubmissionStatus.IN_REVIEW, SubmissionStatus.APPROVED), list(
            submission.findings.values_list("code", "message")
        )
        assert submission.release.signing_key == author.key  # the registered key verified the .sig
        if submission.status != SubmissionStatus.APPROVED:
            submission_approve(submission=submission, reviewer=reviewer)

    # argent marketplace search --limit 0: the 0 is passed through.
    found = catalog_search(api, "", 0)
    assert found["limit"] == 1 and len(found["items"]) == 1
    connectors = catalog_search(api, "", 20, category="connectors")["items"]
    assert [item["id"] for item in connectors] == [CONNECTOR_ID]
    for item in catalog_search(api, "", 20)["items"]:
        for field, kind in {
            "id": str, "name": str, "display_name": str, "description": str, "category": str,
            "author_name": str, "author_verified": bool, "latest_version": str, "total_downloads": int,
            "rating": (int, float), "pricing": str, "listed": bool, "tags": list,
        }.items():  # fmt: skip
            assert isinstance(item.get(field), kind), (item.get("id"), field, item.get(field))

    # argent marketplace details ID: from the list item alone.
    pkg = resolve(api, "Weather Lite")
    assert pkg["id"] == CONNECTOR_ID
    assert details_lines(pkg) == [
        "Package: Weather Lite",
        "Version: 0.3.0",
        "Pricing: free",
        "  Version: 0.3.0",
        "Versions available: 1",
    ]

    # argent marketplace install ID, into a temporary home.
    home = tmp_path / "home"
    ok, message, installed = install(api, SKILL_ID, home, tmp_path / "skill-install")
    assert (ok, installed) == (True, ["meeting-recap"]), message
    assert (
        (home / ".argentos/skills/meeting-recap/SKILL.md").read_text().startswith("---\nname: meeting-recap")
    )

    ok, message, installed = install(api, CONNECTOR_ID, home, tmp_path / "connector-install")
    assert (ok, installed) == (True, [f"aos-{CONNECTOR_ID}"]), message
    installed_dir = home / ".argentos" / "connectors" / f"aos-{CONNECTOR_ID}"
    assert json.loads((installed_dir / "connector.json").read_text())["id"] == CONNECTOR_ID
    # The harness provides the command named after the directory, which ArgentOS runs.
    assert f"aos-{CONNECTOR_ID} = " in (installed_dir / "agent-harness" / "pyproject.toml").read_text()


def test_the_dashboards_license_check(live_server):
    """The ArgentOS dashboard and desktop app validate a key with ``GET /api/v1/license/check/{key}``."""
    from licensing import keys

    status, body = fetch(f"{live_server.url}/api/v1/license/check/{keys.generate_key()}")

    assert status == 200
    assert json.loads(body) == {
        "valid": False,
        "status": "unknown",
        "type": None,
        "orgName": None,
        "error": "No license has this key.",
    }
