"""Third-party hostile archives (tests/data/archives, provenance in its README.md).

Raw ``.tar`` files are gzip-compressed here before they are fed to the reader,
since the package container is gzip; that proves the checks run after inflation.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from argent_pkg import PackageInvalid, inspect_package, read_archive

CORPUS = Path(__file__).resolve().parents[1] / "data" / "archives"
HOSTILE_DIRECTORIES = ("malformed", "encoding", "special", "cve", "traversal", "resource")

# What read_archive reports for each hostile file: the code of its first problem.
# A few are read as valid *containers* (their hazard is for extracting tools only, or
# is not a hazard for a reader that never extracts); they are then rejected as
# packages by inspect_package because they lack the manifest, checksums and signature.
EXPECTED_FIRST_CODE = {
    "cve/cve-2025-4517-pathmax-symlink-chain.tar": "archive.symlink",
    "encoding/libarchive-pax_filename_encoding.tar": "archive.path_not_utf8",
    "encoding/libarchive-read_format_gtar_filename_cp866.tar": "archive.path_not_utf8",
    "encoding/libarchive-read_format_gtar_filename_eucjp.tar": "archive.path_not_utf8",
    "encoding/libarchive-read_format_tar_filename_koi8r.tar": "archive.path_not_utf8",
    "encoding/libarchive-read_format_ustar_filename_cp866.tar": "archive.path_not_utf8",
    "encoding/libarchive-read_format_ustar_filename_eucjp.tar": "archive.path_not_utf8",
    "encoding/libarchive-read_format_ustar_filename_koi8r.tar": "archive.path_not_utf8",
    "malformed/libarchive-read_format_gtar_redundant_L.tar": "archive.corrupt",
    "malformed/libarchive-read_format_gtar_sparse_1_17_posix10_modified.tar": "archive.sparse",
    "malformed/libarchive-read_format_gtar_sparse_skip_entry.tar": "archive.sparse",
    "malformed/libarchive-read_format_tar_V_negative_size.tar": "archive.header_checksum",
    "malformed/libarchive-read_format_tar_acl_oob_read.tar": "archive.extended_attributes",
    "malformed/libarchive-read_format_tar_concatenated.tar": "archive.hidden_data",
    "malformed/libarchive-read_format_tar_empty_filename.tar": "archive.path_invalid",
    "malformed/libarchive-read_format_tar_invalid_pax_size.tar": "archive.corrupt",
    "malformed/libarchive-read_format_tar_pax_g_large.tar": "archive.header_too_large",
    "malformed/libarchive-read_format_tar_timestamp_overflow.tar": "archive.path_invalid",
    "malformed/nodetar-bad-cksum.tar": "archive.header_checksum",
    "malformed/nodetar-links-invalid.tar": "archive.link_smuggling",
    "malformed/nodetar-long-linkname.tar": "archive.symlink",
    "malformed/nodetar-path-missing.tar": "archive.path_invalid",
    "malformed/tarrs-duplicate_dirs.tar": "archive.duplicate_member",
    "malformed/tarrs-empty_filename.tar": "archive.path_invalid",
    "resource/csafwalker-bomb.gz": "archive.compression_ratio",
    "resource/libarchive-read_format_tar_pax_large_attr.tar.gz": "archive.header_too_large",
    "resource/nodetar-excessively-deep.tar": "archive.path_too_long",
    "resource/tarrs-sparse-1.tar": "archive.sparse",
    "resource/tarrs-sparse-large.tar": "archive.sparse",
    "special/cpython-testtar.tar": "archive.special_file",
    "special/libarchive-compat_tar_hardlink_1.tar": "archive.hardlink",
    "special/libarchive-read_format_tar_empty_with_gnulabel.tar": "archive.special_file",
    "special/tarrs-xattrs.tar": "archive.extended_attributes",
    "traversal/libarchive-leading-slash.tar": "archive.absolute_path",
}

# Hostile or malformed files whose *container* we accept, and why.  As packages
# they are still rejected (see test_every_corpus_file_is_rejected_as_a_package).
ACCEPTED_CONTAINERS = {
    # Only a global pax header with a comment ("git archive" writes the same) and no
    # members: a valid, empty tar.
    "malformed/libarchive-read_format_tar_empty_pax.tar": set(),
    # Negative pax times: we ignore times altogether.
    "malformed/libarchive-read_format_tar_pax_negative_time.tar": {"empty"},
    # NUL bytes pad a GNU long name after its terminator, as GNU tar writes it; the
    # name itself is clean.
    "malformed/nodetar-null-byte.tar": {
        "this_is_a_really_long_directory_name_with_a_lot_of_characters/"
        "this_is_a_really_long_tgz_file_with_a_lot_of_characters.tgz"
    },
    # Huge uid/gid in base-256 or pax: owners are ignored, never applied.
    "malformed/tarrs-biguid_gnu.tar": {"test.txt"},
    "malformed/tarrs-biguid_pax.tar": {"test.txt"},
    # The end-of-archive marker (two zero blocks) is present; only the padding of
    # the last 10 KiB record is short, which no reader needs.
    "malformed/tarrs-simple_missing_last_header.tar": {"a", "b", "c"},
}

# Benign files: accepted unless they break one of our rules.
BENIGN = {
    "benign/nodetar-file.tar": {"one-byte.txt"},
    "benign/nodetar-long-paths.tar": None,  # Accepted; long but legal paths.
    "benign/nodetar-sync-gzip-fail.tgz": None,  # Accepted; an ordinary .tgz.
    "benign/nodetar-utf8.tar": {
        "\u03a9.txt",
        "\U0001f31f.txt",
        "long-path/r/e/a/l/l/y/-/d/e/e/p/-/f/o/l/d/e/r/-/p/a/t/h/\u03a9.txt",
    },
    "benign/tarrs-simple.tar": {"a", "b", "c"},
    "benign/tarrs-directory.tar": {"a/c"},
    "benign/tarrs-spaces.tar": {"a"},
    # Links are never allowed in a package, internal or not.
    "benign/nodetar-links.tar": "archive.hardlink",
    "benign/tarrs-link.tar": "archive.symlink",
}


def load(relative: str) -> bytes:
    data = (CORPUS / relative).read_bytes()
    if relative.endswith((".gz", ".tgz")):
        return data
    return gzip.compress(data, mtime=0)


def corpus_files(*directories: str) -> list[str]:
    found = []
    for directory in directories:
        for path in sorted((CORPUS / directory).rglob("*")):
            if path.is_file() and path.suffix in (".tar", ".gz", ".tgz"):
                found.append(path.relative_to(CORPUS).as_posix())
    return found


def test_every_corpus_file_is_classified():
    hostile = set(corpus_files(*HOSTILE_DIRECTORIES))
    assert hostile == set(EXPECTED_FIRST_CODE) | set(ACCEPTED_CONTAINERS)
    assert set(corpus_files("benign")) == set(BENIGN)


@pytest.mark.parametrize("relative", sorted(EXPECTED_FIRST_CODE))
def test_hostile_archive_is_rejected_with_the_expected_code(relative):
    with pytest.raises(PackageInvalid) as info:
        read_archive(load(relative))
    assert info.value.codes[0] == EXPECTED_FIRST_CODE[relative]


@pytest.mark.parametrize("relative", sorted(ACCEPTED_CONTAINERS))
def test_harmless_malformed_containers_are_read(relative):
    archive = read_archive(load(relative))
    assert set(archive.members) == ACCEPTED_CONTAINERS[relative]


@pytest.mark.parametrize("relative", sorted(BENIGN))
def test_benign_archives(relative):
    expected = BENIGN[relative]
    if isinstance(expected, str):
        with pytest.raises(PackageInvalid) as info:
            read_archive(load(relative))
        assert info.value.codes[0] == expected
        return
    archive = read_archive(load(relative))
    assert archive.members
    if expected is not None:
        assert set(archive.members) == expected


@pytest.mark.parametrize("relative", corpus_files(*HOSTILE_DIRECTORIES, "benign"))
def test_every_corpus_file_is_rejected_as_a_package(relative):
    with pytest.raises(PackageInvalid):
        inspect_package(load(relative))


@pytest.mark.parametrize("relative", corpus_files("fuzz-seeds"))
def test_fuzz_seeds_raise_nothing_but_package_invalid(relative):
    data = load(relative)
    try:
        read_archive(data)
    except PackageInvalid as error:
        assert error.problems
    with pytest.raises(PackageInvalid):
        inspect_package(data)
