"""The ``mkt`` command (keygen, build, verify) through click's CliRunner."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from argent_mkt.cli import main
from argent_pkg import detached_signature, load_signing_key, read_archive
from argent_pkg.builder import pack_members
from click.testing import CliRunner

from tests.argent_pkg.helpers import members


def write_tree(root, files):
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def test_keygen_build_verify(tmp_path):
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        result = runner.invoke(main, ["keygen", "--out", "k.key"])
        assert result.exit_code == 0, result.output
        assert "public key:" in result.output and "fingerprint: SHA256:" in result.output
        assert stat.S_IMODE(os.stat("k.key").st_mode) == 0o600

        again = runner.invoke(main, ["keygen", "--out", "k.key"])
        assert again.exit_code == 1
        assert "refusing to overwrite" in again.output

        os.mkdir("src")
        write_tree(Path("src"), members())
        result = runner.invoke(main, ["build", "src", "--key", "k.key"])
        assert result.exit_code == 0, result.output
        assert "path: hello-connector-1.0.0.argent-pkg" in result.output
        assert "sha256: " in result.output and "size: " in result.output

        result = runner.invoke(main, ["build", "src", "--key", "k.key", "--out", "p.argent-pkg"])
        assert result.exit_code == 0
        built = Path("hello-connector-1.0.0.argent-pkg").read_bytes()
        assert Path("p.argent-pkg").read_bytes() == built

        result = runner.invoke(main, ["verify", "p.argent-pkg"])
        assert result.exit_code == 0, result.output
        assert "OK" in result.output and "hello-connector 1.0.0 (connector)" in result.output

        package = Path("p.argent-pkg").read_bytes()
        signature = detached_signature(load_signing_key("k.key"), package)
        result = runner.invoke(main, ["verify", "p.argent-pkg", "--signature", signature])
        assert result.exit_code == 0
        assert "signatures: detached, embedded" in result.output


def test_verify_lists_every_problem_of_a_tampered_package(tmp_path):
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        runner.invoke(main, ["keygen", "--out", "k.key"])
        os.mkdir("src")
        write_tree(Path("src"), members())
        runner.invoke(main, ["build", "src", "--key", "k.key", "--out", "p.argent-pkg"])
        inner = dict(read_archive(Path("p.argent-pkg").read_bytes()).members)
        inner["connector.json"] = b"evil"
        inner["extra"] = b"x"
        with open("bad.argent-pkg", "wb") as handle:
            handle.write(pack_members(inner))
        result = runner.invoke(main, ["verify", "bad.argent-pkg"])
        assert result.exit_code == 1
        assert "INVALID" in result.output
        assert "checksums.mismatch connector.json:" in result.output
        assert "checksums.unlisted_member extra:" in result.output


def test_verify_shows_warnings(tmp_path):
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        runner.invoke(main, ["keygen", "--out", "k.key"])
        files = members()
        del files["README.md"]
        os.mkdir("src")
        write_tree(Path("src"), files)
        runner.invoke(main, ["build", "src", "--key", "k.key", "--out", "p.argent-pkg"])
        result = runner.invoke(main, ["verify", "p.argent-pkg"])
        assert result.exit_code == 0
        assert "warning: package.no_readme README.md:" in result.output


def test_build_failure_lists_problems(tmp_path):
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path):
        runner.invoke(main, ["keygen", "--out", "k.key"])
        os.mkdir("src")
        files = members()
        files["argent.plugin.json"] = json.dumps({"id": "x", "extra": 1}).encode()
        write_tree(Path("src"), files)
        result = runner.invoke(main, ["build", "src", "--key", "k.key"])
        assert result.exit_code == 1
        assert "manifest.required version:" in result.output
        assert "warning: manifest.unknown_field extra:" in result.output
        with open("bad.key", "w") as handle:
            handle.write("nope")
        result = runner.invoke(main, ["build", "src", "--key", "bad.key"])
        assert result.exit_code == 1
        assert "signature.private_key_malformed" in result.output


def test_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["verify"]).exit_code == 2
    assert runner.invoke(main, ["verify", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(main, ["build", str(tmp_path)]).exit_code == 2
    assert runner.invoke(main, ["frobnicate"]).exit_code == 2
    assert runner.invoke(main, ["--help"]).exit_code == 0
