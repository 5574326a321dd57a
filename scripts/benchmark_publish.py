"""How fast is publishing? A ~20 MiB package through hashing, inflating, verifying, scanning and the API.

    .venv/bin/python scripts/benchmark_publish.py [--files 500] [--seed 20260]

Builds a package of 500 files (deterministic seed): half Python source text
(compressible), half random bytes (incompressible), about 20 MiB compressed. Then
prints, measured in this run on this machine: the raw SHA-256 and gzip-inflate
speed over that file (the floor for any reader), ``inspect_package`` (the verify
step), the scan (``publishing.scanning.scan``; with a second CPU it checks a share of
the Python in a second process, and a line says whether it did), and the server time of
``POST /api/v1/publish`` (median of 5 real publishes of unique versions by a publisher on
the cheapest plan that includes publishing, through ``django.test.Client`` against a
throwaway SQLite database and storage directory), next to verification alone. A publish that does not answer 2xx prints its status and no
figure, and the script exits 1. MB/s are 10^6 bytes of the package file per second.

Targets (printed with PASS or MISS): verify + scan within 5x ``inspect_package`` alone.
Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from argent_pkg import build_package, inspect_package, public_key_b64  # noqa: E402
from nacl.signing import SigningKey  # noqa: E402

#: verify + scan may take at most this many times ``inspect_package`` alone.
SCAN_TARGET = 5.0
KiB = 1024
MiB = 1024 * KiB
WORDS = (
    "import",
    "def",
    "return",
    "self",
    "request",
    "response",
    "package",
    "manifest",
    "version",
    "signature",
    "archive",
    "member",
    "value",
    "result",
    "error",
    "token",
    "publisher",
    "client",
    "server",
    "upload",
    "download",
    "scan",
    "finding",
)


def make_members(count: int, seed: int, version: str) -> dict[str, bytes]:
    rnd = random.Random(seed)  # noqa: S311 - deterministic test data, not secrets
    members: dict[str, bytes] = {
        "argent.plugin.json": json.dumps(
            {
                "id": "bench-plugin",
                "name": "Benchmark plugin",
                "version": version,
                "description": "A large package for the publishing benchmark.",
                "author": {"name": "Bench"},
                "kind": "plugin",
                "category": "developer-tools",
                "license": "MIT",
                "permissions": ["network", "process", "fs:write"],
            },
            indent=2,
        ).encode(),
        "README.md": b"# Benchmark plugin\n\nRandom data and generated source.\n",
    }
    for index in range(count - len(members)):
        if index % 2:
            members[f"data/blob-{index:04d}.bin"] = rnd.randbytes(72 * KiB)
        else:
            lines = []
            while sum(map(len, lines)) < 24 * KiB:
                words = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 10)))
                lines.append(f"    value = {words!r}.split()  # {rnd.randint(0, 10**6)}\n")
            members[f"src/module_{index:04d}.py"] = ("def main():\n" + "".join(lines)).encode()
    return members


def timed(function: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Best wall time of ``repeat`` runs, in seconds, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def mbps(size: int, seconds: float) -> str:
    return f"{size / seconds / 1e6:8.1f}"


def setup_django() -> None:
    """A throwaway SQLite marketplace with the starter scan rules; the scan task is queued, not run."""
    data_dir = tempfile.mkdtemp(prefix="mkt-bench-")
    os.environ["DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["STORAGE_BACKEND"] = "local"
    os.environ["API_PUBLISH_RATE"] = "10000/hour"
    os.environ["EMAIL_URL"] = "dummymail://"
    # The request stores and queues; the scan runs in a worker (measured on its own above).
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


class RefusedPublish(Exception):
    """A publish answered other than 2xx: its time measures a refusal, not a publish."""


def server_timing(key: SigningKey, packages: list[bytes]) -> float:
    """Median server time (seconds) of ``POST /api/v1/publish`` over ``packages``.

    Raises:
        RefusedPublish: an answer was not 2xx (its status and error code are in the message).
    """
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from publishing import services
    from tokens.services import api_token_create

    user = get_user_model().objects.create_user(
        username="bench", email="bench@example.com", password="x" * 20
    )
    try:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    except Exception:  # noqa: BLE001, S110 - only needed where e-mail verification is enforced
        pass
    from licensing.models import Subscription
    from licensing.plans import publishing_plan

    # A real author: on the cheapest plan that may publish (as a checkout would leave them).
    Subscription.objects.create(user=user, plan=publishing_plan(), status="active")
    publisher = services.publisher_create(user=user, name="Bench", slug="bench")
    services.signing_key_register(
        publisher=publisher, public_key=public_key_b64(key), label="bench", user=user
    )
    _, raw = api_token_create(user=user, name="bench", publisher=publisher)
    client = Client()
    times = []
    for index, package in enumerate(packages):
        upload = SimpleUploadedFile(f"bench-plugin-1.0.{index}.argent-pkg", package, "application/gzip")
        start = time.perf_counter()
        response = client.post(
            "/api/v1/publish", {"package": upload}, headers={"authorization": f"Bearer {raw}"}
        )
        times.append(time.perf_counter() - start)
        if not 200 <= response.status_code < 300:
            body = response.json()
            code = (body.get("errors") or [{}])[0].get("code") or body.get("code")
            raise RefusedPublish(f"POST /api/v1/publish answered {response.status_code} {code}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--uploads", type=int, default=5)
    args = parser.parse_args()

    key = SigningKey(hashlib.sha256(b"benchmark key %d" % args.seed).digest())
    start = time.perf_counter()
    members = make_members(args.files, args.seed, "1.0.0")
    package = build_package(members, signing_key=key)
    build_seconds = time.perf_counter() - start
    size = len(package)
    inflated = sum(len(content) for content in members.values())
    print(f"package: {args.files} files, {size / MiB:.1f} MiB compressed, {inflated / MiB:.1f} MiB inflated")
    print(f"build (make members, tar, gzip, sign): {build_seconds * 1000:.0f} ms")

    rows: list[tuple[str, str, str]] = []
    seconds, _ = timed(lambda: hashlib.sha256(package).digest())
    rows.append(("SHA-256 of the file", mbps(size, seconds), f"{seconds * 1000:8.1f}"))
    seconds, _ = timed(lambda: zlib.decompress(package, wbits=31))
    rows.append(("gzip inflate (zlib)", mbps(size, seconds), f"{seconds * 1000:8.1f}"))
    seconds, inspection = timed(lambda: inspect_package(package))
    rows.append(("inspect_package (verify)", mbps(size, seconds), f"{seconds * 1000:8.1f}"))

    verify_seconds = seconds
    setup_django()
    from publishing.scanning import scan

    scan(inspection)  # compile the rules once, as a worker does
    seconds, findings = timed(lambda: scan(inspection), repeat=1)
    rows.append((f"scan ({len(findings)} findings)", mbps(size, seconds), f"{seconds * 1000:8.1f}"))
    both, _ = timed(lambda: scan(inspect_package(package)), repeat=1)
    rows.append(("verify + scan", mbps(size, both), f"{both * 1000:8.1f}"))

    packages = [
        build_package(make_members(args.files, args.seed, f"1.0.{index}"), signing_key=key)
        for index in range(args.uploads)
    ]
    failed = False
    try:
        publish = server_timing(key, packages)
        rows.append(
            (
                f"POST /api/v1/publish, median of {args.uploads} (2xx)",
                mbps(size, publish),
                f"{publish * 1000:8.1f}",
            )
        )
    except RefusedPublish as exc:
        failed = True
        rows.append((f"POST /api/v1/publish: no figure, {exc}", "     n/a", "     n/a"))

    width = max(len(row[0]) for row in rows)
    print()
    print(f"{'step':<{width}}  {'MB/s':>8}  {'ms':>8}")
    print(f"{'-' * width}  {'-' * 8}  {'-' * 8}")
    for name, speed, ms in rows:
        print(f"{name:<{width}}  {speed:>8}  {ms:>8}")
    print()
    ratio = both / verify_seconds
    verdict = "PASS" if ratio <= SCAN_TARGET else "MISS"
    from publishing.scanning import parallel

    python_bytes = sum(len(data) for path, data in members.items() if path.endswith(".py"))
    if parallel.worth_a_second_process(python_bytes):
        print(f"scan: a second process checked a share of the {python_bytes / MiB:.1f} MiB of Python")
    else:
        print("scan: one process (one CPU available, or too little Python for a second)")
    print(f"verify + scan: {ratio:.1f}x inspect_package alone (target <= {SCAN_TARGET:.0f}x) {verdict}")
    if not failed:
        print(f"POST /api/v1/publish: {publish / verify_seconds:.1f}x inspect_package alone (server time)")
    if failed or verdict == "MISS":
        sys.exit(1)


if __name__ == "__main__":
    main()
