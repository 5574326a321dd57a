"""The client's local state under ``$MKT_HOME/.mkt/`` (default ``~/.argentos/.mkt/``).

* ``installed.json``: what ``mkt install`` put where, one record per package:
  ``id``, ``version``, ``kind``, ``target`` (relative to the home), ``sha256`` (the
  artifact digest), ``key_fingerprint`` (the author key that signed it),
  ``files`` (path -> SHA-256 of every file written, ``SHA256SUMS`` and ``SIGNATURE``
  included), ``marketplace``, ``installed_at`` and ``public_key`` (the author key, so
  that ``mkt verify-installed`` can check ``SIGNATURE`` over ``SHA256SUMS`` again).
* ``marketplace.json``: the marketplace keys trusted on first use, per marketplace
  URL (``public_key``, ``key_fingerprint``, ``first_seen``).
* ``log.json`` and ``tuf/``: the transparency log and TUF root pinned per marketplace
  (:mod:`argent_mkt.trust`).
* ``tenant-id``: a random id made on first use, sent as ``tenantId`` when ``mkt
  install`` reports an install without an account token (the marketplace counts
  tokenless installs per tenant id, under its Free plan's caps).

Both files are written atomically (a temporary file, then ``os.replace``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import stat
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ENV_HOME",
    "Installed",
    "StateError",
    "home",
    "load_installed",
    "load_marketplaces",
    "read_state",
    "save_installed",
    "save_marketplaces",
    "state_dir",
    "tenant_id",
    "write_state",
]

ENV_HOME = "MKT_HOME"
STATE_DIR = ".mkt"
INSTALLED_FILE = "installed.json"
MARKETPLACE_FILE = "marketplace.json"
TENANT_FILE = "tenant-id"
_TENANT_ID = re.compile(r"^mkt-[0-9a-f]{32}$")
_FORMAT = 1


class StateError(Exception):
    """The state files are unreadable or unsafe (the CLI exits with 1)."""


@dataclass
class Installed:
    """One installed package."""

    id: str
    version: str
    kind: str
    target: str
    sha256: str
    key_fingerprint: str
    files: dict[str, str] = field(default_factory=dict)
    marketplace: str = ""
    installed_at: str = ""
    public_key: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Installed:
        try:
            return cls(
                id=str(data["id"]),
                version=str(data["version"]),
                kind=str(data["kind"]),
                target=str(data["target"]),
                sha256=str(data["sha256"]),
                key_fingerprint=str(data["key_fingerprint"]),
                files={str(k): str(v) for k, v in dict(data.get("files") or {}).items()},
                marketplace=str(data.get("marketplace") or ""),
                installed_at=str(data.get("installed_at") or ""),
                public_key=str(data.get("public_key") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(f"a record in {INSTALLED_FILE} is malformed: {exc}") from None


def home() -> Path:
    """``$MKT_HOME``, else ``~/.argentos``."""
    explicit = os.environ.get(ENV_HOME)
    return Path(explicit).expanduser() if explicit else Path.home() / ".argentos"


def state_dir(base: Path | None = None, *, create: bool = False) -> Path:
    """``HOME/.mkt``; refuses a symlink there."""
    base = home() if base is None else base
    path = base / STATE_DIR
    if create:
        base.mkdir(mode=0o755, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o755)
    if os.path.lexists(path) and not stat.S_ISDIR(os.lstat(path).st_mode):
        raise StateError(f"{path} is not a directory (a symbolic link?); refusing to use it.")
    return path


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise StateError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise StateError(f"{path} does not hold a JSON object.")
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o644)
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_installed(base: Path | None = None) -> dict[str, Installed]:
    """The installed packages by id (empty when nothing was installed yet)."""
    data = _read(state_dir(base) / INSTALLED_FILE)
    packages = data.get("packages") or {}
    if not isinstance(packages, dict):
        raise StateError(f"{INSTALLED_FILE}: packages is not an object.")
    return {str(key): Installed.from_json(value) for key, value in packages.items()}


def save_installed(packages: dict[str, Installed], base: Path | None = None) -> None:
    """Replace ``installed.json`` with ``packages``."""
    directory = state_dir(base, create=True)
    body = {"format": _FORMAT, "packages": {key: asdict(value) for key, value in sorted(packages.items())}}
    _write(directory / INSTALLED_FILE, body)


def read_state(name: str, base: Path | None = None) -> dict[str, Any]:
    """The JSON object of state file ``name`` under ``HOME/.mkt`` (empty when there is none)."""
    return _read(state_dir(base) / name)


def write_state(name: str, data: dict[str, Any], base: Path | None = None) -> None:
    """Replace state file ``name`` under ``HOME/.mkt`` with ``data`` (atomically)."""
    directory = state_dir(base, create=True)
    _write(directory / name, {"format": _FORMAT, **data})


def load_marketplaces(base: Path | None = None) -> dict[str, dict[str, str]]:
    """Marketplace URL -> ``{"public_key", "key_fingerprint", "first_seen"}``."""
    data = _read(state_dir(base) / MARKETPLACE_FILE)
    known = data.get("marketplaces") or {}
    if not isinstance(known, dict):
        raise StateError(f"{MARKETPLACE_FILE}: marketplaces is not an object.")
    return {str(url): dict(value) for url, value in known.items() if isinstance(value, dict)}


def save_marketplaces(known: dict[str, dict[str, str]], base: Path | None = None) -> None:
    directory = state_dir(base, create=True)
    _write(directory / MARKETPLACE_FILE, {"format": _FORMAT, "marketplaces": known})


def _new_tenant_id(path: Path) -> str | None:
    """Make and store a tenant id at ``path``; ``None`` when another ``mkt`` made one meanwhile."""
    value = f"mkt-{secrets.token_hex(16)}"
    temporary: str | None = None
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{TENANT_FILE}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(value + "\n")
        os.link(temporary, path)  # Atomic, and never replaces an id another mkt just made.
    except FileExistsError:
        return None
    except OSError as exc:
        raise StateError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return value


def tenant_id(base: Path | None = None) -> str:
    """This installation's stable tenant id (``mkt-`` and 32 hex digits), made and stored on first use.

    Raises:
        StateError: the file exists but does not hold a tenant id, or cannot be written.
    """
    path = state_dir(base, create=True) / TENANT_FILE
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return _new_tenant_id(path) or tenant_id(base)
    except (OSError, UnicodeDecodeError) as exc:
        raise StateError(f"cannot read {path}: {exc}") from None
    if not _TENANT_ID.match(value):
        raise StateError(f"{path} does not hold a tenant id; delete it to make a new one.")
    return value


def now_utc() -> str:
    """The current time as UTC ISO 8601 ending in ``Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
