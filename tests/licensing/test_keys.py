"""License keys: format, check symbols, normalisation, hashing, encryption and masking."""

from __future__ import annotations

import base64
import logging
import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from licensing import keys
from marketplace.logmask import SecretMaskingFilter

CANONICAL = re.compile(r"^ARG(-[0-9A-HJKMNP-TV-Z]{4}){7}$")


def test_generated_keys_are_canonical_random_and_checked():
    generated = {keys.generate_key() for _ in range(200)}
    assert len(generated) == 200
    for key in generated:
        assert CANONICAL.match(key), key
        assert keys.normalize_key(key) == key
    # 26 random base32 symbols: at least 128 random bits.
    assert keys.RANDOM_SYMBOLS * 5 >= 128


def test_normalisation_accepts_case_spacing_prefix_and_aliases():
    key = keys.generate_key()
    body = key.removeprefix("ARG-").replace("-", "")
    assert keys.normalize_key(key.lower()) == key
    assert keys.normalize_key(f"  {body}  ") == key
    assert keys.normalize_key("arg " + " ".join(body[i : i + 4] for i in range(0, 28, 4))) == key
    aliased = key.replace("1", "l").replace("0", "O")
    assert keys.normalize_key(aliased) == key


def _substitute(key: str, index: int) -> str:
    symbol = key[index]
    other = next(s for s in keys.ALPHABET if s != symbol)
    return key[:index] + other + key[index + 1 :]


def test_every_single_substitution_and_adjacent_swap_is_detected():
    key = keys.generate_key()
    positions = [i for i, c in enumerate(key) if i >= 4 and c != "-"]
    for index in positions:
        for replacement in keys.ALPHABET:
            if replacement == key[index]:
                continue
            typo = key[:index] + replacement + key[index + 1 :]
            with pytest.raises(keys.KeyInvalid, match="typo"):
                keys.normalize_key(typo)
    body = key.removeprefix("ARG-").replace("-", "")
    for i in range(len(body) - 1):
        if body[i] == body[i + 1]:
            continue
        swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
        assert not keys.is_valid_key(swapped)


@pytest.mark.parametrize(
    "text", ["", "ARG-", "hello", "ARG-" + "A" * 27, "ARG-" + "U" * 28, "X" * 500, "ARG-ÄÄÄÄ"]
)
def test_malformed_keys_are_refused(text):
    with pytest.raises(keys.KeyInvalid):
        keys.normalize_key(text)
    assert keys.key_prefix(text) is None


def test_non_text_is_refused():
    with pytest.raises(keys.KeyInvalid):
        keys.normalize_key(None)  # type: ignore[arg-type]


def test_prefix_is_first_eight_characters_of_normalised_key():
    key = keys.generate_key()
    assert keys.key_prefix(key.lower().replace("-", "")) == key[:8]


def test_hmac_depends_on_pepper(settings):
    key = keys.generate_key()
    first = keys.key_hmac(key)
    assert len(first) == 64 and key not in first
    settings.LICENSE_KEY_PEPPER = "another pepper that is long enough!!"
    assert keys.key_hmac(key) != first
    settings.LICENSE_KEY_PEPPER = ""
    with pytest.raises(ImproperlyConfigured):
        keys.key_hmac(key)


def test_encryption_round_trip_and_wrong_secret(settings):
    key = keys.generate_key()
    sealed = keys.encrypt_key(key)
    assert key.encode() not in sealed
    assert keys.encrypt_key(key) != sealed  # random nonce
    assert keys.decrypt_key(memoryview(sealed)) == key
    settings.LICENSE_KEY_SECRET = base64.b64encode(b"\x01" * 32).decode()
    with pytest.raises(ImproperlyConfigured):
        keys.decrypt_key(sealed)
    for bad in ("not base64!", base64.b64encode(b"short").decode()):
        settings.LICENSE_KEY_SECRET = bad
        with pytest.raises(ImproperlyConfigured):
            keys.encrypt_key(key)


def test_mask_key_shows_only_the_last_four():
    key = keys.generate_key()
    assert keys.mask_key(key) == f"ARG-…-{key[-4:]}"
    assert keys.mask_key(key.lower()) == f"ARG-…-{key[-4:]}"
    assert keys.mask_key("") == "ARG-…"
    assert keys.mask_key(None) == "ARG-…"
    assert keys.mask_key("short") == "ARG-…"
    assert keys.mask_key("ARG-NOT-A-REAL-KEY-1234") == "ARG-…-1234"


def test_mask_text_and_logging_filter():
    key = keys.generate_key()
    assert key not in keys.mask_text(f"GET /api/v1/license/{key} 404")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "path %s", (key,), None)
    assert SecretMaskingFilter().filter(record)
    assert key not in record.getMessage()
    assert keys.mask_key(key) in record.getMessage()
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "nothing %d", (1,), None)
    assert SecretMaskingFilter().filter(plain)
    assert plain.getMessage() == "nothing 1"
    broken = logging.LogRecord("x", logging.INFO, __file__, 1, "%d", ("x",), None)
    assert SecretMaskingFilter().filter(broken)


def test_settings_require_secrets_when_debug_is_off(tmp_path):
    from argent_pkg import generate_signing_key, save_signing_key

    from tests.test_settings import _manage

    save_signing_key(tmp_path / "marketplace-signing.key", generate_signing_key())
    save_signing_key(tmp_path / "log-signing.key", generate_signing_key())
    result = _manage(
        "check", DEBUG="false", SECRET_KEY="x7" * 40 + "-production-like-secret-key", DATA_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "LICENSE_KEY_PEPPER" in result.stderr
