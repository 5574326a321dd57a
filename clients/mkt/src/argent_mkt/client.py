"""The one HTTP module of ``mkt``: every request the client sends goes through :func:`request`.

Built on urllib3 (pinned in ``clients/mkt/pyproject.toml``), with:

- a timeout on connecting and on every read (``timeout`` seconds, default :data:`TIMEOUT`);
- retries with exponential backoff for idempotent requests only (``GET`` and ``HEAD``):
  a connection that fails, a read that fails, or an answer 502, 503 or 504 is tried again up to
  :data:`RETRIES` times, waiting 0, 2 x :data:`BACKOFF`, 4 x :data:`BACKOFF` seconds between
  tries. ``POST`` (``mkt publish``, the install report) is sent once: the server may have
  acted on it. A 429 is not retried (the rate limit is reported to the user instead);
- the proxy environment variables ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` and
  ``NO_PROXY`` (either case), read with the standard library's own rules
  (:func:`urllib.request.getproxies_environment` and
  :func:`urllib.request.proxy_bypass_environment`); an ``https://`` URL goes through an
  ``http://`` proxy with ``CONNECT``, so the proxy never sees the token;
- no redirect is followed here: the installer follows the download's redirects itself, so
  that the license key is never sent to another host (``install.Marketplace.download``).

The package file of ``mkt publish`` is never read into memory as a whole:
:class:`MultipartBody` is a file-like object that hands out the multipart preamble, the file
in chunks and the epilogue, calling a progress callback with every chunk, and is sent with a
fixed ``Content-Length``.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment

import urllib3

__all__ = [
    "ApiResponse",
    "BodyTooLarge",
    "MultipartBody",
    "NetworkError",
    "Response",
    "get_json",
    "publish",
    "request",
]

CHUNK_SIZE = 64 * 1024
TIMEOUT = 120.0
USER_AGENT = "mkt (argent-marketplace)"
#: Retries of an idempotent request (after the first try).
RETRIES = 3
#: Backoff factor in seconds: waits 0, 2 x BACKOFF, 4 x BACKOFF ... between tries.
BACKOFF = 0.5
#: Answers that mean "try again shortly" (a proxy or load balancer in front of the marketplace).
RETRY_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})
#: The largest JSON answer read (bytes).
MAX_JSON_BYTES = 16 * 1024 * 1024


class NetworkError(Exception):
    """The server could not be reached, or did not answer with JSON; the CLI exits with 3."""


@dataclass(frozen=True)
class ApiResponse:
    """A JSON reply: HTTP ``status`` and the decoded ``body`` (a dict)."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and self.body.get("ok", True) is not False


def _quote_param(value: str) -> str:
    # RFC 7578 section 4.2: quotes and line breaks in a file name are percent-encoded.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartBody:
    """A ``multipart/form-data`` body read in chunks (only ``read(n)`` is offered).

    Args:
        parts: ``(name, filename or None, content type, bytes or binary file, size)``
            in order.
        progress: called with the number of bytes of every chunk handed out.
    """

    def __init__(
        self,
        parts: list[tuple[str, str | None, str, bytes | BinaryIO, int]],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.boundary = "mkt-" + secrets.token_hex(16)
        self._progress = progress
        self._pieces: list[bytes | BinaryIO] = []
        self.length = 0
        for name, filename, content_type, content, size in parts:
            disposition = f'form-data; name="{_quote_param(name)}"'
            if filename is not None:
                disposition += f'; filename="{_quote_param(filename)}"'
            head = (
                f"--{self.boundary}\r\nContent-Disposition: {disposition}\r\n"
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            self._pieces += [head, content, b"\r\n"]
            self.length += len(head) + size + 2
        tail = f"--{self.boundary}--\r\n".encode()
        self._pieces.append(tail)
        self.length += len(tail)
        self._index = 0
        self._offset = 0

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def read(self, size: int = -1) -> bytes:
        """Return up to ``size`` bytes (at most one piece at a time); ``b""`` at the end."""
        if size is None or size < 0:
            size = CHUNK_SIZE
        while self._index < len(self._pieces):
            piece = self._pieces[self._index]
            if isinstance(piece, bytes):
                chunk = piece[self._offset : self._offset + size]
                self._offset += len(chunk)
                if self._offset >= len(piece):
                    self._index, self._offset = self._index + 1, 0
            else:
                chunk = piece.read(size)
                if not chunk:
                    self._index += 1
                    continue
            if chunk:
                if self._progress is not None:
                    self._progress(len(chunk))
                return chunk
        return b""


class BodyTooLarge(NetworkError):
    """The answer's body is longer than the caller allows (``max_bytes``)."""


@dataclass(frozen=True)
class Response:
    """An HTTP answer read whole: ``status``, ``headers`` (case-insensitive) and ``body`` bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes


_managers: dict[str | None, urllib3.PoolManager] = {}


def _proxy_for(url: str) -> str | None:
    """The proxy URL the environment names for ``url``, or ``None`` (direct, or NO_PROXY)."""
    parts = urlsplit(url)
    proxies = getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or proxy_bypass_environment(parts.hostname or "", proxies):
        return None
    return proxy


def _manager(proxy: str | None) -> urllib3.PoolManager:
    """One connection pool per proxy (``None``: direct), kept for the process."""
    key = proxy
    manager = _managers.get(key)
    if manager is None:
        if proxy is None:
            manager = urllib3.PoolManager(num_pools=4)
        else:
            if "://" not in proxy:
                proxy = "http://" + proxy
            parts = urlsplit(proxy)
            headers = None
            if parts.username is not None:
                credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
                headers = urllib3.make_headers(proxy_basic_auth=credentials)
                proxy = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
            manager = urllib3.ProxyManager(proxy, num_pools=4, proxy_headers=headers)
        _managers[key] = manager
    return manager


def _retries(method: str) -> urllib3.Retry | bool:
    if method not in IDEMPOTENT_METHODS:
        return False
    return urllib3.Retry(
        total=RETRIES,
        backoff_factor=BACKOFF,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=IDEMPOTENT_METHODS,
        redirect=False,
        raise_on_status=False,
        respect_retry_after_header=False,
    )


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | MultipartBody | None = None,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_JSON_BYTES,
    progress: Callable[[int], None] | None = None,
) -> Response:
    """Send one request (with the retries and proxy of the module docstring) and read the answer.

    Args:
        method: ``GET``, ``HEAD`` or ``POST``; only the first two are retried.
        url: an absolute ``http://`` or ``https://`` URL.
        headers: extra request headers; ``User-Agent`` is :data:`USER_AGENT` unless given.
        body: the request body (bytes, or a :class:`MultipartBody` streamed from disk).
        timeout: seconds allowed for connecting and for each read.
        max_bytes: the longest body read; a longer one raises :class:`BodyTooLarge`.
        progress: called with the size of every chunk of a 2xx answer's body.

    Returns:
        the answer, whatever its status (redirects are returned, not followed).

    Raises:
        NetworkError: not an http(s) URL, the server or proxy could not be reached, the
            connection broke, or (after the retries) a read timed out.
        BodyTooLarge: the body is longer than ``max_bytes``.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError(f"{url} is not an http:// or https:// URL.")
    sent = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        manager = _manager(_proxy_for(url))
        response = manager.request(
            method,
            url,
            body=body,
            headers=sent,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=_retries(method),
            redirect=False,
            preload_content=False,
            decode_content=False,
        )
        try:
            chunks: list[bytes] = []
            total = 0
            for chunk in response.stream(CHUNK_SIZE, decode_content=False):
                total += len(chunk)
                if total > max_bytes:
                    raise BodyTooLarge(f"{method} {url} sent more than {max_bytes} bytes; refusing it.")
                chunks.append(chunk)
                if progress is not None and 200 <= response.status < 300:
                    progress(len(chunk))
        finally:
            response.release_conn()
    except (OSError, urllib3.exceptions.HTTPError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise NetworkError(f"{method} {url} failed: {reason or type(exc).__name__}") from None
    return Response(status=response.status, headers=response.headers, body=b"".join(chunks))


def _request(
    method: str,
    url: str,
    *,
    token: str | None,
    body: MultipartBody | None = None,
    timeout: float = TIMEOUT,
) -> ApiResponse:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = body.content_type
        headers["Content-Length"] = str(body.length)
    response = request(method, url, headers=headers, body=body, timeout=timeout)
    try:
        data = json.loads(response.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        snippet = response.body[:200].decode("utf-8", "replace").strip()
        raise NetworkError(
            f"{method} {url} answered HTTP {response.status} without a JSON object"
            + (f": {snippet}" if snippet else ".")
        )
    return ApiResponse(status=response.status, body=data)


def publish(
    base_url: str,
    token: str,
    package_path: str | os.PathLike[str],
    *,
    signature: str | None = None,
    changelog: str | None = None,
    wait: int | None = None,
    progress: Callable[[int], None] | None = None,
    timeout: float = TIMEOUT,
) -> ApiResponse:
    """``POST {base_url}/api/v1/publish[?wait=N]`` with the package streamed from disk.

    The ``metadata`` part (JSON) carries ``changelog`` and the detached ``signature``
    when given.  Raises :class:`NetworkError` for transport failures and non-JSON
    replies; any JSON reply (accepted or not) is returned.
    """
    url = f"{base_url.rstrip('/')}/api/v1/publish"
    if wait:
        url += "?" + urlencode({"wait": int(wait)})
    metadata: dict[str, str] = {}
    if changelog:
        metadata["changelog"] = changelog
    if signature:
        metadata["signature"] = signature
    size = os.path.getsize(package_path)
    with open(package_path, "rb") as handle:
        parts: list[tuple[str, str | None, str, bytes | BinaryIO, int]] = [
            ("package", os.path.basename(package_path), "application/gzip", handle, size)
        ]
        if metadata:
            encoded = json.dumps(metadata).encode()
            parts.append(("metadata", None, "application/json", encoded, len(encoded)))
        body = MultipartBody(parts, progress)
        return _request("POST", url, token=token, body=body, timeout=timeout)


def get_json(base_url: str, path: str, token: str | None, *, timeout: float = 30.0) -> ApiResponse:
    """``GET`` a JSON document under ``base_url``."""
    return _request(
        "GET", urljoin(base_url.rstrip("/") + "/", path.lstrip("/")), token=token, timeout=timeout
    )


def submission_path(submission_id: object) -> str:
    """The API path of a submission."""
    return f"/api/v1/submissions/{quote(str(submission_id), safe='')}"
