"""How fast is the transparency log at 100,000 entries? Appending one entry, and one inclusion proof.

    .venv/bin/python scripts/benchmark_tlog.py [--entries 100000] [--runs 20] [--database-url URL]

Fills a throwaway log (a fresh SQLite database under a temporary directory, or the PostgreSQL
database named by ``--database-url``, which must be empty and is left migrated) with ``--entries``
entries and integrates them. Then measures, ``--runs`` times each:

- append: one ``transparency.services.append`` in its own transaction, commit included (what an
  event adds to the request that causes it);
- integrate: the ``log_integrate`` task's work for that one entry (new nodes, a signed checkpoint,
  the changed tiles and the checkpoint written to storage), printed for information;
- proof: ``transparency.tree.release_proof`` for a random published release: the entry, the latest
  checkpoint and its inclusion proof, as ``GET /api/v1/log/releases/{id}/{version}`` answers it.

Only operations that succeed are timed (a failure is counted and printed apart, and makes the
figure MISS). Prints the median and the 95th percentile, and PASS or MISS against 100 ms for append
and proof. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MS = 100.0


def setup_django(database_url: str | None) -> None:
    """A throwaway marketplace: DEBUG on (the log key is generated), local storage, tasks not run."""
    data_dir = tempfile.mkdtemp(prefix="mkt-tlog-bench-")
    os.environ["DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["STORAGE_BACKEND"] = "local"
    os.environ["EMAIL_URL"] = "dummymail://"
    # The enqueued tasks go to an in-memory broker and never run: integration is timed on its own.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def fill(entries: int) -> None:
    """``entries`` ``release.published`` entries, written in bulk, then integrated."""
    from argent_pkg import tlog
    from django.db import transaction

    from transparency import services, tree
    from transparency.models import LogEntry, LogHead

    if LogEntry.objects.exists():
        raise SystemExit("The database already holds a log: give an empty database.")
    batch = 5000
    for start in range(0, entries, batch):
        rows = []
        for index in range(start, min(entries, start + batch)):
            body = {"id": f"bench-{index % 5000}", "version": f"1.0.{index}", "sha256": f"{index:064x}",
                    "key_fingerprint": "SHA256:bench", "public_key": "", "signature": "", "publisher": "bench"}  # fmt: skip
            data = services.canonical_entry("release.published", body)
            rows.append(LogEntry(index=index, kind="release.published", body=data, leaf_hash=tlog.leaf_hash(data),
                                 package_identifier=body["id"], version=body["version"]))  # fmt: skip
        LogEntry.objects.bulk_create(rows)
    with transaction.atomic():
        LogHead.objects.update_or_create(pk=1, defaults={"size": entries, "integrated": 0})
    started = time.perf_counter()
    while True:
        done = tree.integrate(batch=20_000)
        if done.after == done.before:
            break
    print(f"filled and integrated {entries} entries in {time.perf_counter() - started:.1f} s")


def measure(runs: int, entries: int) -> dict[str, tuple[list[float], int]]:
    from django.db import transaction

    from transparency import services, tree

    rnd = random.Random(20261202)  # noqa: S311 - which entries to prove, not a secret
    timings: dict[str, tuple[list[float], int]] = {"append": ([], 0), "integrate": ([], 0), "proof": ([], 0)}

    def timed(name: str, work) -> None:
        seconds, failures = timings[name]
        started = time.perf_counter()
        try:
            result = work()
        except Exception as exc:  # noqa: BLE001 - a failed operation is counted, not timed
            timings[name] = (seconds, failures + 1)
            print(f"  {name} failed: {exc!r}")
            return
        elapsed = time.perf_counter() - started
        if result is None:
            timings[name] = (seconds, failures + 1)
            print(f"  {name} answered nothing")
            return
        seconds.append(elapsed * 1000)

    def append_one(i: int):
        with transaction.atomic():
            return services.append(
                "key.registered",
                {"publisher": "bench", "key_fingerprint": f"SHA256:run{i}", "public_key": ""},
            )

    def proof_one():
        index = rnd.randrange(entries)
        answer = tree.release_proof(f"bench-{index % 5000}", f"1.0.{index}")
        if answer is None or answer["inclusion_proof"] is None:
            return None
        return answer

    for i in range(runs):
        timed("append", lambda i=i: append_one(i))
        timed("integrate", lambda: tree.integrate())
        timed("proof", proof_one)
    return timings


def report(timings: dict[str, tuple[list[float], int]], entries: int) -> None:
    print(f"\nat {entries} entries (milliseconds, successful operations only):")
    for name, (values, failures) in timings.items():
        if not values:
            print(f"  {name:9s} no successful run ({failures} failed)  MISS")
            continue
        median = statistics.median(values)
        p95 = sorted(values)[max(0, round(0.95 * len(values)) - 1)]
        verdict = ""
        if name != "integrate":
            verdict = "PASS" if median < TARGET_MS and not failures else "MISS"
            verdict = f"  {verdict} (target {TARGET_MS:.0f} ms)"
        print(
            f"  {name:9s} median {median:7.1f}  p95 {p95:7.1f}  runs {len(values)}  failed {failures}{verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--entries", type=int, default=100_000, help="log size to measure at (default 100000)"
    )
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each operation (default 20)")
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database (default: a throwaway SQLite one)"
    )
    args = parser.parse_args()
    if args.entries < 1 or args.runs < 1:
        parser.error("--entries and --runs must be at least 1")
    setup_django(args.database_url)
    from django.db import connection

    print(f"database: {connection.vendor}")
    fill(args.entries)
    report(measure(args.runs, args.entries), args.entries)


if __name__ == "__main__":
    main()
