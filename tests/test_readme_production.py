"""The README's production checks work as written in the README's production environment.

The command (``DEBUG=false SECRET_KEY=… python manage.py check --deploy``), the signing-key command and
the env file are read out of README.md, not copied here, so the README cannot drift from what works:
``…`` becomes a fresh secret of the documented shape, absolute paths move under a temporary directory,
and ``python`` and ``mkt`` are this interpreter's. Nothing else of the caller's environment is passed on.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PLACEHOLDER = "…"
#: The variables of the README's production environment whose ``…`` is not a plain random string.
SHAPED_SECRETS = {"LICENSE_KEY_SECRET": lambda: base64.b64encode(os.urandom(32)).decode("ascii")}
ASSIGNMENT = re.compile(r"([A-Z][A-Z0-9_]*)=(.*)")


def _production_section() -> str:
    start = README.index("### Production environment")
    return README[start : README.index("\n## ", start)]


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"^```\w*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def _check_command() -> list[str]:
    """The README's one ``manage.py check --deploy`` command line, as its words."""
    commands = set(re.findall(r"`([^`\n]*manage\.py check --deploy[^`\n]*)`", README))
    assert len(commands) == 1, f"the README should give one check --deploy command, not {commands}"
    return shlex.split(commands.pop())


def _filled(name: str, value: str, tmp_path: Path) -> str:
    """``value`` as the test runs it: placeholders filled, absolute paths under ``tmp_path``."""
    while PLACEHOLDER in value:
        fill = SHAPED_SECRETS.get(name, lambda: secrets.token_hex(32))()
        value = value.replace(PLACEHOLDER, fill, 1)
    if value.startswith("/"):
        value = str(tmp_path / value.lstrip("/"))
    return value


def _production_environment(tmp_path: Path) -> dict[str, str]:
    """The README's env file, filled in, with the signing key made by the README's own command."""
    section = _production_section()
    [keygen] = [block for block in _code_blocks(section) if block.startswith("mkt keygen")]
    [env_file] = [block for block in _code_blocks(section) if block.startswith("DEBUG=")]
    environment = {}
    for line in env_file.splitlines():
        name, value = ASSIGNMENT.fullmatch(line).groups()
        environment[name] = _filled(name, value, tmp_path)
    mkt = Path(sys.executable).with_name("mkt")
    for line in keygen.strip().splitlines():  # one key file per line (the marketplace's, the log's)
        words = shlex.split(line)
        out = _filled("", words[words.index("--out") + 1], tmp_path)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(mkt), *words[1 : words.index("--out")], "--out", out], check=True, capture_output=True
        )
    # The TUF repository's online keys, made by the README's openssl lines.
    for block in _code_blocks(section):
        for line in block.splitlines():
            if line.startswith("openssl genpkey"):
                words = shlex.split(line)
                out = _filled("", words[words.index("-out") + 1], tmp_path)
                subprocess.run([*words[: words.index("-out")], "-out", out], check=True, capture_output=True)
    Path(environment["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    return environment


def _run_readme_check(environment: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run the README's command in ``environment``, as a shell would: its assignments win."""
    words = _check_command()
    assignments = {}
    while ASSIGNMENT.fullmatch(words[0]):
        name, value = ASSIGNMENT.fullmatch(words.pop(0)).groups()
        assignments[name] = _filled(name, value, tmp_path)
    assert words[:2] == ["python", "manage.py"], words
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    return subprocess.run(
        [sys.executable, *words[1:]],
        cwd=ROOT,
        env={**base, **environment, **assignments},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_readme_check_command_reports_no_issues_in_the_documented_production_environment(tmp_path):
    environment = _production_environment(tmp_path)
    assert environment["DEBUG"] == "false" and environment["STRIPE_BACKEND"] == "stripe"

    result = _run_readme_check(environment, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced).", result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"STRIPE_BACKEND": None}, "STRIPE_BACKEND"),  # unset: the default, the fake gateway
        ({"STRIPE_BACKEND": "fake"}, "STRIPE_BACKEND"),
        ({"STRIPE_SECRET_KEY": None}, "STRIPE_SECRET_KEY"),
        ({"STRIPE_WEBHOOK_SECRET": None}, "STRIPE_WEBHOOK_SECRET"),
        ({"STRIPE_WEBHOOK_SECRET": "whsec_dev_insecure_fake_gateway_secret"}, "STRIPE_WEBHOOK_SECRET"),
    ],
)
def test_the_readme_check_command_refuses_the_fake_gateway_and_development_secrets(tmp_path, change, named):
    environment = _production_environment(tmp_path)
    for name, value in change.items():
        if value is None:
            del environment[name]
        else:
            environment[name] = value

    result = _run_readme_check(environment, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr, result.stderr
