"""The repository's signing keys: Ed25519 private keys in PEM (PKCS #8) files.

Offline keys (root, targets) are never read from settings nor stored by the server: the
management commands take them as files (``docs/operators.md``, "TUF keys"). Online keys
(bins, snapshot, timestamp) are files named by ``TUF_BINS_KEY_PATH``,
``TUF_SNAPSHOT_KEY_PATH`` and ``TUF_TIMESTAMP_KEY_PATH``.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from securesystemslib.signer import CryptoSigner

#: The online roles and the setting naming each one's key file.
ONLINE_ROLES = {
    "bins": "TUF_BINS_KEY_PATH",
    "snapshot": "TUF_SNAPSHOT_KEY_PATH",
    "timestamp": "TUF_TIMESTAMP_KEY_PATH",
}


def load_signer(path: str | Path) -> CryptoSigner:
    """A signer for the unencrypted Ed25519 PEM (PKCS #8) private key in file ``path``.

    Raises:
        OSError: the file cannot be read.
        ValueError: it holds no Ed25519 private key.
    """
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds no Ed25519 private key.")
    return CryptoSigner(key)


def write_new_key(path: str | Path) -> CryptoSigner:
    """Generate an Ed25519 key, write it to ``path`` (mode 0600, never over an existing file).

    Raises:
        FileExistsError: ``path`` exists.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return CryptoSigner(key)


def online_key_path(role: str) -> Path:
    """The file of online role ``role``'s key (``bins``, ``snapshot`` or ``timestamp``)."""
    return Path(getattr(settings, ONLINE_ROLES[role]))


def online_signer(role: str) -> CryptoSigner:
    """The signer of online role ``role``, read from its file.

    Raises:
        ImproperlyConfigured: the file is missing (``repository.E001`` says so at start-up).
        ValueError: the file holds no Ed25519 private key.
    """
    path = online_key_path(role)
    if not path.is_file():
        raise ImproperlyConfigured(f"{ONLINE_ROLES[role]} {path} does not exist (run tuf_init).")
    return load_signer(path)


def development_key_dir() -> Path:
    """Where ``tuf_init`` keeps the generated offline keys in development (``DATA_DIR/tuf-offline-keys``)."""
    return Path(settings.DATA_DIR) / "tuf-offline-keys"


def _ensure(path: Path) -> bool:
    if path.exists():
        return False
    try:
        write_new_key(path)
    except FileExistsError:  # Another process made it first.
        return False
    return True


def development_keys() -> tuple[list[Path], Path, list[Path]]:
    """Make the keys a development site lacks: three root keys and a targets key under
    :func:`development_key_dir`, and the online keys at their settings' paths.

    Returns:
        the root key files, the targets key file, and the files generated now.

    Raises:
        ImproperlyConfigured: ``DEBUG`` is off (production keys are the operator's, never generated).
    """
    if not settings.DEBUG:
        raise ImproperlyConfigured("TUF keys are generated only with DEBUG on.")
    directory = development_key_dir()
    root = [directory / f"root-{n}.pem" for n in (1, 2, 3)]
    targets = directory / "targets.pem"
    made = [path for path in [*root, targets, *map(online_key_path, ONLINE_ROLES)] if _ensure(path)]
    return root, targets, made
