"""License keys and tokens never appear in a log line, the access log included.

The ArgentOS client puts ``?key=`` in its download URLs, which gunicorn's access
log wrote verbatim; Django's loggers also see request lines (``runserver``),
paths that are credentials (``/api/v1/artifacts/{token}``) and headers.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from licensing import keys

KEY = keys.generate_key()
TOKEN = "mkt_" + "Ab3_x" * 8 + "zzz"  # the shape of tokens.services' raw tokens


def _secrets_in(text: str) -> list[str]:
    body = KEY.removeprefix("ARG-").replace("-", "")
    flat = text.upper().replace("-", "").replace("+", "").replace("%2D", "")
    found = [s for s in (KEY, KEY.lower(), TOKEN, "s3cr3t-artifact-token", "hunter2") if s in text]
    return found + ([body] if body[:20] in flat else [])


@pytest.fixture(autouse=True)
def _close_gunicorn_files():
    """Close the log files a gunicorn logger of a test opened (gunicorn keeps them on its loggers)."""
    yield
    for name in ("gunicorn.error", "gunicorn.access"):
        log = logging.getLogger(name)
        for handler in list(log.handlers):
            if getattr(handler, "_gunicorn", False):
                handler.close()
                log.removeHandler(handler)


def _gunicorn_logger(tmp_path, access_log_format: str | None = None):
    """A logger as gunicorn makes it from ``-c python:marketplace.gunicorn`` (plus an access log file)."""
    import marketplace.gunicorn

    module = importlib.reload(marketplace.gunicorn)
    cfg = Config()
    for name, value in vars(module).items():
        if name in cfg.settings:
            cfg.set(name.lower(), value)
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    if access_log_format:
        cfg.set("access_log_format", access_log_format)
    return cfg.logger_class(cfg)


def _access(logger, raw_uri: str, headers: list[tuple[str, str]]) -> None:
    path, _, query = raw_uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://market.example/packages/x/?key={KEY}",
        "HTTP_USER_AGENT": "argentos/1.4",
    }
    response = SimpleNamespace(status="302 Found", sent=0, headers=[("Location", "/api/v1/artifacts/x")])
    request = SimpleNamespace(headers=headers)
    logger.access(response, request, environ, dt.timedelta(milliseconds=12))


@pytest.mark.parametrize(
    "access_log_format",
    [
        None,  # gunicorn's default: '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
        "%(r)s %(U)s?%(q)s %(f)s key=%({x-license-key}i)s auth=%({authorization}i)s %({raw_uri}e)s",
    ],
)
def test_gunicorn_access_log_masks_keys_and_tokens(tmp_path, access_log_format):
    logger = _gunicorn_logger(tmp_path, access_log_format)
    headers = [("X-LICENSE-KEY", KEY), ("AUTHORIZATION", f"Bearer {TOKEN}")]
    _access(logger, f"/api/v1/catalog/paid-pack/download?version=1.0.0&key={KEY}", headers)
    _access(logger, f"/packages/paid-pack/1.0.0/download?key={KEY.lower().replace('-', '')}", headers)
    _access(logger, f"/api/v1/license/{KEY}", headers)
    _access(logger, "/api/v1/artifacts/s3cr3t-artifact-token", headers)
    _access(logger, f"/api/v1/catalog/licensed?token={TOKEN}&key=hunter2", headers)
    for handler in logger.access_log.handlers:
        handler.flush()
    written = (tmp_path / "access.log").read_text()
    assert written.count("\n") == 5
    assert "/api/v1/catalog/paid-pack/download?version=1.0.0&key=***" in written
    assert "203.0.113.9" in written or access_log_format
    assert _secrets_in(written) == [], written


def test_gunicorn_error_log_masks_keys(tmp_path):
    logger = _gunicorn_logger(tmp_path)
    logger.error("Error handling request /packages/x/1.0/download?key=%s", KEY)
    logger.warning("Authorization: Bearer %s", TOKEN)
    for handler in logger.error_log.handlers:
        handler.flush()
    written = (tmp_path / "error.log").read_text()
    assert "key=***" in written and _secrets_in(written) == [], written


@pytest.fixture
def console():
    """What the stream handlers of ``settings.LOGGING`` write (the root's and ``django.server``'s), as text."""
    handlers = [
        h
        for name in ("", "django", "django.request", "django.server")
        for h in logging.getLogger(name).handlers
        if type(h) is logging.StreamHandler
    ]
    assert handlers
    stream = io.StringIO()
    previous = [h.setStream(stream) for h in handlers]
    try:
        yield stream
    finally:
        for handler, old in zip(handlers, previous, strict=True):
            handler.setStream(old)


def test_django_loggers_mask_keys_and_tokens(client, db, console):
    # A real 403 from the artifact URL: django.request logs its path, which is a credential.
    assert client.get("/api/v1/artifacts/s3cr3t-artifact-token").status_code == 403
    # runserver's request line (django.server), as WSGIRequestHandler.log_message makes it.
    server = logging.getLogger("django.server")
    server.warning('"%s" %s %s', f"GET /packages/p/1.0/download?key={KEY.replace('-', '+')} HTTP/1.1", 402, 9)
    server.info('"%s" %s %s', f"GET /api/v1/catalog/licensed?token={TOKEN} HTTP/1.1", 200, 9)
    logging.getLogger("catalog").warning("headers: %s", {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"})
    logging.getLogger("catalog").warning('body: {"listingId": "p", "licenseKey": "hunter2"}')
    written = console.getvalue()
    assert written.count("\n") >= 5, written
    assert "/api/v1/artifacts/***" in written and "key=***" in written
    assert _secrets_in(written) == [], written


def test_mask_secrets_leaves_other_text_alone():
    from marketplace.logmask import mask_secrets

    line = '"GET /search/?q=crm+sync&sort=new HTTP/1.1" 200 5120'
    assert mask_secrets(line) == line
    assert mask_secrets("") == ""
    assert mask_secrets(f"key {KEY} seen") == f"key ARG-…-{KEY[-4:]} seen"
