"""Concurrent runs of the TUF repository task are serialised, on PostgreSQL.

Eight threads, each with its own database connection, run ``repository.services.refresh`` at the
same moment while changes are pending: one run writes the bin, the snapshot and the timestamp, the
others wait for its lock and then find nothing pending. Without the lock two runs would sign the
same version numbers with different contents, which clients refuse.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection, connections

from repository import keys, services
from repository.models import Bin, RepositoryState

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

THREADS = 8


def _refresh(barrier: threading.Barrier) -> services.RunResult:
    try:
        connections["default"].ensure_connection()
        barrier.wait(timeout=30)
        return services.refresh()
    finally:
        connections.close_all()


def test_racing_runs_write_each_version_once(settings, tmp_path):
    assert connection.vendor == "postgresql", "run through scripts/test.sh (PostgreSQL)"
    for role, setting in keys.ONLINE_ROLES.items():
        setattr(settings, setting, tmp_path / f"{role}.pem")
        keys.write_new_key(tmp_path / f"{role}.pem")
    offline = [tmp_path / f"offline-{n}.pem" for n in range(2)]
    for path in offline:
        keys.write_new_key(path)
    call_command("tuf_init", "--root-key", str(offline[0]), "--targets-key", str(offline[1]))
    before = RepositoryState.objects.get()
    blocklist_bin = services.bin_of(services.BLOCKLIST_TARGET)
    services.changed(blocklist=True)

    barrier = threading.Barrier(THREADS)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = [f.result(timeout=120) for f in [pool.submit(_refresh, barrier) for _ in range(THREADS)]]

    assert sorted(r.bins for r in results) == [[]] * (THREADS - 1) + [[blocklist_bin]]
    after = RepositoryState.objects.get()
    assert (after.snapshot_version, after.timestamp_version) == (
        before.snapshot_version + 1,
        before.timestamp_version + 1,
    )
    assert Bin.objects.get(index=blocklist_bin).version == 2
