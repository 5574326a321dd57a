"""The client's one HTTP module (``argent_mkt.client``) against real local servers.

Each server is a :class:`http.server.ThreadingHTTPServer` on 127.0.0.1 in a thread that
answers from a script (one answer per request, in order) and records what it received.
Retries: an idempotent ``GET`` that meets a broken connection or a 503 is tried again and
succeeds; a ``POST`` is sent once. Proxies: a second server plays the proxy, and the
environment variables decide whether a request goes through it.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from argent_mkt import client, install

#: An answer: (status, JSON body), or None to close the connection without answering.
Answer = tuple[int, dict] | None

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@dataclass
class Server:
    url: str = ""
    script: list[Answer] = field(default_factory=list)
    #: (method, request target, headers) of every request received.
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def next_answer(self) -> Answer:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def _serve(server: Server) -> Callable[[], None]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            server.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
            answer = server.next_answer()
            if answer is None:
                self.close_connection = True
                return
            status, payload = answer
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_CONNECT = _answer  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"

    def stop() -> None:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)

    return stop


@pytest.fixture(autouse=True)
def _no_proxy_from_the_machine(monkeypatch) -> None:
    """Each test sets the proxy variables it means; none come from the machine."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def server() -> Iterator[Server]:
    stub = Server()
    stop = _serve(stub)
    try:
        yield stub
    finally:
        stop()


@pytest.fixture
def proxy() -> Iterator[Server]:
    stub = Server(script=[(200, {"via": "proxy"})])
    stop = _serve(stub)
    try:
        yield stub
    finally:
        stop()


# --- retries --------------------------------------------------------------------------------------


def test_a_get_that_meets_a_503_and_a_broken_connection_is_retried_until_it_succeeds(server):
    server.script = [(503, {"detail": "busy"}), None, (200, {"ok": True, "status": "approved"})]

    response = client.get_json(server.url, "/api/v1/submissions/7", "a-token")

    assert response.status == 200 and response.body["status"] == "approved"
    assert [(method, target) for method, target, _ in server.seen] == [("GET", "/api/v1/submissions/7")] * 3
    assert all(headers["authorization"] == "Bearer a-token" for _, _, headers in server.seen)


def test_the_installer_retries_its_gets_through_the_same_module(server):
    server.script = [(502, {"detail": "bad gateway"}), (200, {"items": [], "total": 0})]

    body = install.Marketplace(server.url).search("weather")

    assert body == {"items": [], "total": 0}
    assert len(server.seen) == 2


def test_a_publish_is_sent_once_even_when_the_server_answers_503(server, tmp_path):
    server.script = [(503, {"ok": False, "errors": [{"code": "busy", "message": "try later"}]}), (201, {})]
    package = tmp_path / "demo-1.0.0.argent-pkg"
    package.write_bytes(b"\x1f\x8b package bytes")

    response = client.publish(server.url, "a-token", package)

    assert response.status == 503
    assert [method for method, _, _ in server.seen] == ["POST"]


def test_an_install_report_is_sent_once_when_the_connection_breaks(server):
    server.script = [None, (200, {"success": True})]

    with pytest.raises(client.NetworkError, match="POST .*/api/objectstack/v1/install failed"):
        install.Marketplace(server.url).report_install("weather-connector", "1.0.0", tenant_id="t-1")

    assert [method for method, _, _ in server.seen] == ["POST"]


# --- proxies -------------------------------------------------------------------------------------------


def test_http_proxy_carries_plain_http_requests(proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)

    response = client.get_json("http://marketplace.test", "/api/v1/catalog?q=csv", None)

    assert response.body == {"via": "proxy"}
    method, target, headers = proxy.seen[0]
    assert (method, target) == ("GET", "http://marketplace.test/api/v1/catalog?q=csv")
    assert headers["host"] == "marketplace.test"


def test_https_proxy_tunnels_https_requests_and_never_sees_the_token(proxy, monkeypatch):
    proxy.script = [(403, {"detail": "not here"})]
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)

    with pytest.raises(client.NetworkError):
        client.get_json("https://marketplace.test", "/api/v1/submissions/7", "secret-token")

    method, target, headers = proxy.seen[0]
    assert (method, target) == ("CONNECT", "marketplace.test:443")
    assert "authorization" not in headers


def test_proxy_credentials_in_the_variable_are_sent_to_the_proxy(proxy, monkeypatch):
    host_port = proxy.url.removeprefix("http://")
    monkeypatch.setenv("HTTP_PROXY", f"http://mkt-user:p%40ss@{host_port}")

    client.get_json("http://marketplace.test", "/api/v1/catalog", None)

    _, _, headers = proxy.seen[0]
    assert headers["proxy-authorization"] == "Basic " + base64.b64encode(b"mkt-user:p@ss").decode()


def test_no_proxy_sends_matching_hosts_directly(server, proxy, monkeypatch):
    server.script = [(200, {"via": "direct"})]
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "example.org,127.0.0.1")

    response = client.get_json(server.url, "/api/v1/catalog", None)

    assert response.body == {"via": "direct"}
    assert proxy.seen == []
    assert len(server.seen) == 1
