"""License keys: format, normalisation, lookup hash, encryption at rest and masking.

A key reads ``ARG-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXCC``: 26 random symbols of
Crockford's base32 (130 random bits) and two check symbols ``CC``, which
encode the value of the 26 symbols modulo the prime 1021. Because 1021 is a
prime that divides neither 32 nor 31, every single-symbol substitution and
every swap of two adjacent symbols changes the check, and any other typo is
caught with probability 1020/1021, before the database is asked.

Input is normalised first: case, spaces and dashes are ignored, the ``ARG``
prefix is optional, and the look-alikes ``I``/``L`` (one) and ``O`` (zero)
are read as Crockford says.

The server never stores a key: it stores ``key_hmac`` (HMAC-SHA256 under
``settings.LICENSE_KEY_PEPPER``), used for the lookup, and ``key_encrypted``
(PyNaCl SecretBox under ``settings.LICENSE_KEY_SECRET``), decrypted only to
show the key to its owner. Anything that might reach a log uses
:func:`mask_key`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

import nacl.exceptions
import nacl.secret
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "ARG"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U.
RANDOM_SYMBOLS = 26  # 130 bits.
CHECK_SYMBOLS = 2
CHECK_MODULUS = 1021  # A prime below 32**2.
GROUP = 4
BODY_LENGTH = RANDOM_SYMBOLS + CHECK_SYMBOLS

_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_]+")
#: Anything in free text that looks like a key (for :func:`mask_text`).
KEY_PATTERN = re.compile(r"(?i)\bARG[-\s]?(?:[0-9A-Z]{4}[-\s]?){6}[0-9A-Z]{4}\b")


class KeyInvalid(ValueError):
    """The text is not a well-formed key (wrong length, symbols or check)."""


def _check(body: str) -> str:
    value = 0
    for symbol in body:
        value = value * 32 + _VALUES[symbol]
    check = value % CHECK_MODULUS
    return ALPHABET[check // 32] + ALPHABET[check % 32]


def _format(body: str) -> str:
    return "-".join([PREFIX, *(body[i : i + GROUP] for i in range(0, len(body), GROUP))])


def generate_key() -> str:
    """A new random key in its canonical form."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return _format(body + _check(body))


def normalize_key(raw: str) -> str:
    """The canonical form of ``raw`` (``ARG-`` and groups of four, upper case).

    Raises:
        KeyInvalid: ``raw`` is not a key, or its check symbols do not match (a typo).
    """
    if not isinstance(raw, str):
        raise KeyInvalid("A license key is text.")
    body = _SEPARATORS.sub("", raw).upper()
    if len(body) == BODY_LENGTH + len(PREFIX) and body.startswith(PREFIX):
        body = body[len(PREFIX) :]
    body = body.translate(_ALIASES)
    if len(body) != BODY_LENGTH or any(symbol not in _VALUES for symbol in body):
        raise KeyInvalid("This is not a license key (they look like ARG-XXXX-XXXX-…).")
    if _check(body[:RANDOM_SYMBOLS]) != body[RANDOM_SYMBOLS:]:
        raise KeyInvalid("This license key has a typo: please check it.")
    return _format(body)


def is_valid_key(raw: str) -> bool:
    try:
        normalize_key(raw)
    except KeyInvalid:
        return False
    return True


def key_prefix(raw: str) -> str | None:
    """The first 8 characters of the normalised key (``ARG-XXXX``), or None if it is not one."""
    try:
        return normalize_key(raw)[:8]
    except KeyInvalid:
        return None


def key_bucket(raw: object) -> str | None:
    """The bucket that counts tries of ``raw`` for the per-key rate limit (``api.throttling.license_key_try``).

    An HMAC (under the pepper) of the normalised key's first 8 characters, so
    tries of one key and of its spellings (case, dashes, look-alikes) share a
    bucket, and a cache key never holds key material. None for text that is
    not a key (those tries count only per address).
    """
    prefix = key_prefix(raw) if isinstance(raw, str) else None
    if prefix is None:
        return None
    return hmac.new(_pepper(), f"rate-limit:{prefix}".encode("ascii"), hashlib.sha256).hexdigest()[:32]


def last4(key: str) -> str:
    """The last four symbols of a canonical key (what the owner and logs may see)."""
    return key[-4:]


def mask_key(key: object) -> str:
    """``ARG-…-XXXX``: the only form of a key that may be logged or shown in a list."""
    if not isinstance(key, str) or not key:
        return "ARG-…"
    try:
        return f"{PREFIX}-…-{last4(normalize_key(key))}"
    except KeyInvalid:
        symbols = _SEPARATORS.sub("", key)
        return f"{PREFIX}-…-{symbols[-4:]}" if len(symbols) > 8 else "ARG-…"


def mask_text(text: str) -> str:
    """``text`` with everything that looks like a key masked."""
    return KEY_PATTERN.sub(lambda match: mask_key(match.group(0)), text)


# --- secrets ---------------------------------------------------------------------------------------


def _pepper() -> bytes:
    pepper = settings.LICENSE_KEY_PEPPER
    if not pepper:
        raise ImproperlyConfigured("LICENSE_KEY_PEPPER is not set.")
    return pepper.encode() if isinstance(pepper, str) else bytes(pepper)


def _box() -> nacl.secret.SecretBox:
    try:
        secret = base64.b64decode(settings.LICENSE_KEY_SECRET, validate=True)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured("LICENSE_KEY_SECRET must be 32 bytes in base64.") from exc
    if len(secret) != nacl.secret.SecretBox.KEY_SIZE:
        raise ImproperlyConfigured("LICENSE_KEY_SECRET must be 32 bytes in base64.")
    return nacl.secret.SecretBox(secret)


def key_hmac(key: str) -> str:
    """The lookup hash of a canonical key: HMAC-SHA256 under the pepper, in hex."""
    return hmac.new(_pepper(), key.encode("ascii"), hashlib.sha256).hexdigest()


def encrypt_key(key: str) -> bytes:
    """``key`` sealed with SecretBox (random nonce included)."""
    return bytes(_box().encrypt(key.encode("ascii")))


def decrypt_key(sealed: bytes | memoryview) -> str:
    """The key sealed by :func:`encrypt_key`.

    Raises:
        ImproperlyConfigured: it does not open under ``LICENSE_KEY_SECRET`` (the secret changed).
    """
    try:
        return _box().decrypt(bytes(sealed)).decode("ascii")
    except nacl.exceptions.CryptoError as exc:
        raise ImproperlyConfigured("A license key does not decrypt under LICENSE_KEY_SECRET.") from exc
