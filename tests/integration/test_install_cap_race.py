"""Install caps hold when installs race, on PostgreSQL.

Twenty threads, each with its own database connection, install twenty different themes for one
Free account (cap: 3 themes) at the same moment: exactly three are recorded, every run. The
account is locked (``SELECT … FOR UPDATE`` on the user's row; a transaction-level advisory lock on a
tenant id) before its installs are counted, in the transaction that records the install.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from catalog.api.services import install_record
from catalog.models import Install
from licensing.plans import InstallRefused
from tests.conftest import make_user
from tests.licensing.plan_helpers import kind_package

# Real concurrency needs a real database (SQLite's shared in-memory test database locks whole
# tables): these run with the integration tests, on PostgreSQL (scripts/test.sh).
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

THREADS = 20
RUNS = 5


def _install(package, user, tenant_id: str, barrier: threading.Barrier) -> str:
    try:
        connections["default"].ensure_connection()
        barrier.wait(timeout=30)
        try:
            install_record(package=package, release=package.latest_release, user=user, tenant_id=tenant_id)
        except InstallRefused as exc:
            return exc.code
        return "ok"
    finally:
        connections.close_all()


@pytest.mark.parametrize("account", ["user", "tenant"])
def test_twenty_racing_theme_installs_of_a_free_account_record_exactly_three(
    author, django_user_model, account
):
    assert connection.vendor == "postgresql", "run through scripts/test.sh (PostgreSQL)"
    customer = make_user(django_user_model, "racer")
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for run in range(RUNS):
            user, tenant_id = (customer, "") if account == "user" else (None, f"tenant-{run}")
            themes = [kind_package(author, "theme", f"theme-{run}-{n}") for n in range(THREADS)]
            barrier = threading.Barrier(THREADS)
            futures = [pool.submit(_install, theme, user, tenant_id, barrier) for theme in themes]
            outcomes = [future.result(timeout=120) for future in futures]
            assert sorted(set(outcomes)) == ["install.plan_cap", "ok"], outcomes
            assert outcomes.count("ok") == 3
            assert Install.objects.filter(user=user, tenant_id=tenant_id).count() == 3
            Install.objects.all().delete()
