"""SHA256SUMS reading, writing and checking (docs/package-format.md, "Checksums")."""

from __future__ import annotations

import hashlib

import pytest
from argent_pkg import PackageInvalid, parse_sha256sums, render_sha256sums
from argent_pkg.checksums import check_sha256sums
from hypothesis import given, settings
from hypothesis import strategies as st


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_render_is_sorted_bytewise_gnu_format_and_skips_its_own_files():
    members = {"b": b"2", "B": b"1", "\u00e9": b"3", "SHA256SUMS": b"x", "SIGNATURE": b"y"}
    assert render_sha256sums(members) == (
        f"{digest(b'1')}  B\n{digest(b'2')}  b\n{digest(b'3')}  \u00e9\n".encode()
    )
    assert render_sha256sums({}) == b""


def test_render_refuses_line_breaks_in_paths():
    with pytest.raises(ValueError, match="line break"):
        render_sha256sums({"a\nb": b""})


def test_parse_accepts_any_order():
    text = f"{digest(b'z')}  z\n{digest(b'a')}  a dir/with space\n".encode()
    assert parse_sha256sums(text) == {"z": digest(b"z"), "a dir/with space": digest(b"a")}


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"0" * 64 + b"  a",  # No final newline.
        b"0" * 64 + b" a\n",  # One space.
        b"0" * 64 + b" *a\n",  # Binary-mode marker.
        b"A" * 64 + b"  a\n",  # Upper-case hex.
        b"0" * 63 + b"  a\n",  # Too short.
        b"\n",  # Empty line.
        b"0" * 64 + b"  a\r\n",  # Windows line ending.
        b"0" * 64 + b"  \n",  # No path.
    ],
)
def test_parse_rejects_malformed_lines(text):
    with pytest.raises(PackageInvalid) as info:
        parse_sha256sums(text)
    assert info.value.codes[0] in ("checksums.invalid_line",)


def test_parse_reports_every_bad_line_with_its_number():
    text = b"bad\n" + b"0" * 64 + b"  ok\nalso bad\n"
    with pytest.raises(PackageInvalid) as info:
        parse_sha256sums(text)
    messages = [problem.message for problem in info.value.problems]
    assert len(messages) == 2
    assert "Line 1" in messages[0] and "Line 3" in messages[1]


def test_parse_rejects_duplicates_and_non_utf8():
    line = b"0" * 64 + b"  a\n"
    with pytest.raises(PackageInvalid) as info:
        parse_sha256sums(line + line)
    assert info.value.codes == ["checksums.duplicate_entry"]
    with pytest.raises(PackageInvalid) as info:
        parse_sha256sums(b"0" * 64 + b"  \xff\n")
    assert info.value.codes == ["checksums.not_utf8"]


def test_check_reports_every_kind_of_problem():
    members = {"a": b"a", "b": b"b", "c": b"c", "SIGNATURE": b"sig"}
    sums = (
        f"{digest(b'a')}  a\n"  # Correct.
        f"{digest(b'x')}  b\n"  # Mismatch.
        f"{digest(b'g')}  gone\n"  # Missing member.
        f"{digest(b's')}  SIGNATURE\n"  # Must not be listed.
    ).encode()
    # "c" is unlisted.
    problems = check_sha256sums({**members, "SHA256SUMS": sums})
    assert [(problem.code, problem.field) for problem in problems] == [
        ("checksums.mismatch", "b"),
        ("checksums.missing_member", "gone"),
        ("checksums.unsummed_entry", "SIGNATURE"),
        ("checksums.unlisted_member", "c"),
    ]


def test_check_without_sums_file_or_with_a_bad_one():
    assert [p.code for p in check_sha256sums({"a": b""})] == ["archive.missing_member"]
    assert [p.code for p in check_sha256sums({"SHA256SUMS": b"junk\n"})] == ["checksums.invalid_line"]


def test_check_passes_for_rendered_sums():
    members = {"a": b"1", "d/b": b"2"}
    assert check_sha256sums({**members, "SHA256SUMS": render_sha256sums(members)}) == []


paths = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(paths, st.binary(max_size=64), max_size=8))
def test_render_then_parse_round_trips(members):
    members = {path: data for path, data in members.items() if "\n" not in path}
    rendered = render_sha256sums(members)
    expected = {p: digest(d) for p, d in members.items() if p not in ("SHA256SUMS", "SIGNATURE")}
    assert (parse_sha256sums(rendered) if rendered else {}) == expected


def test_a_line_naming_sha256sums_itself_is_ignored_with_a_warning():
    """The ArgentOS CLI lists a SHA256SUMS already in the source folder."""
    members = {"a": b"1"}
    sums = render_sha256sums(members) + f"{digest(b'stale')}  SHA256SUMS\n".encode()

    problems = check_sha256sums({**members, "SHA256SUMS": sums})

    assert [(p.code, p.field, p.severity) for p in problems] == [
        ("checksums.self_entry", "SHA256SUMS", "warning")
    ]
