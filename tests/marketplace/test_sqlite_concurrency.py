"""``make run``'s SQLite waits instead of failing under concurrent writes (settings: WAL, a busy
timeout, ``BEGIN IMMEDIATE`` for every transaction).

Before: 30 parallel activations or 20 parallel trial starts answered some requests with
``OperationalError: database is locked`` (a 500): a transaction that read first and wrote later
could not take the write lock, and SQLite fails such an upgrade at once, whatever the timeout.
A real file database and real threads, in a fresh process (``tests/marketplace/sqlite_race.py``)
with the settings ``make run`` uses (no ``DATABASE_URL``), in both unit stages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_concurrent_activations_and_trial_starts_on_file_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATA_DIR=str(tmp_path), DEBUG="true", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "tests.marketplace.sqlite_race"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert sorted(set(outcome["activations"])) == ["200", "409"], outcome["activations"]
    assert outcome["activations"].count("200") == 3
    assert outcome["active"] == 3
    # Every trial start is answered with a redirect (to the key, or back with "already tried").
    assert set(outcome["trials"]) == {"302"}, outcome["trials"]
    assert outcome["trial_payments"] == outcome["trial_buyers"] == 10
