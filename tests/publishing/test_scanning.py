"""``publishing.scanning.scan``: capability checks (Python AST, line patterns), leaked secrets, excerpts.

Fake credentials are assembled from pieces so that no secret scanner (ours,
pre-commit's detect-private-key, GitHub's push protection) sees one in this file.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import argent_pkg as pkgformat
import pytest
import yara
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from publishing import scanning
from publishing.scanning import Finding, python_ast, secrets

NO_RULES = scanning.compile_rules([])


def inspection(members: dict[str, bytes], permissions=()) -> SimpleNamespace:
    return SimpleNamespace(
        manifest=SimpleNamespace(permissions=tuple(permissions), kind="connector"), members=members
    )


def scan(members: dict[str, bytes], permissions=(), rules=NO_RULES) -> list[Finding]:
    return scanning.scan(inspection(members, permissions), rules=rules)


def by_code(findings) -> dict[str, Finding]:
    return {f.code: f for f in findings}


# --- Python: each capability, undeclared and declared -----------------------------------------------

CAPABILITY_SAMPLES = [
    # (code, permission that declares it, Python source)
    ("scan.undeclared_network", "network", "import socket\n"),
    ("scan.undeclared_network", "network:api.example.com", "import requests\nrequests.get(URL)\n"),
    ("scan.undeclared_network", "network", "from urllib.request import urlopen\n"),
    ("scan.undeclared_network", "network", "import urllib\nurllib.request.urlopen(URL)\n"),
    ("scan.undeclared_network", "network", "from http import client\n"),
    ("scan.undeclared_network", "network", "import httpx as h\n"),
    ("scan.undeclared_network", "network", "import aiohttp\n"),
    ("scan.undeclared_network", "network", "import smtplib\n"),
    ("scan.undeclared_network", "network", "import ftplib\n"),
    ("scan.undeclared_network", "network", "import asyncio\nasyncio.open_connection(h, 1)\n"),
    ("scan.undeclared_network", "network", "import importlib\nimportlib.import_module('socket')\n"),
    ("scan.undeclared_process", "process", "import subprocess\n"),
    ("scan.undeclared_process", "process", "import os\nos.system('ls')\n"),
    ("scan.undeclared_process", "process", "import os as o\no.execvp('ls', ['ls'])\n"),
    ("scan.undeclared_process", "process", "from os import spawnl\n"),
    ("scan.undeclared_process", "process", "import os\nos.popen('ls')\n"),
    ("scan.undeclared_process", "process", "import pty\npty.spawn('/bin/sh')\n"),
    ("scan.undeclared_process", "process", "__import__('os').system('id')\n"),
    ("scan.undeclared_fs_write", "fs:write", "open('out.txt', 'w').write('x')\n"),
    ("scan.undeclared_fs_write", "fs:write", "open('log.txt', mode='a')\n"),
    ("scan.undeclared_fs_write", "fs:write", "open('data.bin', 'r+b')\n"),
    ("scan.undeclared_fs_write", "fs:write", "open('new.txt', 'x')\n"),
    ("scan.undeclared_fs_write", "fs:write", "from pathlib import Path\nPath('a').write_text('x')\n"),
    ("scan.undeclared_fs_write", "fs:write", "from pathlib import Path\nPath('a').write_bytes(b'x')\n"),
    ("scan.undeclared_fs_write", "fs:write", "from pathlib import Path\nPath('a').open('wb')\n"),
    ("scan.undeclared_fs_write", "fs:write", "import os\nos.remove('a')\n"),
    ("scan.undeclared_fs_write", "fs:write", "import os\nos.unlink('a')\n"),
    ("scan.undeclared_fs_write", "fs:write", "import os\nos.rename('a', 'b')\n"),
    ("scan.undeclared_fs_write", "fs:write", "import os\nos.makedirs('a/b')\n"),
    ("scan.undeclared_fs_write", "fs:write", "import shutil\nshutil.rmtree('a')\n"),
    ("scan.undeclared_fs_write", "fs:write", "from shutil import copyfile\ncopyfile('a', 'b')\n"),
    ("scan.undeclared_fs_write", "fs:write", "import tarfile\ntarfile.open('a.tgz', 'w:gz')\n"),
    ("scan.undeclared_fs_write", "fs:write", "import os\nos.open('a', os.O_WRONLY | os.O_CREAT)\n"),
]


@pytest.mark.parametrize(("code", "permission", "source"), CAPABILITY_SAMPLES)
def test_python_capability_undeclared_is_a_finding(code, permission, source):
    findings = by_code(scan({"pkg/mod.py": source.encode()}))
    assert code in findings
    finding = findings[code]
    assert finding.path == "pkg/mod.py" and finding.line is not None
    assert finding.excerpt.startswith(f"pkg/mod.py:{finding.line}: ")


@pytest.mark.parametrize(("code", "permission", "source"), CAPABILITY_SAMPLES)
def test_python_capability_declared_is_fine(code, permission, source):
    assert code not in by_code(scan({"pkg/mod.py": source.encode()}, [permission]))


CLEAN_SAMPLES = [
    "import urllib.parse\nurllib.parse.urlencode({})\n",
    "from urllib.parse import urlparse\n",
    "import json, csv, statistics\n",
    "open('in.txt').read()\n",
    "open('in.txt', 'rb')\n",
    "open(path, encoding='utf-8', newline='')\n",
    "text = 'a'.replace('a', 'b')\n",
    "import webbrowser\nwebbrowser.open('https://www.example.com')\n",
    "import re\npattern = re.compile(r'x')\n",
    "socket = get_socket()\nsocket.send(b'x')\n",  # not the module: nothing imported
    "import tempfile\nwith tempfile.TemporaryDirectory() as d:\n    pass\n",
    "import os\nos.environ.get('ARGENT_CSV_MAX_ROWS', '10')\n",
    "import os\nos.environ['HOME']\n",
]


@pytest.mark.parametrize("source", CLEAN_SAMPLES)
def test_python_without_a_capability_is_clean(source):
    assert scan({"mod.py": source.encode()}) == []


def test_python_excerpt_keeps_the_path_line_text_shape():
    findings = by_code(scan({"agent-harness/run.py": b"import subprocess\nsubprocess.run(['ls'])\n"}))
    process = findings["scan.undeclared_process"]
    assert (process.severity, process.line) == ("high", 1)
    assert process.excerpt == "agent-harness/run.py:1: import subprocess"
    assert "'process' permission" in process.message


def test_one_finding_per_check_per_member_at_the_first_line():
    source = b"x = 1\nimport os\nos.system('a')\nos.system('b')\nimport subprocess\n"
    findings = scan({"a.py": source, "b.py": source})
    assert [(f.path, f.code, f.line) for f in findings] == [
        ("a.py", "scan.undeclared_process", 3),
        ("b.py", "scan.undeclared_process", 3),
    ]


def test_findings_are_deterministic():
    members = {
        "z.py": b"import socket\nimport subprocess\nopen('x', 'w')\n",
        "a.js": b"fetch(url);\nrequire('child_process');\n",
    }
    first = scan(members)
    assert first == scan(dict(reversed(members.items())))
    assert [f.path for f in first] == sorted(f.path for f in first)


# --- Python: secrets read from the environment -----------------------------------------------------


SECRET_ENV_EXPRESSIONS = [
    "os.environ['GITHUB_TOKEN']",
    "os.environ.get('GITHUB_TOKEN')",
    "os.getenv('GITHUB_TOKEN', '')",
    "environ.get('GITHUB_TOKEN')",
]


@pytest.mark.parametrize("expression", SECRET_ENV_EXPRESSIONS)
def test_reading_a_secret_variable_needs_its_secrets_permission(expression):
    source = f"import os\nfrom os import environ\nvalue = {expression}\n".encode()
    finding = by_code(scan({"c.py": source}))["scan.undeclared_secret"]
    assert finding.severity == "medium" and finding.line == 3
    assert "GITHUB_TOKEN" in finding.message and "'secrets:GITHUB_TOKEN'" in finding.message
    assert scan({"c.py": source}, ["secrets:GITHUB_TOKEN"]) == []
    assert "scan.undeclared_secret" in by_code(scan({"c.py": source}, ["secrets:OTHER_TOKEN"]))


def test_every_undeclared_secret_variable_is_named():
    source = b"import os\na = os.getenv('DB_PASSWORD')\nb = os.getenv('STRIPE_API_KEY')\nc = os.getenv('X_TOKEN')\n"
    finding = by_code(scan({"c.py": source}, ["secrets:X_TOKEN"]))["scan.undeclared_secret"]
    assert "DB_PASSWORD, STRIPE_API_KEY" in finding.message and "X_TOKEN" not in finding.message
    assert finding.line == 2


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("GITHUB_TOKEN", True),
        ("API_KEY", True),
        ("OPENAI_APIKEY", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("DB_PASSWORD", True),
        ("GOOGLE_APPLICATION_CREDENTIALS", True),
        ("ACCESSTOKEN", True),
        ("HOME", False),
        ("KEYBOARD_LAYOUT", False),
        ("ARGENT_GH_ALLOWED_REPOS", False),
        ("SSH_PUBLIC_KEY", False),
    ],
)
def test_secret_looking_names(name, secret):
    assert python_ast.looks_secret(name) is secret


# --- Python: dynamic code and bad input ------------------------------------------------------------------


DYNAMIC_SAMPLES = [
    ("eval(user_input)\n", True),
    ("exec(open('x.py').read())\n", True),
    ("code = compile(src, 'x', 'exec')\n", True),
    ("eval('1 + 1')\n", False),
    ("import re\nre.compile(pattern)\n", False),
]


@pytest.mark.parametrize(("source", "dynamic"), DYNAMIC_SAMPLES)
def test_eval_exec_compile_of_non_literal_data(source, dynamic):
    findings = by_code(scan({"d.py": source.encode()}, ["process", "fs:write", "network"]))
    assert ("scan.dynamic_code" in findings) is dynamic
    if dynamic:
        assert findings["scan.dynamic_code"].severity == "medium"


UNPARSABLE_SAMPLES = [
    b"print 'python 2'\n",
    b"def f(:\n",
    b"x = 1\x00\n",
    b"\xff\xfe not utf-8 \xff\n",
    b"x = " + b"(" * 300 + b")" * 300 + b"\n",
]


@pytest.mark.parametrize("source", UNPARSABLE_SAMPLES)
def test_unparsable_python_is_a_low_finding_not_a_crash(source):
    findings = scan({"bad.py": source})
    assert [(f.code, f.severity) for f in findings] == [("scan.python_unparsable", "low")]


def test_python_too_large_to_parse_falls_back_to_line_patterns(monkeypatch):
    monkeypatch.setattr(python_ast, "MAX_AST_BYTES", 10)
    findings = by_code(scan({"big.py": b"# padding padding\nimport subprocess\n"}))
    assert findings["scan.undeclared_process"].line == 2


# --- JavaScript, TypeScript and shell: line patterns ---------------------------------------------------

REGEX_SAMPLES = [
    ("widget.js", "scan.undeclared_network", "network", b"fetch('https://api.example.com/x')\n"),
    ("server.mjs", "scan.undeclared_network", "network", b"import https from 'node:https';\n"),
    ("a.ts", "scan.undeclared_network", "network", b"const ws = new WebSocket(url);\n"),
    ("a.js", "scan.undeclared_process", "process", b"const cp = require('child_process');\n"),
    ("a.ts", "scan.undeclared_process", "process", b"execSync('ls');\n"),
    ("a.js", "scan.undeclared_fs_write", "fs:write", b"fs.writeFileSync('out', data);\n"),
    ("a.js", "scan.undeclared_fs_write", "fs:write", b"await fs.promises.unlink(p);\n"),
    ("run.sh", "scan.undeclared_network", "network", b"#!/bin/sh\ncurl -s https://api.example.com\n"),
    ("run.sh", "scan.undeclared_fs_write", "fs:write", b"#!/bin/sh\nmkdir -p out && touch out/x\n"),
]


@pytest.mark.parametrize(("path", "code", "permission", "content"), REGEX_SAMPLES)
def test_line_patterns_for_other_languages(path, code, permission, content):
    finding = by_code(scan({path: content}))[code]
    assert finding.excerpt.startswith(f"{path}:{finding.line}: ")
    assert code not in by_code(scan({path: content}, [permission]))


def test_clean_javascript_and_docs_are_not_flagged():
    members = {
        "widget.js": b"export function render(data) { return `<b>${data.cpu}</b>`; }\n",
        "README.md": b"We never fetch( anything; see child_process docs.\n",  # docs are not code
    }
    assert scan(members) == []


# --- leaked secrets: found, never shown in full ------------------------------------------------------------

AWS_ID = "AKIA" + "Q3EGRSTUVWXYZ234"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzz9Kq1w2e3"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
GITHUB_PAT = "github_pat_" + "11ABCDEFG0" * 6 + "_xyz"
SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
STRIPE_LIVE = "sk_live_" + "51HxYzAbCdEfGhIjKlMnOpQr"
STRIPE_TEST = "sk_test_" + "51HxYzAbCdEfGhIjKlMnOpQr"
GOOGLE = "AIza" + "SyD3f9Kx2Lm8Np4Qr7St1Uv6Wx0Yz5Ab9Cd"
PEM_HEADER = "-----BEGIN " + "RSA PRIVATE KEY-----"

SECRET_SAMPLES = [
    ("secret.aws_access_key", "critical", AWS_ID),
    ("secret.github_token", "critical", GITHUB),
    ("secret.github_token", "critical", GITHUB_PAT),
    ("secret.slack_token", "critical", SLACK),
    ("secret.stripe_live_key", "critical", STRIPE_LIVE),
    ("secret.stripe_test_key", "low", STRIPE_TEST),
    ("secret.google_api_key", "high", GOOGLE),
]


@pytest.mark.parametrize(("code", "severity", "secret"), SECRET_SAMPLES)
def test_leaked_secret_is_found_and_masked(code, severity, secret):
    content = f"# config\nCLIENT = make(token='{secret}')\n".encode()
    findings = scan({"conf/settings.py": content}, ["network"])
    finding = by_code(findings)[code]
    assert (finding.severity, finding.line) == (severity, 2)
    masked = secret[:4] + "*" * (len(secret) - 6) + secret[-2:]
    assert masked in finding.excerpt and masked in finding.message
    for f in findings:
        assert secret not in f.excerpt and secret not in f.message
        assert secret[4:-2] not in f.excerpt


def test_aws_secret_key_next_to_its_key_id():
    content = f"[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n".encode()
    findings = by_code(scan({"credentials.ini": content}))
    assert findings["secret.aws_access_key"].line == 2
    secret = findings["secret.aws_secret_key"]
    assert (secret.severity, secret.line) == ("critical", 3)
    assert AWS_SECRET not in secret.excerpt and AWS_SECRET not in secret.message
    assert AWS_SECRET[:4] + "*" * 34 + AWS_SECRET[-2:] in secret.excerpt


def test_aws_secret_key_on_the_same_line_as_other_findings_is_masked_everywhere():
    content = f"import os\nos.system('aws configure set {AWS_ID} {AWS_SECRET}')\n".encode()
    findings = scan({"setup.py": content})
    assert {"secret.aws_access_key", "secret.aws_secret_key", "scan.undeclared_process"} <= set(
        by_code(findings)
    )
    for f in findings:
        assert AWS_SECRET not in f.excerpt and AWS_ID not in f.excerpt


def test_private_key_block_is_critical_and_its_body_never_shown():
    body = "MIIEpAIBAAKCAQEA" + "q" * 40
    pem = f"{PEM_HEADER}\n{body}\n-----END RSA PRIVATE KEY-----\n"
    finding = by_code(scan({"keys/id.pem": pem.encode()}))["secret.private_key"]
    assert (finding.severity, finding.line) == ("critical", 1)
    assert finding.excerpt == f"keys/id.pem:1: {PEM_HEADER}"
    inline = json.dumps({"key": pem}).encode()  # a key pasted into JSON: one line
    finding = by_code(scan({"config.json": inline}))["secret.private_key"]
    assert body not in finding.excerpt and "MIIE" not in finding.excerpt


PLACEHOLDER_SAMPLES = [
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "x" * 36,
    "sk_live_" + "your_key_here_your_key",
    "ghp_" + "0" * 36,
]


@pytest.mark.parametrize("placeholder", PLACEHOLDER_SAMPLES)
def test_documentation_placeholders_are_not_secrets(placeholder):
    assert scan({"README.md": f"export TOKEN={placeholder}\n".encode()}) == []


def test_mask_keeps_four_leading_and_two_trailing_characters():
    assert secrets.mask("abcdefghijkl") == "abcd******kl"
    assert secrets.mask("short") == "*****"


def test_secrets_in_binary_members_give_the_offset():
    data = b"\x00\x01binary\x00" + GITHUB.encode() + b"\x00"
    finding = by_code(scan({"lib/blob.bin": data}))["secret.github_token"]
    assert finding.excerpt == "" and finding.line is None
    assert "byte offset 9" in finding.message and GITHUB not in finding.message


# --- which credential formats can match: one pass over the member, as the per-prefix search said ----------


def plain_candidates(data: bytes, patterns=secrets.PATTERNS) -> list[str]:
    """The reference: the codes of the specs one of whose prefixes is a substring of ``data``."""
    return [spec.code for spec in patterns if any(prefix in data for prefix in spec.prefixes)]


def candidates(data: bytes, patterns=secrets.PATTERNS) -> list[str]:
    return [spec.code for spec in secrets.candidate_specs(data, patterns)]


def old_find_secrets(data: bytes, monkeypatch) -> list:
    """``find_secrets`` as it was: every spec's prefixes searched with ``in``, one after the other."""
    with monkeypatch.context() as patched:
        patched.setattr(
            secrets,
            "candidate_specs",
            lambda data, patterns=secrets.PATTERNS: [
                spec for spec in patterns if any(prefix in data for prefix in spec.prefixes)
            ],
        )
        return secrets.find_secrets(data)


PEM_BODY = "MIIEpAIBAAKCAQEA" + "q7Z3" * 10
SLACK_WEBHOOK_PATH = "T0A1B2C3D" + "/B4E5F6G7H/" + "Zq8Rw3Lm9Kp2Nx7Vb4Tc1Hd6"


def leaked(code: str, prefix: bytes) -> bytes:
    """``prefix`` of the spec ``code`` followed by a credential of that format (or its key name for AWS)."""
    tails = {
        "secret.aws_access_key": AWS_ID[4:],
        "secret.google_api_key": GOOGLE[4:],
        "secret.slack_token": SLACK[5:],
        "secret.slack_webhook": SLACK_WEBHOOK_PATH,
        "secret.stripe_live_key": STRIPE_LIVE[8:],
        "secret.stripe_test_key": STRIPE_TEST[8:],
    }
    if code == "secret.private_key":
        return b"-----BEGIN RSA " + prefix + f"\n{PEM_BODY}\n".encode()
    if code == "secret.aws_secret_key":
        head = b"aws_s" if prefix[:1].islower() else b"AWS_S"
        return head + prefix + f" = {AWS_SECRET}\n".encode()
    if code == "secret.github_token":
        return GITHUB_PAT.encode() if prefix == b"github_pat_" else prefix + GITHUB[4:].encode()
    return prefix + tails[code].encode()


EVERY_PREFIX = [(spec.code, prefix) for spec in secrets.PATTERNS for prefix in spec.prefixes]


@pytest.mark.parametrize(
    ("code", "prefix"), EVERY_PREFIX, ids=lambda v: v.decode() if isinstance(v, bytes) else v
)
def test_each_prefix_followed_by_its_credential_is_found_as_before(code, prefix, monkeypatch):
    data = b"# config\nvalue = '" + leaked(code, prefix) + b"'\n"
    findings = secrets.find_secrets(data)
    assert code in [hit.code for hit in findings]
    assert findings == old_find_secrets(data, monkeypatch)
    assert candidates(data) == plain_candidates(data)


def existing_samples() -> list[bytes]:
    """Every sample of this file, as member bytes."""
    texts = [secret for _, _, secret in SECRET_SAMPLES] + PLACEHOLDER_SAMPLES + SECRET_ENV_EXPRESSIONS
    texts += [source for _, _, source in CAPABILITY_SAMPLES] + CLEAN_SAMPLES
    texts += [source for source, _ in DYNAMIC_SAMPLES]
    texts += [
        f"[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n",
        f"import os\nos.system('aws configure set {AWS_ID} {AWS_SECRET}')\n",
        f"{PEM_HEADER}\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n",
        f"TOKEN = '{GITHUB}'\n",
    ]
    samples = [text.encode() for text in texts] + UNPARSABLE_SAMPLES
    samples += [content for _, _, _, content in REGEX_SAMPLES]
    return samples + [b"\x00\x01binary\x00" + GITHUB.encode() + b"\x00"]


@pytest.mark.parametrize("data", existing_samples())
def test_the_candidate_specs_of_every_sample_are_those_of_the_per_prefix_search(data, monkeypatch):
    assert candidates(data) == plain_candidates(data)
    assert secrets.find_secrets(data) == old_find_secrets(data, monkeypatch)


EDGE_CASES = [
    b"",
    b"AKI",  # a prefix cut short
    b"AKIA",  # a prefix and nothing else
    b"AKIA" + b"\x00" * 1000 + b"ghp_",  # at the very start and the very end
    b"xoxb-" + b"x" * 5000 + b"hooks.slack.com/services/",
    b"AKIAIza",  # overlapping: AWS access key id and Google API key share the A
    b"ASIAKIA",  # overlapping prefixes of one spec
    b"sk_live_rk_test_",
    b"aws_secret_access_key aws_secret_key awsSecretAccessKey",  # prefixes inside prefixes
    b"".join(prefix for _, prefix in EVERY_PREFIX),  # all at once
    b"ghp" + b"_ gho" + b"_" + b"akia AIZA PRIVATE KEY---- SK_LIVE_",  # near misses, other case
]


@pytest.mark.parametrize("data", EDGE_CASES)
def test_candidate_specs_at_the_edges(data):
    assert candidates(data) == plain_candidates(data)


def test_the_real_prefixes_all_go_to_yara():
    rules, short = secrets._prefix_rules(secrets.PATTERNS)
    assert rules is not None and short == ()


def test_prefixes_too_short_for_yara_are_searched_with_in():
    github, slack = secrets.PATTERNS[4], secrets.PATTERNS[5]
    patterns = (replace(github, prefixes=(b"gh", b"github_pat_")), replace(slack, prefixes=(b"x",)))
    for data in [b"", b"gh", b"..x", b"github_pat_", b"g", b"ghx"]:
        assert candidates(data, patterns) == plain_candidates(data, patterns)


PREFIX_PIECES = [prefix for _, prefix in EVERY_PREFIX] + [prefix[:-1] for _, prefix in EVERY_PREFIX]


@hypothesis_settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=64), st.sampled_from(PREFIX_PIECES)), max_size=12))
def test_candidate_specs_of_random_bytes_sprinkled_with_prefixes(pieces):
    data = b"".join(pieces)
    assert candidates(data) == plain_candidates(data)


class FailingRules:
    def __init__(self, error: Exception):
        self.error = error

    def match(self, **kwargs):
        raise self.error


@pytest.mark.parametrize(
    "error", [yara.TimeoutError("timed out"), yara.Error("internal error"), MemoryError()]
)
def test_when_yara_fails_the_per_prefix_search_still_finds_the_secret(error, monkeypatch, caplog):
    monkeypatch.setattr(secrets, "_prefix_rules", lambda patterns: (FailingRules(error), ()))
    data = f"TOKEN = '{GITHUB}'\n".encode()
    with caplog.at_level(logging.WARNING, logger=secrets.__name__):
        (hit,) = secrets.find_secrets(data)
    assert hit.code == "secret.github_token"
    assert "could not look for the credential prefixes" in caplog.text


def test_when_the_prefix_rules_do_not_compile_the_secret_is_still_found(monkeypatch):
    def broken(patterns):
        raise yara.SyntaxError("bad rule")

    monkeypatch.setattr(secrets, "_prefix_rules", broken)
    assert [hit.code for hit in secrets.find_secrets(GOOGLE.encode())] == ["secret.google_api_key"]


# --- through the upload pipeline, and the demo catalog -------------------------------------------------------


@pytest.mark.django_db
def test_submission_stores_line_and_masked_excerpt(build_pkg, submit):
    submission = submit(build_pkg({"agent-harness/run.py": f"TOKEN = '{GITHUB}'\n".encode()}))
    finding = submission.findings.get(code="secret.github_token")
    assert finding.severity == "critical" and finding.line == 1
    assert GITHUB not in finding.excerpt
    assert not submission.findings.filter(excerpt__contains=GITHUB).exists()
    assert submission.audit_verdict == "rejected"


EXAMPLES = sorted(p.parent for p in (Path(settings.BASE_DIR) / "examples").glob("*/argent.plugin.json"))


@pytest.mark.django_db
@pytest.mark.parametrize("source", EXAMPLES, ids=lambda p: p.name)
def test_demo_examples_have_no_medium_or_higher_findings(source, signing_key):
    inspected = pkgformat.inspect_package(pkgformat.build_package(source, signing_key=signing_key))
    findings = scanning.scan(inspected)  # the database rules: the starter set
    assert [f for f in findings if f.severity not in ("info", "low")] == []
    assert scanning.audit(findings).verdict == "certified"


# --- robustness ---------------------------------------------------------------------------------------------


def test_a_failing_check_is_a_finding_and_the_other_checks_still_run(monkeypatch, caplog):
    def broken(data):
        raise RuntimeError("bug")

    monkeypatch.setattr(secrets, "find_secrets", broken)
    findings = by_code(scan({"run.py": b"import subprocess\n"}))
    assert findings["scan.internal_error"].severity == "medium"
    assert "scan.undeclared_process" in findings
    assert "run.py" in caplog.text


def test_a_yara_timeout_is_a_medium_finding():
    import yara

    class SlowRules:
        def match(self, **kwargs):
            raise yara.TimeoutError("timed out")

    compiled = scanning.CompiledRules(rules=SlowRules(), specs={"x": ("low", "X.")})
    (finding,) = scan({"big.txt": b"data\n"}, rules=compiled)
    assert (finding.code, finding.severity) == ("scan.yara_timeout", "medium")


@pytest.mark.django_db
def test_a_package_with_no_code_says_so_instead_of_a_perfect_score(client, build_pkg, submit):
    no_code = submit(build_pkg())  # a manifest, a README and a JSON file
    with_code = submit(build_pkg({"agent-harness/run.py": b"print('hello')\n"}, version="1.0.1"))

    assert (no_code.audit_verdict, no_code.audit_score) == ("no-code", None)
    assert (with_code.audit_verdict, with_code.audit_score) == ("certified", 100)
    client.force_login(no_code.submitted_by)
    page = client.get(no_code.get_absolute_url()).content.decode()
    assert "Audit: no code to scan" in page and "100/100" not in page
