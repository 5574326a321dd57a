"""Downloads count once per visitor, release and day when requests race, on PostgreSQL.

Twenty threads, each with its own database connection, record a download of one release for one
visitor at the same moment: ``total_downloads`` moves by one and one ``Download`` row is written,
every run. The unique constraint ``download_once_per_visitor_day`` decides; the losers' inserts fail
inside their savepoints and change nothing.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from catalog.api.services import download_record
from catalog.models import Download, Package
from tests.factories import PublishedPackageFactory

# Real concurrency needs a real database (SQLite's shared in-memory test database locks whole
# tables): these run with the integration tests, on PostgreSQL (scripts/test.sh).
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

THREADS = 20
RUNS = 5


def _download(release, visitor: str, barrier: threading.Barrier) -> bool:
    try:
        connections["default"].ensure_connection()
        barrier.wait(timeout=30)
        return download_record(release=release, dialect="argentos", visitor=visitor)
    finally:
        connections.close_all()


def test_twenty_racing_downloads_of_one_visitor_count_once():
    assert connection.vendor == "postgresql", "run through scripts/test.sh (PostgreSQL)"
    package = PublishedPackageFactory(identifier="raced", pricing="free")
    release = package.latest_release
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for run in range(RUNS):
            barrier = threading.Barrier(THREADS)
            futures = [pool.submit(_download, release, f"visitor-{run}", barrier) for _ in range(THREADS)]
            outcomes = [future.result(timeout=120) for future in futures]
            assert outcomes.count(True) == 1, outcomes
            assert Download.objects.filter(visitor=f"visitor-{run}").count() == 1
            assert Package.objects.get(pk=package.pk).total_downloads == run + 1
