"""Helpers shared by the package-format tests: manifests, members and raw tar files."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from argent_pkg import build_package, pack_members
from nacl.signing import SigningKey


def fixed_key(number: int) -> SigningKey:
    """Return a deterministic signing key derived from ``number``."""
    return SigningKey(bytes([number]) * 32)


def manifest(**overrides: Any) -> dict[str, Any]:
    """Return a valid connector manifest, with ``overrides`` applied (``None`` removes)."""
    data: dict[str, Any] = {
        "id": "hello-connector",
        "name": "Hello Connector",
        "version": "1.0.0",
        "description": "Says hello to your ArgentOS agent.",
        "author": {"name": "Alice Tools", "url": "https://example.com"},
        "kind": "connector",
        "category": "integration",
        "tags": ["hello", "test"],
        "license": "MIT",
        "pricing": "free",
        "compatibility": {"argentos": ">=2026.3.0,<2027"},
        "permissions": ["network:api.example.com"],
        "homepage": "https://example.com/hello-connector",
    }
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def members(
    data: Mapping[str, Any] | None = None, extra: Mapping[str, bytes] | None = None
) -> dict[str, bytes]:
    """Return the members of a small valid connector package for manifest ``data``.

    ``extra`` members are added or replace the defaults.
    """
    data = manifest() if data is None else data
    result = {
        "argent.plugin.json": json.dumps(data, indent=2).encode(),
        "README.md": b"# Hello\n\nA test package.\n",
        "connector.json": b'{"tools": []}\n',
        "agent-harness/pyproject.toml": (
            b"[project]\nname = 'hello'\n\n[project.scripts]\naos-hello-connector = 'hello.cli:main'\n"
        ),
    }
    result.update(extra or {})
    return result


def build(
    key: SigningKey,
    data: Mapping[str, Any] | None = None,
    extra: Mapping[str, bytes] | None = None,
) -> bytes:
    """Build a signed package from :func:`members`."""
    return build_package(members(data, extra), signing_key=key)


def gz(data: bytes) -> bytes:
    """Gzip ``data`` deterministically, as ``gzip -n`` does."""
    return gzip.compress(data, mtime=0)


@dataclass
class Entry:
    """One raw tar entry for :func:`make_tar`."""

    name: str
    data: bytes = b""
    type: bytes = tarfile.REGTYPE
    linkname: str = ""
    pax: dict[str, str] = field(default_factory=dict)
    size: int | None = None


def make_tar(
    entries: Iterable[Entry | tuple[str, bytes]],
    *,
    fmt: int = tarfile.PAX_FORMAT,
    encoding: str = "utf-8",
) -> bytes:
    """Return an uncompressed tar of ``entries`` built with :mod:`tarfile` (no checks)."""
    buffer = io.BytesIO()
    with tarfile.open(
        fileobj=buffer, mode="w", format=fmt, encoding=encoding, errors="surrogateescape"
    ) as tar:
        for item in entries:
            entry = Entry(*item) if isinstance(item, tuple) else item
            info = tarfile.TarInfo(entry.name)
            info.type = entry.type
            info.linkname = entry.linkname
            info.pax_headers = dict(entry.pax)
            info.mode = 0o755 if entry.type == tarfile.DIRTYPE else 0o644
            info.size = len(entry.data) if entry.size is None else entry.size
            tar.addfile(info, io.BytesIO(entry.data) if entry.data else None)
    return buffer.getvalue()


def make_tgz(entries: Iterable[Entry | tuple[str, bytes]], **kwargs: Any) -> bytes:
    """Return :func:`make_tar` gzip-compressed."""
    return gz(make_tar(entries, **kwargs))


def repack(package_members: Mapping[str, bytes]) -> bytes:
    """Pack members as they are, without new checksums or signature."""
    return pack_members(package_members)
