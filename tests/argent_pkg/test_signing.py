"""Ed25519 keys, signatures and fingerprints (docs/package-format.md, "Signatures and keys")."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from argent_pkg import (
    FormatError,
    decode_public_key,
    detached_signature,
    fingerprint,
    generate_signing_key,
    load_signing_key,
    public_key_b64,
    save_signing_key,
    sign_bytes,
    verify_signature,
)
from argent_pkg.signing import decode_signature

WYCHEPROOF = (
    Path(__file__).resolve().parents[1] / "data" / "archives" / "crypto" / "wycheproof-ed25519_test.json"
)


def wycheproof_cases():
    data = json.loads(WYCHEPROOF.read_text())
    for group in data["testGroups"]:
        for test in group["tests"]:
            yield pytest.param(group["publicKey"]["pk"], test, id=f"tc{test['tcId']}")


@pytest.mark.parametrize(("public_key_hex", "case"), list(wycheproof_cases()))
def test_wycheproof_ed25519_vectors(public_key_hex, case):
    # The file has only "valid" and "invalid" results (no "acceptable" ones), and
    # libsodium's strict verification (canonical S, no small-order keys or R)
    # agrees with every one of them, so none is special-cased here.  Signatures
    # of the wrong length cannot be base64 of 64 bytes and so are "invalid" too.
    assert case["result"] in ("valid", "invalid")
    signature = base64.b64encode(bytes.fromhex(case["sig"])).decode()
    result = verify_signature(bytes.fromhex(public_key_hex), bytes.fromhex(case["msg"]), signature)
    assert result is (case["result"] == "valid")


def test_wycheproof_file_has_the_expected_size():
    data = json.loads(WYCHEPROOF.read_text())
    assert data["algorithm"] == "EDDSA"
    assert sum(len(group["tests"]) for group in data["testGroups"]) == data["numberOfTests"]


def test_sign_and_verify(key):
    signature = sign_bytes(key, b"data")
    assert len(base64.b64decode(signature)) == 64
    public = public_key_b64(key)
    assert verify_signature(public, b"data", signature)
    assert verify_signature(base64.b64decode(public), b"data", signature)
    assert not verify_signature(public, b"other", signature)
    assert not verify_signature(public, b"data", signature[:-4] + "AAA=")
    assert not verify_signature(public, b"data", "not base64!")
    assert not verify_signature("bad key", b"data", signature)
    assert not verify_signature(b"short", b"data", signature)
    assert verify_signature(public, b"data", signature.encode())
    assert not verify_signature(public, b"data", "\u00e9".encode())


def test_detached_signature_is_over_the_raw_digest(key):
    package = b"package bytes"
    signature = detached_signature(key, package)
    assert verify_signature(public_key_b64(key), hashlib.sha256(package).digest(), signature)


def test_fingerprint_format(key):
    public = public_key_b64(key)
    raw = base64.b64decode(public)
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")
    assert fingerprint(public) == fingerprint(raw) == expected
    assert "=" not in fingerprint(public)
    with pytest.raises(FormatError):
        fingerprint(b"\x00" * 31)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64",
        base64.b64encode(b"\x00" * 31).decode(),
        base64.b64encode(b"\x00" * 33).decode(),
        base64.b64encode(b"\x00" * 32).decode().rstrip("="),  # Padding is required.
        base64.urlsafe_b64encode(b"\xff" * 32).decode(),  # URL-safe alphabet.
        base64.b64encode(b"\x00" * 32).decode()[:-2] + "B=",  # Non-zero padding bits.
        " " + base64.b64encode(b"\x00" * 32).decode(),
    ],
)
def test_decode_public_key_is_strict(text):
    with pytest.raises(FormatError) as info:
        decode_public_key(text)
    assert info.value.problems[0].code == "signature.key_malformed"


def test_decode_public_key_and_signature_accept_canonical_values(key):
    assert len(decode_public_key(public_key_b64(key))) == 32
    assert len(decode_signature(sign_bytes(key, b"x"))) == 64
    with pytest.raises(FormatError) as info:
        decode_signature("AAAA")
    assert info.value.problems[0].code == "signature.malformed"
    with pytest.raises(FormatError):
        decode_signature(None)  # type: ignore[arg-type]


def test_save_and_load_signing_key(tmp_path):
    key = generate_signing_key()
    path = tmp_path / "key"
    save_signing_key(path, key)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert bytes(load_signing_key(path)) == bytes(key)
    with pytest.raises(FileExistsError):
        save_signing_key(path, key)
    other = generate_signing_key()
    save_signing_key(path, other, overwrite=True)
    assert bytes(load_signing_key(path)) == bytes(other)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_key_file_mode_ignores_the_umask(tmp_path):
    old = os.umask(0)
    try:
        save_signing_key(tmp_path / "key", generate_signing_key())
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "key").st_mode) == 0o600


def test_load_signing_key_rejects_garbage(tmp_path):
    path = tmp_path / "key"
    path.write_text("garbage\n")
    with pytest.raises(FormatError) as info:
        load_signing_key(path)
    assert info.value.problems[0].code == "signature.private_key_malformed"
