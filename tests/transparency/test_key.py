"""The log key: generated in development, required in production (README, "Configuration")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from argent_pkg import generate_signing_key, save_signing_key, tlog
from django.core.exceptions import ImproperlyConfigured

from transparency import tree

ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_log_key_is_generated_in_debug_and_refused_otherwise(settings, tmp_path):
    settings.LOG_SIGNING_KEY_PATH = tmp_path / "keys" / "log.key"
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="LOG_SIGNING_KEY_PATH"):
        tree.log_signing_key()

    settings.DEBUG = True
    verifier = tree.log_verifier_key()

    assert (tmp_path / "keys" / "log.key").stat().st_mode & 0o777 == 0o600
    assert tree.log_verifier_key() == verifier
    assert tlog.parse_verifier_key(verifier)[0] == settings.LOG_ORIGIN


def test_settings_refuse_to_start_without_the_log_key_when_debug_is_off(tmp_path):
    marketplace_key = tmp_path / "marketplace.key"
    save_signing_key(marketplace_key, generate_signing_key())
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "LOG_SIGNING_KEY_PATH"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="x7" * 40,
        DATA_DIR=str(tmp_path / "data"),
        SIGNING_KEY_PATH=str(marketplace_key),
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode != 0
    assert "LOG_SIGNING_KEY_PATH must name the transparency log's Ed25519 key file" in result.stderr
