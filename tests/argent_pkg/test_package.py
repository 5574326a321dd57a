"""Whole-package verification (docs/package-format.md), including tamper properties."""

from __future__ import annotations

import base64
import io
import json

import pytest
from argent_pkg import (
    Inspection,
    Limits,
    PackageInvalid,
    detached_signature,
    fingerprint,
    inspect_package,
    public_key_b64,
    read_archive,
    render_sha256sums,
    sign_bytes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import build, fixed_key, make_tgz, manifest, members, repack


def codes(data: bytes, **kwargs) -> list[str]:
    with pytest.raises(PackageInvalid) as info:
        inspect_package(data, **kwargs)
    return info.value.codes


def signed_members(key, package_members: dict[str, bytes]) -> dict[str, bytes]:
    """Add SHA256SUMS and an embedded SIGNATURE to ``package_members`` (no other changes)."""
    sums = render_sha256sums(package_members)
    return {
        **package_members,
        "SHA256SUMS": sums,
        "SIGNATURE": (sign_bytes(key, sums) + "\n").encode(),
    }


def test_valid_package_inspects(key):
    data = build(key)
    inspection = inspect_package(io.BytesIO(data))
    assert isinstance(inspection, Inspection)
    assert inspection.manifest.id == "hello-connector"
    assert inspection.public_key == public_key_b64(key)
    assert inspection.key_fingerprint == fingerprint(public_key_b64(key))
    assert set(inspection.signatures) == {"embedded"}
    assert inspection.readme == "# Hello\n\nA test package.\n"
    assert inspection.warnings == ()
    assert inspection.size == len(data)
    assert inspection.sha256 == read_archive(data).sha256
    assert "SIGNATURE" in inspection.members


def test_detached_signature_and_given_key(key):
    data = build(key)
    detached = detached_signature(key, data)
    inspection = inspect_package(data, detached_signature=detached, public_key=public_key_b64(key))
    assert set(inspection.signatures) == {"embedded", "detached"}


def test_detached_signature_alone_with_key_only_in_the_request(key):
    package_members = members(manifest())
    sums = render_sha256sums(package_members)
    data = repack({**package_members, "SHA256SUMS": sums})
    inspection = inspect_package(
        data, detached_signature=detached_signature(key, data), public_key=public_key_b64(key)
    )
    assert set(inspection.signatures) == {"detached"}


def test_unsigned_package_is_rejected(key):
    package_members = members(manifest(author={"name": "A", "publicKey": public_key_b64(key)}))
    data = repack({**package_members, "SHA256SUMS": render_sha256sums(package_members)})
    assert codes(data) == ["signature.missing"]


def test_bad_detached_signature(key, other_key):
    data = build(key)
    assert codes(data, detached_signature=detached_signature(other_key, data)) == ["signature.invalid"]
    assert codes(data, detached_signature="nope") == ["signature.malformed"]


def test_key_rules(key, other_key):
    data = build(key)
    assert codes(data, public_key=public_key_b64(other_key)) == ["signature.key_mismatch"]
    assert codes(data, public_key="bad") == ["signature.key_malformed"]
    # Without author.publicKey and without a given key nothing can be verified.
    package_members = members(manifest())
    data = repack(signed_members(key, package_members))
    assert codes(data) == ["signature.key_missing"]
    assert inspect_package(data, public_key=public_key_b64(key)).public_key == public_key_b64(key)
    assert codes(data, public_key=public_key_b64(other_key)) == ["signature.invalid"]


def test_embedded_signature_by_another_key(key, other_key):
    package_members = members(manifest(author={"name": "A", "publicKey": public_key_b64(key)}))
    data = repack(signed_members(other_key, package_members))
    assert codes(data) == ["signature.invalid"]


def test_embedded_signature_formats(key):
    package_members = members(manifest(author={"name": "A", "publicKey": public_key_b64(key)}))
    sums = render_sha256sums(package_members)
    signature = sign_bytes(key, sums)
    base = {**package_members, "SHA256SUMS": sums}
    assert inspect_package(repack({**base, "SIGNATURE": signature.encode()})).signatures
    assert codes(repack({**base, "SIGNATURE": (signature + "\n\n").encode()})) == ["signature.malformed"]
    assert codes(repack({**base, "SIGNATURE": b"\xff" * 88})) == ["signature.malformed"]


def test_missing_required_members(key):
    assert codes(make_tgz([("README.md", b"x")])) == [
        "archive.missing_member",
        "archive.missing_member",
        "signature.key_missing",
        "signature.missing",
    ]


def test_problems_from_every_stage_are_reported_together(key):
    package_members = members(manifest(version="one", author={"name": "A", "publicKey": public_key_b64(key)}))
    signed = signed_members(key, package_members)
    signed["connector.json"] = b"changed"
    signed["extra.txt"] = b"not listed"
    found = codes(repack(signed))
    assert found == [
        "checksums.mismatch",
        "checksums.unlisted_member",
        "manifest.version_invalid",
    ]


def test_manifest_with_bad_json_still_checks_signatures(key):
    package_members = {"argent.plugin.json": b"{not json", "README.md": b"x"}
    data = repack(signed_members(key, package_members))
    assert codes(data, public_key=public_key_b64(key)) == ["manifest.invalid_json"]
    assert codes(data) == ["manifest.invalid_json", "signature.key_missing"]


def test_malformed_manifest_key_is_reported_once(key):
    package_members = members(manifest(author={"name": "A", "publicKey": "bad"}))
    data = repack(signed_members(key, package_members))
    assert codes(data) == ["signature.key_malformed"]


def test_readme_warning_and_encoding(key):
    package_members = members(manifest(license=None))
    del package_members["README.md"]
    data = build(key, manifest(license=None))
    inspection = inspect_package(
        repack(
            signed_members(
                key,
                {
                    **package_members,
                    "argent.plugin.json": read_archive(data).members["argent.plugin.json"],
                },
            )
        )
    )
    assert [w.code for w in inspection.warnings] == ["manifest.no_license", "package.no_readme"]
    assert inspection.readme is None
    assert codes(build(key, extra={"README.md": b"\xff"})) == ["package.readme_not_utf8"]
    with pytest.raises(PackageInvalid) as info:
        inspect_package(build(key, manifest(license=None), {"README.md": b"\xff"}))
    assert [w.code for w in info.value.warnings] == ["manifest.no_license"]


def test_package_prefix_keeps_the_embedded_signature_valid(key):
    data = build(key)
    inner = read_archive(data).members
    wrapped = repack({f"package/{path}": content for path, content in inner.items()})
    assert inspect_package(wrapped).manifest.id == "hello-connector"


def test_limits_are_passed_through(key):
    assert codes(build(key), limits=Limits(max_members=2)) == ["archive.too_many_members"]


def test_kind_table_is_passed_through(key):
    from argent_pkg import KindRule

    kinds = {"connector": KindRule("c/{id}/", ())}
    assert codes(build(key), kinds=kinds) == ["manifest.permission_not_allowed"]


# --- properties -----------------------------------------------------------------------

paths = st.lists(
    st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}", fullmatch=True), min_size=1, max_size=3
).map("/".join)
member_sets = st.dictionaries(paths, st.binary(max_size=200), max_size=6)


def usable(extra: dict[str, bytes]) -> dict[str, bytes]:
    """Drop paths that would collide with the fixed members or each other."""
    result: dict[str, bytes] = {}
    taken = {path.casefold() for path in members()} | {"sha256sums", "signature"}
    taken |= {"agent-harness"}
    for path, content in sorted(extra.items()):
        parts = path.split("/")
        prefixes = {"/".join(parts[:i]).casefold() for i in range(1, len(parts) + 1)}
        if prefixes & taken or any(p.endswith(".") for p in parts):
            continue
        result[path] = content
        taken |= prefixes
    return result


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    extra=member_sets,
    version=st.sampled_from(["1.0.0", "2.3.4-rc.1"]),
    tags=st.lists(st.sampled_from(["a", "b", "c-d"]), unique=True),
)
def test_build_then_inspect_round_trips(extra, version, tags):
    key = fixed_key(7)
    data = manifest(version=version, tags=tags)
    package_members = {**members(data), **usable(extra)}
    from argent_pkg import build_package

    package = build_package(package_members, signing_key=key)
    inspection = inspect_package(package)
    assert inspection.manifest.version == version
    assert inspection.manifest.tags == tuple(tags)
    for path, content in package_members.items():
        if path != "argent.plugin.json":
            assert inspection.members[path] == content


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_any_changed_byte_is_detected(data):
    key = fixed_key(9)
    extra = usable(data.draw(member_sets))
    from argent_pkg import build_package

    package = build_package({**members(), **extra}, signing_key=key)
    inner = dict(read_archive(package).members)
    candidates = sorted(path for path, content in inner.items() if content)
    path = data.draw(st.sampled_from(candidates))
    content = bytearray(inner[path])
    index = data.draw(st.integers(0, len(content) - 1))
    content[index] ^= data.draw(st.integers(1, 255))
    inner[path] = bytes(content)
    with pytest.raises(PackageInvalid):
        inspect_package(repack(inner))


@pytest.mark.parametrize("path", ["SHA256SUMS", "SIGNATURE", "argent.plugin.json", "README.md"])
def test_every_byte_of_key_members_is_covered(key, path):
    package = build(key)
    inner = dict(read_archive(package).members)
    original = inner[path]
    # Even SIGNATURE's optional trailing newline is covered: altered, it no longer
    # counts as the allowed "\n" and the signature text becomes malformed.
    for index in range(len(original)):
        changed = bytearray(original)
        changed[index] ^= 0x01
        inner[path] = bytes(changed)
        with pytest.raises(PackageInvalid):
            inspect_package(repack(inner))


def test_detached_signature_covers_every_byte_of_the_file(key):
    package = build(key)
    detached = detached_signature(key, package)
    changed = bytearray(package)
    changed[len(changed) // 2] ^= 0x01
    with pytest.raises(PackageInvalid):
        inspect_package(bytes(changed), detached_signature=detached)


def test_manifest_json_round_trip_keeps_unknown_fields(key):
    data = manifest(configSchema={"type": "object"})
    inspection = inspect_package(build(key, data))
    assert inspection.manifest.raw["configSchema"] == {"type": "object"}
    assert json.loads(inspection.members["argent.plugin.json"])["author"]["publicKey"] == (
        public_key_b64(key)
    )
    assert base64.b64decode(inspection.public_key) == bytes(key.verify_key)


def test_fallback_keys_are_tried_in_order_when_the_package_names_no_key():
    """The server's registered keys stand in for a key the package does not name."""
    import hashlib

    from argent_pkg import pack_members

    signer, other = fixed_key(7), fixed_key(8)
    data = manifest()
    data["author"] = {"name": "Alice Tools"}
    files = members(data)
    files["SHA256SUMS"] = render_sha256sums(files)
    package = pack_members(files)
    signature = detached_signature(signer, package)

    inspection = inspect_package(
        package, detached_signature=signature, fallback_keys=[public_key_b64(other), public_key_b64(signer)]
    )
    assert inspection.public_key == public_key_b64(signer)
    assert inspection.sha256 == hashlib.sha256(package).hexdigest()
    for keys, code in (
        ([public_key_b64(other)], "signature.invalid"),
        (["not a key"], "signature.key_missing"),
    ):
        with pytest.raises(PackageInvalid) as caught:
            inspect_package(package, detached_signature=signature, fallback_keys=keys)
        assert [p.code for p in caught.value.problems] == [code]
