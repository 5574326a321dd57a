"""The activation cap holds under concurrency, on PostgreSQL.

50 threads, each with its own database connection, activate one ``pro`` key
(cap 3) with 50 different instance ids at the same moment: exactly 3 succeed,
in every one of 20 runs. ``activation_register`` locks the license row
(``SELECT … FOR UPDATE``) and counts active activations inside the transaction.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from licensing import licenses
from licensing.models import Activation

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

THREADS = 50
RUNS = 20


@pytest.fixture
def pro_key(django_user_model):
    from catalog.models import Category, Kind, Package
    from publishing import services
    from tests.conftest import make_user

    owner = make_user(django_user_model, "racer")
    publisher = services.publisher_create(user=owner, name="Race Tools", slug="race-tools")
    package = Package.objects.create(
        identifier="race-pro",
        display_name="Race Pro",
        publisher=publisher,
        kind=Kind.objects.order_by("pk").first(),
        category=Category.objects.order_by("pk").first(),
        pricing="pro",
        price_cents=1900,
    )
    return licenses.license_issue(package=package, owner=owner)


def _activate(key: str, instance_id: str, barrier: threading.Barrier) -> str:
    try:
        connections["default"].ensure_connection()  # this thread's own connection, opened before the start
        barrier.wait(timeout=30)
        try:
            licenses.activation_register(key=key, instance_id=instance_id)
        except licenses.LicenseError as exc:
            return exc.code
        return "ok"
    finally:
        connections.close_all()


def test_fifty_concurrent_activations_of_a_pro_key_give_exactly_three(pro_key):
    assert connection.vendor == "postgresql", "run through scripts/test.sh (PostgreSQL)"
    license, key = pro_key
    assert license.activations_limit == 3
    outcomes_per_run = []
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for run in range(RUNS):
            barrier = threading.Barrier(THREADS)
            futures = [pool.submit(_activate, key, f"run{run}-instance{n}", barrier) for n in range(THREADS)]
            outcomes = [future.result(timeout=120) for future in futures]
            outcomes_per_run.append(outcomes.count("ok"))
            assert sorted(set(outcomes)) == ["license.activation_limit", "ok"], outcomes
            assert Activation.objects.filter(license=license, deactivated_at__isnull=True).count() == 3
            Activation.objects.filter(license=license).delete()
    assert outcomes_per_run == [3] * RUNS
