"""Run by ``tests/marketplace/test_sqlite_concurrency.py`` in a fresh process: concurrent writes on a
file SQLite database (``make run``'s settings), through the test client from many threads.

Prints one JSON object: the status codes (or exception names) of 30 parallel activations of a key
with a cap of 3, and of 20 parallel trial starts by 10 customers (two each), and what was stored.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

ACTIVATIONS = 30
TRIAL_CUSTOMERS = 10


def _outcome(call) -> str:
    try:
        return str(call().status_code)
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it.
        return f"{type(exc).__name__}: {exc}"
    finally:
        connections.close_all()


def main() -> None:
    call_command("migrate", verbosity=0)
    from catalog.models import Category, Kind, Package
    from licensing import licenses
    from licensing.models import Activation, Payment
    from publishing import services

    users = get_user_model().objects
    owner = users.create_user(username="owner", email="owner@example.com", password="x")
    publisher = services.publisher_create(user=owner, name="Race Tools", slug="race-tools")
    kind, category = Kind.objects.order_by("pk").first(), Category.objects.order_by("pk").first()
    common = {"publisher": publisher, "kind": kind, "category": category, "status": "published"}
    pro = Package.objects.create(
        identifier="race-pro", display_name="Race Pro", pricing="pro", price_cents=1900, **common
    )
    trial = Package.objects.create(
        identifier="race-trial", display_name="Race Trial", pricing="trial", **common
    )
    _license, key = licenses.license_issue(package=pro, owner=owner)
    customers = [
        users.create_user(username=f"c{n}", email=f"c{n}@example.com") for n in range(TRIAL_CUSTOMERS)
    ]

    barrier = threading.Barrier(ACTIVATIONS)

    def activate(n: int) -> str:
        client = Client(raise_request_exception=True)
        barrier.wait(timeout=30)
        return _outcome(
            lambda: client.post(
                "/api/v1/activate", {"key": key, "instance_id": f"box-{n}"}, content_type="application/json"
            )
        )

    trial_barrier = threading.Barrier(2 * TRIAL_CUSTOMERS)

    def start_trial(n: int) -> str:
        client = Client(raise_request_exception=True)
        client.force_login(customers[n % TRIAL_CUSTOMERS])
        connections.close_all()
        trial_barrier.wait(timeout=30)
        return _outcome(lambda: client.post(f"/checkout/buy/{trial.identifier}/"))

    with ThreadPoolExecutor(max_workers=ACTIVATIONS) as pool:
        activations = list(pool.map(activate, range(ACTIVATIONS)))
        trials = list(pool.map(start_trial, range(2 * TRIAL_CUSTOMERS)))
    print(
        json.dumps(
            {
                "activations": activations,
                "active": Activation.objects.filter(deactivated_at__isnull=True).count(),
                "trials": trials,
                "trial_payments": Payment.objects.filter(package=trial).count(),
                "trial_buyers": Payment.objects.filter(package=trial).values("buyer").distinct().count(),
            }
        )
    )


if __name__ == "__main__":
    main()
