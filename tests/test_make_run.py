"""``make run PORT=N`` serves at port N and links at it: ``SITE_URL`` follows unless set.

The recipe is run for real with ``VENV``/``PY`` pointed at a stand-in interpreter that records
its arguments and the ``SITE_URL`` it was given, so nothing is installed or served.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_recipe(tmp_path: Path, *make_args: str, env: dict[str, str] | None = None) -> list[str]:
    venv = tmp_path / "venv"
    venv.mkdir()
    record = tmp_path / "calls.txt"
    python = venv / "python"
    python.write_text(f'#!/bin/sh\nprintf "%s SITE_URL=%s\\n" "$*" "$SITE_URL" >> {record}\n')
    python.chmod(0o755)
    (venv / ".installed-run").touch()  # newer than pyproject.toml: the install step is skipped
    environ = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "MAKEFLAGS")}
    subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "run", f"VENV={venv}", f"PY={python}", *make_args],
        env={**environ, **(env or {})},
        check=True,
        capture_output=True,
        timeout=60,
    )
    return record.read_text().splitlines()


def test_port_sets_the_served_port_and_site_url(tmp_path):
    calls = run_recipe(tmp_path, "PORT=8802")

    assert calls[-1] == "manage.py runserver 127.0.0.1:8802 SITE_URL=http://127.0.0.1:8802"
    assert all(call.endswith("SITE_URL=http://127.0.0.1:8802") for call in calls)


def test_default_port_is_8000(tmp_path):
    assert run_recipe(tmp_path)[-1] == "manage.py runserver 127.0.0.1:8000 SITE_URL=http://127.0.0.1:8000"


def test_a_site_url_set_by_the_caller_wins(tmp_path):
    calls = run_recipe(tmp_path, "PORT=8802", env={"SITE_URL": "https://demo.example"})

    assert calls[-1] == "manage.py runserver 127.0.0.1:8802 SITE_URL=https://demo.example"
