"""``mkt init`` (scaffolding) and ``mkt verify`` with a detached signature file beside the package."""

from __future__ import annotations

import json
from pathlib import Path

from argent_mkt.cli import main
from argent_pkg import detached_signature, inspect_package, save_signing_key
from click.testing import CliRunner

from tests.argent_pkg.helpers import build

FLAGS = [
    "--id",
    "weather-skill",
    "--name",
    "Weather",
    "--version",
    "1.2.0",
    "--kind",
    "skill",
    "--category",
    "ai",
    "--description",
    "Tells the weather.",
    "--license",
    "Apache-2.0",
    "--permission",
    "network:api.weather.example",
    "--permission",
    "fs:tmp",
    "--yes",
]


def test_init_from_flags_scaffolds_a_package_that_builds(tmp_path, key):
    runner = CliRunner()
    target = tmp_path / "weather"
    result = runner.invoke(main, ["init", str(target), *FLAGS])
    assert result.exit_code == 0, result.output
    manifest = json.loads((target / "argent.plugin.json").read_text())
    assert manifest["id"] == "weather-skill" and manifest["version"] == "1.2.0"
    assert manifest["kind"] == "skill" and manifest["category"] == "ai"
    assert manifest["permissions"] == ["network:api.weather.example", "fs:tmp"]
    assert manifest["license"] == "Apache-2.0"
    assert (target / "README.md").read_text().startswith("# Weather\n")
    assert (target / "skills" / "weather-skill" / "SKILL.md").exists()

    save_signing_key(tmp_path / "k.key", key)
    out = tmp_path / "w.argent-pkg"
    result = runner.invoke(main, ["build", str(target), "--key", str(tmp_path / "k.key"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert inspect_package(out.read_bytes()).manifest.id == "weather-skill"


def test_init_defaults_with_yes(tmp_path):
    target = tmp_path / "My Cool Plugin"
    result = CliRunner().invoke(main, ["init", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((target / "argent.plugin.json").read_text())
    assert manifest["id"] == "my-cool-plugin"
    assert manifest["version"] == "0.1.0" and manifest["kind"] == "plugin"
    assert manifest["permissions"] == []


def test_init_interactive(tmp_path):
    answers = "\n".join(
        ["hello", "Hello", "2.0.0", "connector", "", "Says hello.", "MIT", "Alice", "network, process"]
    )
    result = CliRunner().invoke(main, ["init", str(tmp_path / "x")], input=answers + "\n")
    assert result.exit_code == 0, result.output
    assert "Package id" in result.output and "Kind" in result.output
    manifest = json.loads((tmp_path / "x" / "argent.plugin.json").read_text())
    assert manifest["id"] == "hello" and manifest["kind"] == "connector"
    assert manifest["category"] == "integration"  # the default for a connector
    assert manifest["permissions"] == ["network", "process"]
    assert manifest["author"] == {"name": "Alice"}
    assert (tmp_path / "x" / "connector.json").exists()


def test_init_validates_before_writing(tmp_path):
    target = tmp_path / "bad"
    result = CliRunner().invoke(
        main,
        [
            "init",
            str(target),
            "--yes",
            "--id",
            "Bad_ID",
            "--version",
            "one",
            "--kind",
            "theme",
            "--permission",
            "network",
        ],
    )
    assert result.exit_code == 1
    assert "manifest.id_invalid id:" in result.output
    assert "manifest.version_invalid version:" in result.output
    assert "manifest.permission_not_allowed permissions[0]:" in result.output
    assert not target.exists()


def test_init_refuses_to_overwrite_without_force(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path), *FLAGS]).exit_code == 0
    (tmp_path / "README.md").write_text("mine")
    result = runner.invoke(main, ["init", str(tmp_path), *FLAGS])
    assert result.exit_code == 1
    assert "--force" in result.output and "argent.plugin.json" in result.output
    assert (tmp_path / "README.md").read_text() == "mine"
    result = runner.invoke(main, ["init", str(tmp_path), *FLAGS, "--force"])
    assert result.exit_code == 0
    assert (tmp_path / "README.md").read_text() != "mine"


def test_init_usage_errors(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path), "--kind", "spaceship", "--yes"]).exit_code == 2
    (tmp_path / "file").write_text("x")
    assert runner.invoke(main, ["init", str(tmp_path / "file"), "--yes"]).exit_code == 2


def _package(tmp_path: Path, key) -> Path:
    path = tmp_path / "hello-connector-1.0.0.argent-pkg"
    path.write_bytes(build(key))
    return path


def test_verify_reads_file_sig_beside_the_package(tmp_path, key):
    package = _package(tmp_path, key)
    signature = detached_signature(key, package.read_bytes())
    sig = tmp_path / (package.name + ".sig")
    sig.write_text(signature + "\n")
    result = CliRunner().invoke(main, ["verify", str(package)])
    assert result.exit_code == 0, result.output
    assert "signatures: detached, embedded" in result.output
    assert f"signature file: {sig}" in result.output

    # --signature wins over the file.
    result = CliRunner().invoke(main, ["verify", str(package), "--signature", signature])
    assert result.exit_code == 0 and "signature file:" not in result.output


def test_verify_reads_id_version_sig(tmp_path, key):
    package = _package(tmp_path, key)
    (tmp_path / "hello-connector-1.0.0.sig").write_text(detached_signature(key, package.read_bytes()))
    result = CliRunner().invoke(main, ["verify", str(package)])
    assert result.exit_code == 0, result.output
    assert "signatures: detached, embedded" in result.output


def test_verify_rejects_a_wrong_signature_file(tmp_path, key, other_key):
    package = _package(tmp_path, key)
    (tmp_path / (package.name + ".sig")).write_text(detached_signature(other_key, package.read_bytes()))
    result = CliRunner().invoke(main, ["verify", str(package)])
    assert result.exit_code == 1
    assert "signature.invalid signature:" in result.output
    (tmp_path / (package.name + ".sig")).write_bytes(b"\xff\xfe not base64")
    result = CliRunner().invoke(main, ["verify", str(package)])
    assert result.exit_code == 1
    assert "signature.malformed" in result.output


def test_init_writes_a_readme_for_customers_and_keeps_author_notes_out_of_the_package(tmp_path, key):
    runner = CliRunner()
    target = tmp_path / "weather"
    assert runner.invoke(main, ["init", str(target), *FLAGS]).exit_code == 0

    readme = (target / "README.md").read_text()
    assert "argent marketplace" not in readme.lower()
    assert "mkt build" not in readme and "mkt publish" not in readme and "keygen" not in readme
    assert "```sh\nmkt install weather-skill\n```" in readme
    for heading in ("## What it does", "## Install", "## Configuration", "## Permissions"):
        assert heading in readme
    assert "- `network:api.weather.example`" in readme and "- `fs:tmp`" in readme
    developing = (target / "DEVELOPING.md").read_text()
    assert "mkt build . --key" in developing and "mkt publish weather-skill-1.2.0.argent-pkg" in developing

    save_signing_key(tmp_path / "k.key", key)
    out = tmp_path / "w.argent-pkg"
    result = runner.invoke(main, ["build", str(target), "--key", str(tmp_path / "k.key"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    members = inspect_package(out.read_bytes()).members
    assert "README.md" in members and "DEVELOPING.md" not in members
