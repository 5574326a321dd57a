"""A small Stripe-compatible HTTP server for testing ``StripeGateway`` with the real ``stripe`` library.

A :class:`http.server.ThreadingHTTPServer` on 127.0.0.1 (port 0) implements the endpoints the gateway
calls — ``POST /v1/checkout/sessions`` (payment and subscription mode), ``POST /v1/accounts``,
``GET /v1/accounts/{id}``, ``POST /v1/account_links``, ``POST /v1/refunds``,
``DELETE /v1/subscriptions/{id}`` — parses form-encoded bodies the way Stripe does
(``a[b][c]=v`` nests, ``a[0][b]=v`` makes lists), answers JSON shaped like Stripe's objects, and records
every request. The ``stripe_server`` fixture points ``STRIPE_API_BASE`` at it and selects
``STRIPE_BACKEND=stripe``; the ``stripe`` module itself is never patched.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

_KEY_PART = re.compile(r"\[([^\]]*)\]")


def parse_form(body: str) -> dict:
    """Stripe's form encoding to nested dicts and lists."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head = key.split("[", 1)[0]
        parts = [head, *_KEY_PART.findall(key[len(head) :])]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    node = {key: _listify(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    params: dict


@dataclass
class StripeState:
    requests: list[Recorded] = field(default_factory=list)
    accounts: dict[str, dict] = field(default_factory=dict)
    #: Prices staff created in the Stripe dashboard: id -> {"unit_amount", "currency"}.
    prices: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]


def _error(message: str, status: int = 404) -> tuple[int, dict]:
    return status, {"error": {"type": "invalid_request_error", "message": message}}


def make_handler(state: StripeState):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _reply(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
            self.end_headers()
            self.wfile.write(body)

        def _handle(self, method: str) -> None:
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else urlsplit(self.path).query
            params = parse_form(raw)
            with state.lock:
                state.requests.append(Recorded(method, path, dict(self.headers), params))
            if not self.headers.get("Authorization", "").startswith("Bearer sk_"):
                self._reply(*_error("Invalid API Key provided", 401))
                return
            self._reply(*route(state, method, path, params))

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_DELETE(self) -> None:
            self._handle("DELETE")

    return Handler


def route(state: StripeState, method: str, path: str, params: dict) -> tuple[int, dict]:
    now = int(time.time())
    if method == "POST" and path == "/v1/checkout/sessions":
        session_id = f"cs_test_{secrets.token_hex(12)}"
        line = params["line_items"][0]
        price = line.get("price_data") or state.prices.get(line.get("price"))
        if price is None:
            return _error(f"No such price: '{line.get('price')}'", 400)
        amount = int(price["unit_amount"]) * int(line.get("quantity", 1))
        return 200, {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": price["currency"],
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata", {}),
            "payment_intent": None,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "created": now,
            "livemode": False,
        }
    if method == "POST" and path == "/v1/accounts":
        account = {
            "id": f"acct_{secrets.token_hex(8)}",
            "object": "account",
            "type": params.get("type"),
            "email": params.get("email"),
            "metadata": params.get("metadata", {}),
            "details_submitted": False,
            "charges_enabled": False,
            "payouts_enabled": False,
            "created": now,
        }
        with state.lock:
            state.accounts[account["id"]] = account
        return 200, account
    match = re.fullmatch(r"/v1/accounts/(acct_\w+)", path)
    if method == "GET" and match:
        account = state.accounts.get(match.group(1))
        if account is None:
            return _error(f"No such account: '{match.group(1)}'")
        return 200, account
    if method == "POST" and path == "/v1/account_links":
        if params.get("account") not in state.accounts:
            return _error(f"No such account: '{params.get('account')}'", 400)
        return 200, {
            "object": "account_link",
            "created": now,
            "expires_at": now + 300,
            "url": f"https://connect.stripe.com/setup/e/{params['account']}/{secrets.token_hex(6)}",
        }
    match = re.fullmatch(r"/v1/subscriptions/(sub_\w+)", path)
    if method == "DELETE" and match:
        return 200, {"id": match.group(1), "object": "subscription", "status": "canceled", "created": now}
    if method == "POST" and path == "/v1/refunds":
        return 200, {
            "id": f"re_{secrets.token_hex(8)}",
            "object": "refund",
            "payment_intent": params.get("payment_intent"),
            "status": "succeeded",
            "metadata": params.get("metadata", {}),
            "created": now,
        }
    return _error(f"Unrecognized request URL ({method}: {path}).")


@dataclass
class StripeServer:
    url: str
    state: StripeState

    @property
    def requests(self) -> list[Recorded]:
        return self.state.requests


@pytest.fixture(name="stripe_server")
def stripe_server_fixture(settings):
    """A running local Stripe; ``settings`` use it through ``StripeGateway``."""
    from marketplace.settings import StripeBackend

    state = StripeState()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    settings.STRIPE_BACKEND = StripeBackend.STRIPE
    settings.STRIPE_API_BASE = url
    settings.STRIPE_SECRET_KEY = "sk_test_local_server"
    try:
        yield StripeServer(url=url, state=state)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
