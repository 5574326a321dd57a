"""Concurrent appends to the transparency log get gapless, unique indexes, on PostgreSQL.

Twenty threads, each with its own connection and transaction, append an entry at the same moment;
every fourth one then rolls back (its event failed). The committed entries hold exactly the indexes
0 to n-1: the head row's lock orders the appends, and a rolled-back append takes its index back.
The log integrated afterwards passes the audit.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from transparency import services, tree
from transparency.models import LogEntry

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

THREADS = 20
RUNS = 3


class _Abandoned(Exception):
    """The event an entry records failed after the append: its transaction rolls back."""


def _append(name: str, barrier: threading.Barrier, abandon: bool) -> int | None:
    try:
        connections["default"].ensure_connection()
        barrier.wait(timeout=30)
        with transaction.atomic():
            entry = services.append(
                "key.revoked", {"publisher": "race", "key_fingerprint": name, "public_key": ""}
            )
            if abandon:
                raise _Abandoned
        return entry.index
    except _Abandoned:
        return None
    finally:
        connections.close_all()


def test_racing_appends_get_gapless_unique_indexes():
    assert connection.vendor == "postgresql", "run through scripts/test.sh (PostgreSQL)"
    committed = 0
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for run in range(RUNS):
            barrier = threading.Barrier(THREADS)
            futures = [pool.submit(_append, f"SHA256:{run}-{i}", barrier, i % 4 == 0) for i in range(THREADS)]
            indexes = [f.result(timeout=120) for f in futures]
            kept = sorted(i for i in indexes if i is not None)
            committed += len(kept)
            assert kept == list(range(committed - len(kept), committed)), indexes
    assert list(LogEntry.objects.order_by("index").values_list("index", flat=True)) == list(range(committed))
    assert LogEntry.objects.filter(key_fingerprint__endswith="-0").count() == 0  # the abandoned ones
    while (done := tree.integrate()).after != done.before:
        pass
    assert tree.latest_checkpoint().size == committed
    assert tree.audit() == committed
