"""Deterministic building (docs/package-format.md)."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile

import pytest
from argent_pkg import (
    PackageInvalid,
    build_package,
    inspect_package,
    package_filename,
    public_key_b64,
    read_archive,
    validate_manifest,
)

from .helpers import manifest, members


def write_tree(root, files: dict[str, bytes]) -> None:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def test_build_is_deterministic_and_verifies(key):
    first = build_package(members(), signing_key=key)
    second = build_package(dict(reversed(list(members().items()))), signing_key=key)
    assert first == second
    assert inspect_package(first).manifest.public_key == public_key_b64(key)


def test_tar_and_gzip_metadata_are_fixed(key):
    package = build_package(members(extra={"z/\u00e9.txt": b"e", "b.txt": b"b"}), signing_key=key)
    # The gzip header: no file name flag, mtime 0.
    assert package[3] & 0x08 == 0
    assert package[4:8] == b"\0\0\0\0"
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(package))) as tar:
        infos = tar.getmembers()
    names = [info.name for info in infos]
    assert names == sorted(names, key=lambda name: name.encode())
    for info in infos:
        assert info.isreg()
        assert (info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode) == (
            0,
            0,
            0,
            "",
            "",
            0o644,
        )


def test_manifest_gets_the_public_key_written_in(key):
    package = build_package(members(), signing_key=key)
    text = read_archive(package).members["argent.plugin.json"]
    assert text.endswith(b"}\n")
    assert json.loads(text)["author"]["publicKey"] == public_key_b64(key)
    assert text.startswith(b'{\n  "id"')


def test_existing_equal_key_is_not_rewritten(key):
    data = manifest(author={"name": "A", "publicKey": public_key_b64(key)})
    original = json.dumps(data, separators=(",", ":")).encode()
    package = build_package(members(extra={"argent.plugin.json": original}), signing_key=key)
    assert read_archive(package).members["argent.plugin.json"] == original


def test_missing_author_is_created_and_then_needs_a_name(key):
    # The key goes into a new author object, which the spec says must have a name.
    with pytest.raises(PackageInvalid) as info:
        build_package(members(manifest(author=None)), signing_key=key)
    assert [(p.code, p.field) for p in info.value.problems] == [("manifest.required", "author.name")]


def test_set_public_key_false_keeps_the_manifest(key):
    original = members()["argent.plugin.json"]
    package = build_package(members(), signing_key=key, set_public_key=False)
    assert read_archive(package).members["argent.plugin.json"] == original
    assert inspect_package(package, public_key=public_key_b64(key)).signatures


def test_build_from_directory_skips_junk(key, tmp_path):
    write_tree(tmp_path, members())
    write_tree(
        tmp_path,
        {
            ".git/config": b"x",
            "__pycache__/a.pyc": b"x",
            "agent-harness/mod.pyc": b"x",
            ".DS_Store": b"x",
            "sub/.DS_Store": b"x",
            ".pytest_cache/v": b"x",
            ".venv/bin/python": b"x",
            "SHA256SUMS": b"stale",
            "SIGNATURE": b"stale",
            "docs/SIGNATURE": b"kept: only the root one is the package's",
        },
    )
    out = io.BytesIO()
    package = build_package(tmp_path, signing_key=key, out=out)
    assert out.getvalue() == package
    inspection = inspect_package(package)
    assert sorted(inspection.members) == sorted([*members(), "SHA256SUMS", "SIGNATURE", "docs/SIGNATURE"])
    assert build_package(str(tmp_path), signing_key=key) == package


def test_directory_with_symlink_or_fifo_is_refused(key, tmp_path):
    write_tree(tmp_path, members())
    os.symlink("README.md", tmp_path / "link.md")
    os.symlink("agent-harness", tmp_path / "dirlink")
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(PackageInvalid) as info:
        build_package(tmp_path, signing_key=key)
    assert sorted((p.code, p.field) for p in info.value.problems) == [
        ("archive.special_file", "pipe"),
        ("archive.symlink", "dirlink"),
        ("archive.symlink", "link.md"),
    ]


def test_mapping_paths_are_checked(key):
    with pytest.raises(PackageInvalid) as info:
        build_package(members(extra={"../x": b"", "A.md": b"", "a.md": b""}), signing_key=key)
    assert info.value.codes == ["archive.path_traversal", "archive.case_collision"]
    package = build_package(members(extra={"./dot.txt": b"d"}), signing_key=key)
    assert "dot.txt" in read_archive(package).members


def test_missing_or_invalid_manifest_is_refused(key):
    package_members = members()
    del package_members["argent.plugin.json"]
    with pytest.raises(PackageInvalid) as info:
        build_package(package_members, signing_key=key)
    assert info.value.codes == ["archive.missing_member"]
    with pytest.raises(PackageInvalid) as info:
        build_package(members(manifest(version="1")), signing_key=key)
    assert info.value.codes == ["manifest.version_invalid"]
    with pytest.raises(PackageInvalid) as info:
        build_package(members(manifest(author="A")), signing_key=key)
    assert info.value.codes == ["manifest.type"]
    with pytest.raises(PackageInvalid) as info:
        build_package(members(extra={"argent.plugin.json": b"[1]"}), signing_key=key)
    assert info.value.codes == ["manifest.not_object"]


def test_package_filename():
    assert package_filename(validate_manifest(manifest())) == "hello-connector-1.0.0.argent-pkg"
    assert package_filename({"name": "x", "version": "2.0.0"}) == "x-2.0.0.argent-pkg"


def test_stale_checksum_members_in_a_mapping_are_replaced(key):
    package = build_package(members(extra={"SHA256SUMS": b"stale", "SIGNATURE": b"stale"}), signing_key=key)
    assert inspect_package(package).members["SHA256SUMS"] != b"stale"
