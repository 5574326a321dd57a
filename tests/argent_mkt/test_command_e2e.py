"""The ``mkt`` command itself, run as a program against pytest-django's live server.

Every step is a separate ``mkt`` process, as a customer or an author runs it: ``keygen``,
``init``, ``build``, ``verify``, then (after the package is uploaded and approved through the
server's services, with the key ``keygen`` made registered to the publisher) ``install``,
``list``, ``uninstall`` and ``list`` again.

Which ``mkt`` runs: ``$MKT_COMMAND`` when set, else the one installed beside this Python
(the development install). ``scripts/test.sh`` sets ``MKT_COMMAND`` to the ``mkt`` of a
fresh virtual environment where only the client's wheel is installed (no Django), so this
test is the proof that the wheel works on its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.argent_mkt.test_cli_e2e import (  # noqa: F401
    _empty_static_root,
    _needs_pytest_django,
    _storages,
    celery_mode,
    storages_config,
)

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE_ID = "wheel-check-connector"


def _mkt_command() -> str:
    return os.environ.get("MKT_COMMAND") or str(Path(sys.executable).with_name("mkt"))


def test_the_mkt_command_builds_verifies_installs_lists_and_uninstalls(
    live_server, migrated_data, author, publish, tmp_path, settings
):
    from argent_pkg import generate_signing_key, inspect_package, save_signing_key

    from publishing import services
    from tests.conftest import BuiltPackage

    settings.SIGNING_KEY_PATH = str(tmp_path / "marketplace-signing.key")
    save_signing_key(settings.SIGNING_KEY_PATH, generate_signing_key())
    work = tmp_path / "work"
    work.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        "MKT_HOME": str(tmp_path / "argentos"),
        "MKT_CONFIG": str(tmp_path / "absent.toml"),
        "MKT_URL": live_server.url,
        "NO_PROXY": "127.0.0.1,localhost",
        "LC_ALL": "C.UTF-8",
    }

    def mkt(*args: str) -> str:
        result = subprocess.run(
            [_mkt_command(), *args], cwd=work, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"mkt {' '.join(args)}\n{result.stdout}\n{result.stderr}"
        return result.stdout

    out = mkt("keygen", "--out", "signing.key")
    public_key = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("public key: "))
    services.signing_key_register(
        publisher=author.publisher, public_key=public_key, label="mkt keygen", user=author.user
    )

    mkt(
        "init", "source", "--id", PACKAGE_ID, "--name", "Wheel Check", "--version", "1.0.0",
        "--kind", "connector", "--author", "Alice Tools",
        "--description", "Built, verified and installed by the mkt command in the test suite.", "--yes",
    )  # fmt: skip
    mkt("build", "source", "--key", "signing.key", "--out", "wheel-check.argent-pkg")
    verified = mkt("verify", "wheel-check.argent-pkg")
    assert "wheel-check.argent-pkg: OK" in verified
    assert f"package: {PACKAGE_ID} 1.0.0 (connector)" in verified
    data = (work / "wheel-check.argent-pkg").read_bytes()
    inspection = inspect_package(data)
    assert inspection.public_key == public_key
    publish(
        BuiltPackage(
            data=data,
            path=work / "wheel-check.argent-pkg",
            manifest=dict(inspection.manifest.raw),
            members=inspection.members,
        )
    )

    mkt("install", PACKAGE_ID)
    target = tmp_path / "argentos" / "connectors" / PACKAGE_ID
    assert (target / "argent.plugin.json").is_file()
    assert PACKAGE_ID in mkt("list")

    mkt("uninstall", PACKAGE_ID)
    assert not target.exists()
    assert PACKAGE_ID not in mkt("list")
