"""The HTTP side of ``mkt publish``: a streamed multipart upload and JSON requests.

Standard library only (:mod:`http.client`): the package file is never read into
memory as a whole; :class:`MultipartBody` is a file-like object that yields the
multipart preamble, the file in chunks and the epilogue, calling a progress callback
with every chunk, and :mod:`http.client` sends it with a fixed ``Content-Length``.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import quote, urlencode, urljoin, urlsplit

__all__ = [
    "ApiResponse",
    "MultipartBody",
    "NetworkError",
    "get_json",
    "publish",
]

CHUNK_SIZE = 64 * 1024
TIMEOUT = 120.0
USER_AGENT = "mkt (argent-marketplace)"


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


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError(f"{url} is not an http:// or https:// URL.")
    port = parts.port
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout, context=ssl.create_default_context(), blocksize=CHUNK_SIZE
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout, blocksize=CHUNK_SIZE)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return connection, path


def _request(
    method: str,
    url: str,
    *,
    token: str | None,
    body: MultipartBody | None = None,
    timeout: float = TIMEOUT,
) -> ApiResponse:
    connection, path = _connection(url, timeout)
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = body.content_type
        headers["Content-Length"] = str(body.length)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise NetworkError(f"{method} {url} failed: {exc or type(exc).__name__}") from None
    finally:
        connection.close()
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        snippet = raw[:200].decode("utf-8", "replace").strip()
        raise NetworkError(
            f"{method} {url} answered HTTP {response.status} {response.reason} without a JSON object"
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
