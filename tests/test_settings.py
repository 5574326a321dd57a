"""Settings refuse unsafe production configurations."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    result = _manage("check", DEBUG="false", DATA_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    from argent_pkg import generate_signing_key, save_signing_key

    save_signing_key(tmp_path / "marketplace-signing.key", generate_signing_key())
    from repository.keys import write_new_key

    for role in ("bins", "snapshot", "timestamp"):  # The TUF online keys, at their default paths.
        write_new_key(tmp_path / "tuf-keys" / f"{role}.pem")
    save_signing_key(tmp_path / "log-signing.key", generate_signing_key())
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x7" * 40 + "-production-like-secret-key",
        ALLOWED_HOSTS="market.example.com",
        DATA_DIR=str(tmp_path),
        LICENSE_KEY_PEPPER="p" * 40,
        LICENSE_KEY_SECRET=base64.b64encode(b"s" * 32).decode(),
        SITE_URL="https://market.example.com",
        STRIPE_BACKEND="stripe",
        STRIPE_SECRET_KEY="sk_live_" + "A1b2C3d4" * 12,
        STRIPE_WEBHOOK_SECRET="whsec_" + "Q7w8E9r0" * 4,
        STRIPE_CONNECT_WEBHOOK_SECRET="whsec_" + "Z5x6C7v8" * 4,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
