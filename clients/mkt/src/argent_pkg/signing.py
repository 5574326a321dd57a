"""Ed25519 keys, signatures and fingerprints (docs/package-format.md, "Signatures and keys"), via PyNaCl.

Keys and signatures travel as standard base64 with padding.  Decoding is strict:
only the canonical encoding of a value of the right length is accepted, so that one
key or signature has exactly one spelling and two spellings never compare unequal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

import nacl.exceptions
import nacl.signing

from .errors import FormatError, Problem

__all__ = [
    "PUBLIC_KEY_BYTES",
    "SIGNATURE_BYTES",
    "decode_public_key",
    "decode_signature",
    "detached_signature",
    "fingerprint",
    "generate_signing_key",
    "load_signing_key",
    "public_key_b64",
    "save_signing_key",
    "sign_bytes",
    "verify_signature",
]

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
SEED_BYTES = 32


def _strict_b64decode(text: str | bytes) -> bytes | None:
    """Decode canonical standard base64 with padding; return ``None`` otherwise."""
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            return None
    if not isinstance(text, str):
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    # Re-encoding rejects non-zero padding bits and other non-canonical spellings.
    if base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def generate_signing_key() -> nacl.signing.SigningKey:
    """Return a new random Ed25519 signing key."""
    return nacl.signing.SigningKey.generate()


def public_key_b64(signing_key: nacl.signing.SigningKey) -> str:
    """Return the 32-byte raw public key of ``signing_key`` in standard base64 (44 chars)."""
    return base64.b64encode(bytes(signing_key.verify_key)).decode("ascii")


def decode_public_key(b64: str, *, field: str | None = "publicKey") -> bytes:
    """Decode a public key given as standard base64 of its 32 raw bytes.

    Raises:
        FormatError: with one ``signature.key_malformed`` problem (``field`` as
            given) when ``b64`` is not canonical base64 or not 32 bytes long.
    """
    raw = _strict_b64decode(b64)
    if raw is None or len(raw) != PUBLIC_KEY_BYTES:
        problem = Problem(
            "signature.key_malformed",
            "The public key must be the standard base64 encoding (with padding) of a "
            "32-byte Ed25519 public key.",
            field,
            b64 if isinstance(b64, str) else repr(b64),
        )
        raise FormatError(problem.message, [problem])
    return raw


def decode_signature(b64: str | bytes, *, field: str | None = None) -> bytes:
    """Decode a signature given as standard base64 of its 64 raw bytes.

    Raises:
        FormatError: with one ``signature.malformed`` problem when ``b64`` is not
            canonical base64 or not 64 bytes long.
    """
    raw = _strict_b64decode(b64)
    if raw is None or len(raw) != SIGNATURE_BYTES:
        problem = Problem(
            "signature.malformed",
            "The signature must be the standard base64 encoding (with padding) of a "
            "64-byte Ed25519 signature.",
            field,
            b64,
        )
        raise FormatError(problem.message, [problem])
    return raw


def _raw_public_key(public_key: bytes | str) -> bytes:
    if isinstance(public_key, str):
        return decode_public_key(public_key)
    if len(public_key) != PUBLIC_KEY_BYTES:
        return decode_public_key(repr(public_key))
    return bytes(public_key)


def fingerprint(public_key: bytes | str) -> str:
    """Return a key's fingerprint: ``SHA256:`` + unpadded base64 of SHA-256 of its raw bytes.

    ``public_key`` is the 32 raw bytes or their base64 text.  Raises
    :class:`FormatError` (``signature.key_malformed``) for anything else.
    """
    digest = hashlib.sha256(_raw_public_key(public_key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def sign_bytes(signing_key: nacl.signing.SigningKey, data: bytes) -> str:
    """Sign ``data`` with pure Ed25519 and return the 64-byte signature in standard base64."""
    return base64.b64encode(signing_key.sign(data).signature).decode("ascii")


def verify_signature(public_key: bytes | str, data: bytes, signature_b64: str | bytes) -> bool:
    """Return whether ``signature_b64`` is a valid Ed25519 signature of ``data``.

    ``public_key`` is the 32 raw bytes or their base64 text.  A malformed key or
    signature makes the answer ``False`` rather than an exception; use
    :func:`decode_public_key` and :func:`decode_signature` to tell these cases apart.
    """
    try:
        key = nacl.signing.VerifyKey(_raw_public_key(public_key))
        signature = decode_signature(signature_b64)
        key.verify(data, signature)
    except (
        FormatError,
        nacl.exceptions.BadSignatureError,
        nacl.exceptions.ValueError,
        nacl.exceptions.TypeError,
    ):
        return False
    return True


def detached_signature(signing_key: nacl.signing.SigningKey, package_bytes: bytes) -> str:
    """Return the detached signature of a package file (docs/package-format.md, "Signatures and keys").

    The signature is over the 32 raw bytes of the SHA-256 of the whole file, in
    standard base64.
    """
    return sign_bytes(signing_key, hashlib.sha256(package_bytes).digest())


def save_signing_key(
    path: str | os.PathLike[str], signing_key: nacl.signing.SigningKey, *, overwrite: bool = False
) -> None:
    """Write ``signing_key``'s 32-byte seed, base64 and a newline, to ``path`` with mode 0600.

    The file is created with mode 0600 from the start, so the key is never readable
    by others, even briefly.  Raises :class:`FileExistsError` when ``path`` exists
    and ``overwrite`` is false.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    descriptor = os.open(path, flags, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(base64.b64encode(bytes(signing_key)) + b"\n")


def load_signing_key(path: str | os.PathLike[str]) -> nacl.signing.SigningKey:
    """Read a signing key written by :func:`save_signing_key`.

    Raises:
        OSError: when the file cannot be read.
        FormatError: with a ``signature.private_key_malformed`` problem when the file
            does not hold the base64 of a 32-byte seed.
    """
    text = Path(path).read_bytes().strip()
    seed = _strict_b64decode(text)
    if seed is None or len(seed) != SEED_BYTES:
        problem = Problem(
            "signature.private_key_malformed",
            "The key file must hold the standard base64 encoding of a 32-byte Ed25519 seed.",
            str(path),
        )
        raise FormatError(problem.message, [problem])
    return nacl.signing.SigningKey(seed)
