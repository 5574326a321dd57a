"""How fast is the TUF metadata update for one release, with a catalogue of 100,000 targets?

    .venv/bin/python scripts/benchmark_tuf.py [--targets 100000] [--releases 20]

Not a test: the figures depend on the machine. In a throwaway ``DATA_DIR`` (SQLite, local
storage, development keys) it initialises the repository (``tuf_init``), adds ``--targets``
target rows spread over the 256 hash bins by their path's hash (as the repository keeps one row
per listed release), signs every bin once so the files hold them, and then, for each of
``--releases`` real releases (signed packages in the ``packages`` storage, made by the test
suite's factories), times the ``release:publish`` transition with what it triggers on commit: the
pending change and one run of the repository task (Celery eager, as in development), which hashes
the stored artifact, writes the release's one bin, the snapshot (256 bins) and the timestamp.

Only successful runs count (one bin, one snapshot and one timestamp written). Prints the median
and the slowest, and PASS/MISS of the median against :data:`TARGET_MS`. Exit status 0 on PASS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: One release's update (one bin, snapshot, timestamp), median, milliseconds.
TARGET_MS = 100.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=100_000, help="target rows already listed")
    parser.add_argument("--releases", type=int, default=20, help="releases published, one run each")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="bench-tuf-")
    os.environ.update(
        {"DATA_DIR": data_dir, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "marketplace.settings"}
    )
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    logging.disable(logging.INFO)
    call_command("migrate", verbosity=0)
    call_command("tuf_init", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed at exit

    from repository import services
    from repository.models import TargetEntry
    from tests.factories import PackageFactory, ReleaseFactory

    started = time.perf_counter()
    rows = []
    for n in range(args.targets):
        path = f"bench-{n}/1.0.0/bench-{n}-1.0.0.argent-pkg"
        rows.append(TargetEntry(path=path, bin=services.bin_of(path), length=1000 + n, sha256=f"{n:064x}"))
    TargetEntry.objects.bulk_create(rows, batch_size=5000)
    services.refresh(renew=True)  # Nothing due: a no-op.
    from repository.models import Bin

    Bin.objects.update(
        expires=None
    )  # Every bin "expiring": the renew below writes them all with their targets.
    services.refresh(renew=True)
    print(f"{args.targets:,} targets listed and signed in {time.perf_counter() - started:.1f} s")

    from django.db import transaction

    from catalog.constants import ListingStatus
    from moderation import transitions
    from repository.models import RepositoryState

    releases = [
        # A listing customers can reach (only its releases are targets), whose new release is published.
        ReleaseFactory(package=PackageFactory(status=ListingStatus.PUBLISHED), stored=True, published_at=None)
        for _ in range(args.releases)
    ]
    timings = []
    for release in releases:
        index = services.bin_of(services.target_path(release))
        before = RepositoryState.objects.get(), Bin.objects.get(index=index).version
        t0 = time.perf_counter()
        # The real path: the transition records the change; on commit the task (eager here) runs.
        with transaction.atomic():
            transitions.take("release:publish", release, actor=None)
        elapsed = (time.perf_counter() - t0) * 1000
        after = RepositoryState.objects.get(), Bin.objects.get(index=index).version
        if (
            after[1] == before[1] + 1
            and after[0].snapshot_version == before[0].snapshot_version + 1
            and after[0].timestamp_version == before[0].timestamp_version + 1
        ):
            timings.append(elapsed)
    if not timings:
        print("no successful update")
        return 1
    median = statistics.median(timings)
    print(
        f"one release at {args.targets:,} targets: median {median:.1f} ms, slowest {max(timings):.1f} ms "
        f"({len(timings)}/{len(releases)} successful runs; one bin of ~{args.targets // 256:,} targets, "
        f"snapshot, timestamp)"
    )
    verdict = "PASS" if median < TARGET_MS else "MISS"
    print(f"{verdict}: median {median:.1f} ms against {TARGET_MS:.0f} ms")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
