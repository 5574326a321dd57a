"""``mkt publish`` and ``mkt login`` against a real local HTTP server.

The server is a :class:`http.server.ThreadingHTTPServer` on 127.0.0.1 in a thread:
it records every request (method, path, headers, raw body) and answers with canned
JSON, so the client's bytes on the wire are checked, multipart body included.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import os
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from argent_mkt import cli, client
from argent_pkg import detached_signature
from click.testing import CliRunner

from tests.argent_pkg.helpers import build

TOKEN = "mkt_" + "t" * 43


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, tuple[str | None, str, bytes]]:
        """The multipart parts: name -> (filename, content type, content)."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        assert message.is_multipart()
        parts = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            parts[name] = (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        return parts


Reply = tuple[int, object]


@dataclass
class StubServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    #: path (without query) -> list of replies, used in order; the last one repeats.
    replies: dict[str, list[Reply | Callable[[Recorded], Reply]]] = field(default_factory=dict)

    def reply(self, recorded: Recorded) -> Reply:
        queue = self.replies.get(recorded.path.split("?")[0])
        if not queue:
            return 404, {"ok": False, "errors": [{"code": "not_found", "field": None, "message": "no"}]}
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(recorded) if callable(answer) else answer


@pytest.fixture
def server() -> Iterator[StubServer]:
    stub = StubServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorded = Recorded(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
            )
            stub.requests.append(recorded)
            status, payload = stub.reply(recorded)
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _handle

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield stub
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture(autouse=True)
def isolated_config(tmp_path, monkeypatch) -> Path:
    """No token or URL leaks in from the environment; the config file lives under tmp_path."""
    for name in ("MKT_TOKEN", "MKT_URL", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "config" / "mkt" / "config.toml"
    monkeypatch.setenv("MKT_CONFIG", str(path))
    monkeypatch.setattr(cli, "POLL_INTERVAL", 0.01)
    return path


@pytest.fixture
def package(tmp_path, key) -> Path:
    path = tmp_path / "hello-connector-1.0.0.argent-pkg"
    path.write_bytes(build(key))
    return path


def accepted(status: str = "published", **extra: object) -> Reply:
    body = {
        "ok": True,
        "packageId": "hello-connector",
        "version": "1.0.0",
        "fileHash": "ab" * 32,
        "status": status,
        "submission": {"id": 7, "url": "/publish/submissions/7/"},
        "warnings": [],
    }
    body.update(extra)
    return (201 if status != "scanning" else 202), body


def run(*args: str, **kwargs) -> object:
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False, **kwargs)


def test_publish_streams_a_multipart_upload(server, package, key):
    package.with_name(package.name + ".sig").write_text(detached_signature(key, package.read_bytes()) + "\n")
    warning = {"code": "manifest.no_license", "field": "license", "message": "No license given."}
    server.replies["/api/v1/publish"] = [accepted("published", warnings=[warning])]

    result = run("publish", str(package), "--url", server.url, "--token", TOKEN, "--changelog", "First!")

    assert result.exit_code == 0, result.output
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/api/v1/publish")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert int(request.headers["content-length"]) == len(request.body)
    assert "transfer-encoding" not in request.headers
    form = request.form()
    assert form["package"][0] == package.name
    assert form["package"][2] == package.read_bytes()
    metadata = json.loads(form["metadata"][2])
    assert metadata["changelog"] == "First!"
    assert metadata["signature"] == detached_signature(key, package.read_bytes())
    assert form["metadata"][1] == "application/json"
    assert "status: published" in result.output
    assert "warning: manifest.no_license license: No license given." in result.output
    assert f"submission: {server.url}/publish/submissions/7/" in result.output
    # No progress bar when stdout is not a terminal.
    assert "Uploading" not in result.output


def test_publish_without_signature_or_changelog_sends_only_the_package(server, package):
    server.replies["/api/v1/publish"] = [accepted("pending_review")]
    result = run("publish", str(package), "--url", server.url + "/", "--token", TOKEN)
    assert result.exit_code == 0, result.output
    assert set(server.requests[0].form()) == {"package"}
    assert "status: pending_review" in result.output


def test_explicit_signature_file(server, package, tmp_path, key):
    sig = tmp_path / "elsewhere.sig"
    sig.write_text(detached_signature(key, package.read_bytes()))
    server.replies["/api/v1/publish"] = [accepted()]
    result = run("publish", str(package), "--url", server.url, "--token", TOKEN, "--signature-file", str(sig))
    assert result.exit_code == 0, result.output
    metadata = json.loads(server.requests[0].form()["metadata"][2])
    assert metadata == {"signature": sig.read_text()}


def test_rejection_lists_every_error_and_exits_1(server, package):
    errors = [
        {"code": "manifest.required", "field": "version", "message": "The field version is required."},
        {"code": "signature.missing", "field": None, "message": "The package is not signed."},
    ]
    server.replies["/api/v1/publish"] = [(400, {"ok": False, "errors": errors})]
    result = run("publish", str(package), "--url", server.url, "--token", TOKEN)
    assert result.exit_code == 1
    assert "manifest.required version: The field version is required." in result.output
    assert "signature.missing: The package is not signed." in result.output


@pytest.mark.parametrize("status", [401, 403, 409, 413, 429])
def test_other_refusals_exit_1(server, package, status):
    errors = [{"code": "token.unknown", "field": None, "message": "Unknown token."}]
    server.replies["/api/v1/publish"] = [(status, {"ok": False, "errors": errors})]
    result = run("publish", str(package), "--url", server.url, "--token", TOKEN)
    assert result.exit_code == 1
    assert f"HTTP {status}" in result.output and "token.unknown: Unknown token." in result.output


def test_network_errors_exit_3(server, package):
    server.replies["/api/v1/publish"] = [(502, b"<html>Bad gateway</html>")]
    result = run("publish", str(package), "--url", server.url, "--token", TOKEN)
    assert result.exit_code == 3
    assert "without a JSON object" in result.output

    # Nothing listens on port 1 of localhost.
    result = run("publish", str(package), "--url", "http://127.0.0.1:1", "--token", TOKEN)
    assert result.exit_code == 3
    assert "failed" in result.output


def test_wait_polls_the_submission_until_the_scan_ends(server, package):
    findings = [
        {
            "severity": "high",
            "code": "scan.undeclared_process",
            "path": "agent-harness/main.py",
            "line": 3,
            "message": "Starts processes without declaring 'process'.",
        }
    ]
    server.replies["/api/v1/publish"] = [accepted("scanning")]
    server.replies["/api/v1/submissions/7"] = [
        (200, {"id": 7, "status": "scanning", "findings": []}),
        (200, {"id": 7, "status": "flagged", "findings": findings, "reviewer_notes": ""}),
    ]
    result = run("publish", str(package), "--url", server.url, "--token", TOKEN, "--wait", "90")
    assert result.exit_code == 0, result.output
    assert server.requests[0].path == "/api/v1/publish?wait=60"  # the server's cap
    assert [r.path for r in server.requests[1:]] == ["/api/v1/submissions/7"] * 2
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in server.requests)
    assert "status: flagged" in result.output
    assert "HIGH scan.undeclared_process agent-harness/main.py:3: Starts processes" in result.output


def test_wait_gives_up_when_time_runs_out(server, package):
    server.replies["/api/v1/publish"] = [accepted("scanning")]
    server.replies["/api/v1/submissions/7"] = [(200, {"submission": {"id": 7, "status": "scanning"}})]
    result = run("publish", str(package), "--url", server.url, "--token", TOKEN, "--wait", "1")
    assert result.exit_code == 0, result.output
    assert server.requests[0].path == "/api/v1/publish?wait=1"
    assert "status: scanning" in result.output and "still scanning" in result.output


def test_wait_returns_at_once_when_the_outcome_is_known(server, package):
    server.replies["/api/v1/publish"] = [accepted("published")]
    result = run("publish", str(package), "--url", server.url, "--token", TOKEN, "--wait", "5")
    assert result.exit_code == 0
    assert len(server.requests) == 1


def test_token_and_url_from_the_environment(server, package, monkeypatch):
    monkeypatch.setenv("MKT_TOKEN", TOKEN)
    monkeypatch.setenv("MKT_URL", server.url)
    server.replies["/api/v1/publish"] = [accepted()]
    assert run("publish", str(package)).exit_code == 0
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_login_writes_a_private_config_that_publish_uses(server, package, isolated_config):
    result = run("login", "--url", server.url, input=TOKEN + "\n")
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output  # the prompt hides it
    assert stat.S_IMODE(isolated_config.stat().st_mode) == 0o600
    assert f'token = "{TOKEN}"' in isolated_config.read_text()

    server.replies["/api/v1/publish"] = [accepted()]
    result = run("publish", str(package))
    assert result.exit_code == 0, result.output
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"

    # An option beats the config file.
    result = run("publish", str(package), "--token", "mkt_other")
    assert server.requests[1].headers["authorization"] == "Bearer mkt_other"


def test_a_config_others_can_read_is_refused(package, isolated_config):
    isolated_config.parent.mkdir(parents=True)
    isolated_config.write_text(f'token = "{TOKEN}"\n')
    os.chmod(isolated_config, 0o644)
    result = run("publish", str(package))
    assert result.exit_code == 2
    assert "chmod 600" in result.output and "0644" in result.output


def test_configuration_errors_exit_2(package, isolated_config):
    result = run("publish", str(package))
    assert result.exit_code == 2
    assert "No token" in result.output and "mkt login" in result.output

    isolated_config.parent.mkdir(parents=True)
    isolated_config.write_text("token = [")
    os.chmod(isolated_config, 0o600)
    result = run("publish", str(package))
    assert result.exit_code == 2 and "not valid TOML" in result.output

    result = run("publish", str(package), "--token", TOKEN, "--url", "ftp://example.com")
    assert result.exit_code == 2
    assert run("publish", str(package), "--wait", "-1").exit_code == 2
    assert run("publish", "missing.argent-pkg", "--token", TOKEN).exit_code == 2
    assert run("login", "--url", "nope", input="x\n").exit_code == 2


def test_progress_bar_on_a_terminal(server, package, monkeypatch):
    monkeypatch.setattr(cli, "_stdout_is_tty", lambda: True)
    server.replies["/api/v1/publish"] = [accepted()]
    result = run("publish", str(package), "--url", server.url, "--token", TOKEN)
    assert result.exit_code == 0, result.output
    assert f"Uploading {package.name}" in result.output


def test_multipart_body_reports_progress_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(client, "CHUNK_SIZE", 1000)
    data = os.urandom(10_500)
    path = tmp_path / "blob"
    path.write_bytes(data)
    sent: list[int] = []
    with open(path, "rb") as handle:
        body = client.MultipartBody(
            [
                ("package", 'we"ird\nname', "application/gzip", handle, len(data)),
                ("m", None, "text/plain", b"x", 1),
            ],
            sent.append,
        )
        chunks = []
        while chunk := body.read(4096):
            chunks.append(chunk)
    raw = b"".join(chunks)
    assert len(raw) == body.length == sum(sent)
    assert max(len(c) for c in chunks) <= 4096
    assert b'filename="we%22ird%0Aname"' in raw
    assert data in raw
