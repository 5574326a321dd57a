"""The safe tar reader (docs/package-format.md, "Container"), on archives built here with ``tarfile``."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import zlib

import pytest
from argent_pkg import Limits, PackageInvalid, read_archive
from argent_pkg.archive import check_member_path, check_path_set

from .helpers import Entry, gz, make_tar, make_tgz


def codes(data: bytes, **kwargs) -> list[str]:
    with pytest.raises(PackageInvalid) as info:
        read_archive(io.BytesIO(data), **kwargs)
    return info.value.codes


def raw_header(
    name: bytes,
    *,
    size: int = 0,
    typeflag: bytes = b"0",
    linkname: bytes = b"",
    magic: bytes = b"ustar\x0000",
    prefix: bytes = b"",
    size_field: bytes | None = None,
) -> bytes:
    """Return one hand-made 512-byte tar header with a correct checksum."""
    block = bytearray(512)
    block[0:100] = name.ljust(100, b"\0")[:100]
    block[100:108] = b"0000644\0"
    block[108:116] = b"0000000\0"
    block[116:124] = b"0000000\0"
    block[124:136] = size_field if size_field is not None else f"{size:011o}\0".encode()
    block[136:148] = b"00000000000\0"
    block[156:157] = typeflag
    block[157:257] = linkname.ljust(100, b"\0")[:100]
    block[257:265] = magic.ljust(8, b"\0")[:8]
    block[345:500] = prefix.ljust(155, b"\0")[:155]
    block[148:156] = b" " * 8
    block[148:156] = f"{sum(block):06o}\0 ".encode()
    return bytes(block)


def raw_tar(*blocks: bytes, end: bool = True) -> bytes:
    """Concatenate headers and data, padding each piece to a whole 512-byte block."""
    data = b"".join(block + b"\0" * (-len(block) % 512) for block in blocks)
    return data + (b"\0" * 1024 if end else b"")


def test_reads_regular_files_in_archive_order():
    data = make_tgz([("b.txt", b"bee"), ("a/c.txt", b"sea"), Entry("a", type=tarfile.DIRTYPE)])
    archive = read_archive(io.BytesIO(data))
    assert list(archive.members) == ["b.txt", "a/c.txt"]
    assert archive.members["a/c.txt"] == b"sea"
    assert archive.directories == {"a"}
    assert archive.size == len(data)
    assert archive.sha256 == hashlib.sha256(data).hexdigest()


def test_accepts_bytes_and_all_three_tar_dialects():
    for fmt in (tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        long_name = "d" * 60 + "/" + "x" * 90
        archive = read_archive(make_tgz([(long_name, b"1"), ("short", b"2")], fmt=fmt))
        assert archive.members == {long_name: b"1", "short": b"2"}


def test_dot_slash_prefix_and_root_entry_are_normalised():
    # This is what "tar -C DIR -czf FILE ." produces.
    data = make_tgz(
        [
            Entry("./", type=tarfile.DIRTYPE),
            ("./a.txt", b"a"),
            Entry("./sub/", type=b"5"),
            ("./sub/b.txt", b"b"),
        ]
    )
    archive = read_archive(data)
    assert list(archive.members) == ["a.txt", "sub/b.txt"]
    assert archive.directories == {"sub"}


def test_package_prefix_is_stripped_when_everything_is_under_it():
    data = make_tgz(
        [
            Entry("package", type=tarfile.DIRTYPE),
            ("package/a.txt", b"a"),
            ("package/sub/b.txt", b"b"),
            Entry("package/sub", type=tarfile.DIRTYPE),
        ]
    )
    archive = read_archive(data)
    assert list(archive.members) == ["a.txt", "sub/b.txt"]
    assert archive.directories == {"sub"}


def test_package_prefix_is_kept_when_not_everything_is_under_it():
    archive = read_archive(make_tgz([("package/a.txt", b"a"), ("other.txt", b"o")]))
    assert set(archive.members) == {"package/a.txt", "other.txt"}
    # An empty "package" directory alone is no prefix to strip.
    archive = read_archive(make_tgz([Entry("package", type=tarfile.DIRTYPE), ("x", b"")]))
    assert set(archive.members) == {"x"}


def test_old_style_directory_with_trailing_slash_and_aregtype():
    data = raw_tar(raw_header(b"olddir/", typeflag=b"\0", magic=b""), raw_header(b"f", size=0))
    archive = read_archive(gz(data))
    assert archive.directories == {"olddir"}
    assert archive.members == {"f": b""}


def test_git_archive_style_global_header_with_comment_is_accepted():
    buffer = io.BytesIO()
    with tarfile.open(
        fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"comment": "0123abc"}
    ) as tar:
        info = tarfile.TarInfo("a")
        tar.addfile(info)
    assert read_archive(gz(buffer.getvalue())).members == {"a": b""}


def test_macos_provenance_xattr_is_accepted_other_xattrs_are_not():
    apple = Entry("a", b"x", pax={"LIBARCHIVE.xattr.com.apple.provenance": "AQ"})
    assert read_archive(make_tgz([apple])).members == {"a": b"x"}
    for key in (
        "SCHILY.xattr.security.capability",
        "SCHILY.xattr.user.pax.flags",
        "LIBARCHIVE.xattr.trusted.x",
        "SCHILY.acl.access",
    ):
        data = make_tgz([Entry("a", b"x", pax={key: "v"})])
        assert codes(data) == ["archive.extended_attributes"], key


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        (Entry("link", type=tarfile.SYMTYPE, linkname="target"), "archive.symlink"),
        (Entry("hard", type=tarfile.LNKTYPE, linkname="a.txt"), "archive.hardlink"),
        (Entry("fifo", type=tarfile.FIFOTYPE), "archive.fifo"),
        (Entry("tty", type=tarfile.CHRTYPE), "archive.char_device"),
        (Entry("disk", type=tarfile.BLKTYPE), "archive.block_device"),
        (Entry("cont", b"data", type=tarfile.CONTTYPE), "archive.special_file"),
        (Entry("label", type=b"V"), "archive.special_file"),
        (Entry("weird", type=b"Z"), "archive.special_file"),
    ],
)
def test_non_regular_members_are_rejected_with_a_code_naming_them(entry, code):
    data = make_tgz([("a.txt", b"a"), entry])
    assert code in codes(data)


def test_gnu_sparse_members_are_rejected():
    data = raw_tar(raw_header(b"sparse", typeflag=b"S", size=0))
    assert codes(gz(data)) == ["archive.sparse"]
    data = make_tgz([Entry("pax-sparse", b"x", pax={"GNU.sparse.major": "1"})])
    assert codes(data) == ["archive.sparse"]


def test_all_member_problems_are_reported_together():
    data = make_tgz(
        [
            Entry("l1", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
            ("../evil", b"x"),
            ("/abs", b"x"),
            Entry("l2", type=tarfile.LNKTYPE, linkname="l1"),
            ("ok.txt", b"fine"),
        ]
    )
    assert codes(data) == [
        "archive.symlink",
        "archive.path_traversal",
        "archive.absolute_path",
        "archive.hardlink",
    ]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("../x", "archive.path_traversal"),
        ("a/../../x", "archive.path_traversal"),
        ("a/..", "archive.path_traversal"),
        ("/abs", "archive.absolute_path"),
        ("//abs", "archive.absolute_path"),
        ("a\\b", "archive.path_invalid"),
        ("..\\x", "archive.path_invalid"),
        ("a\x00b", "archive.path_invalid"),
        ("a\nb", "archive.path_invalid"),
        ("a\x1bb", "archive.path_invalid"),
        ("a\x7fb", "archive.path_invalid"),
        ("a\x85b", "archive.path_invalid"),
        ("a//b", "archive.path_invalid"),
        ("a/./b", "archive.path_invalid"),
        ("././a", "archive.path_invalid"),
        ("a/", "archive.path_invalid"),
        ("e\u0301.txt", "archive.path_not_nfc"),
        ("x" * 256, "archive.path_too_long"),
        ("d/" * 100 + "x" * 56, "archive.path_too_long"),
        ("x" * 10000, "archive.path_too_long"),
    ],
)
def test_bad_paths_via_pax_are_rejected(name, code):
    # A pax "path" record can carry any bytes, so it is how hostile names arrive.
    data = make_tgz([Entry("innocent", b"x", pax={"path": name})])
    assert codes(data) == [code]


def test_255_byte_path_is_the_limit():
    name = "é" * 127 + "x"  # 255 bytes of UTF-8.
    assert list(read_archive(make_tgz([(name, b"")])).members) == [name]


def test_bad_path_in_plain_header_is_rejected():
    assert codes(make_tgz([("../up", b"x")], fmt=tarfile.USTAR_FORMAT)) == ["archive.path_traversal"]


def test_non_utf8_names_are_rejected():
    data = raw_tar(raw_header("caf\u00e9".encode("latin-1"), size=0))
    assert codes(gz(data)) == ["archive.path_not_utf8"]
    # A pax header declaring binary names cannot smuggle them in either.
    data = make_tgz([Entry("x", pax={"path": "caf\udce9"})], encoding="utf-8")
    assert codes(data) == ["archive.path_not_utf8"]


def test_nfc_names_are_accepted():
    assert list(read_archive(make_tgz([("caf\u00e9/\u03a9.txt", b"")])).members) == ["caf\u00e9/\u03a9.txt"]


def test_pax_path_cannot_smuggle_what_the_header_hides():
    data = make_tgz([Entry("safe.txt", b"x", pax={"path": "../../etc/cron.d/evil"})])
    assert codes(data) == ["archive.path_traversal"]


def test_pax_linkpath_on_a_regular_file_is_rejected():
    data = make_tgz([Entry("file", b"x", pax={"linkpath": "/etc/shadow"})])
    assert codes(data) == ["archive.link_smuggling"]
    data = raw_tar(raw_header(b"file", linkname=b"/etc/shadow"))
    assert codes(gz(data)) == ["archive.link_smuggling"]
    data = raw_tar(raw_header(b"dir", typeflag=b"5", linkname=b"/etc"))
    assert codes(gz(data)) == ["archive.link_smuggling"]


def test_gnu_long_link_on_a_regular_file_is_rejected():
    long_link = b"/" + b"t" * 200 + b"\0"
    data = raw_tar(
        raw_header(b"././@LongLink", typeflag=b"K", size=len(long_link), magic=b"ustar  \0"),
        long_link,
        raw_header(b"file", magic=b"ustar  \0"),
    )
    assert codes(gz(data)) == ["archive.link_smuggling"]


def test_redundant_or_conflicting_extended_headers_are_rejected():
    long_name = b"n" * 120 + b"\0"
    gnu = b"ustar  \0"
    twice_l = raw_tar(
        raw_header(b"././@LongLink", typeflag=b"L", size=len(long_name), magic=gnu),
        long_name,
        raw_header(b"././@LongLink", typeflag=b"L", size=len(long_name), magic=gnu),
        long_name,
        raw_header(b"f", magic=gnu),
    )
    assert codes(gz(twice_l)) == ["archive.corrupt"]
    twice_k = raw_tar(
        raw_header(b"././@LongLink", typeflag=b"K", size=len(long_name), magic=gnu),
        long_name,
        raw_header(b"././@LongLink", typeflag=b"K", size=len(long_name), magic=gnu),
        long_name,
        raw_header(b"f", typeflag=b"2", magic=gnu),
    )
    assert codes(gz(twice_k)) == ["archive.corrupt"]
    pax = b"13 path=abcd\n"
    twice_x = raw_tar(
        raw_header(b"pax", typeflag=b"x", size=len(pax)),
        pax,
        raw_header(b"pax", typeflag=b"x", size=len(pax)),
        pax,
        raw_header(b"f"),
    )
    assert codes(gz(twice_x)) == ["archive.corrupt"]
    both = raw_tar(
        raw_header(b"pax", typeflag=b"x", size=len(pax)),
        pax,
        raw_header(b"././@LongLink", typeflag=b"L", size=len(long_name), magic=gnu),
        long_name,
        raw_header(b"f", magic=gnu),
    )
    assert codes(gz(both)) == ["archive.corrupt"]
    dangling = raw_tar(raw_header(b"pax", typeflag=b"x", size=len(pax)), pax)
    assert codes(gz(dangling)) == ["archive.corrupt"]


@pytest.mark.parametrize(
    "records",
    [
        b"12 path=abc",  # No newline.
        b"x path=abc\n",  # The length is not a number.
        b"99 path=abc\n",  # The length runs past the end.
        b"3 \n",  # Too short to hold a record.
        b"11 pathabc\n",  # No "=".
        b"10 =value\n",  # No keyword.
        b"11 \xff=value\n",  # A keyword that is not UTF-8.
        b"13 path=abcd\n13 path=abcd\n",  # The same keyword twice.
        b"15 size=notnum\n",  # A size that is not a number.
    ],
)
def test_malformed_pax_records_are_corrupt(records):
    data = raw_tar(raw_header(b"pax", typeflag=b"x", size=len(records)), records, raw_header(b"f"))
    assert codes(gz(data)) == ["archive.corrupt"]


def test_pax_size_overrides_the_header_size():
    records = b"10 size=5\n"
    data = raw_tar(
        raw_header(b"pax", typeflag=b"x", size=len(records)),
        records,
        raw_header(b"f", size=0),
        b"hello",
    )
    assert read_archive(gz(data)).members == {"f": b"hello"}


@pytest.mark.parametrize("key", ["path", "linkpath", "size", "GNU.sparse.map"])
def test_global_pax_header_cannot_rename_or_resize_members(key):
    records = f"{len(key) + 6} {key}=x\n".encode()
    records = f"{len(records)} {key}=x\n".encode()
    data = raw_tar(raw_header(b"g", typeflag=b"g", size=len(records)), records, raw_header(b"f"))
    assert codes(gz(data)) == ["archive.corrupt"]


def test_huge_pax_header_is_refused_before_it_is_buffered():
    records = b"x" * 5000
    data = raw_tar(raw_header(b"pax", typeflag=b"x", size=len(records)), records)
    assert codes(gz(data), limits=Limits(max_header_bytes=4096)) == ["archive.header_too_large"]
    # A declared size far beyond the stream is refused from the header alone.
    data = raw_tar(raw_header(b"pax", typeflag=b"x", size=8 * 1024**3))
    assert codes(gz(data)) == ["archive.header_too_large"]


def test_name_field_with_bytes_after_its_nul_is_rejected():
    data = raw_tar(raw_header(b"good\0../../evil"))
    assert codes(gz(data)) == ["archive.path_invalid"]


def test_ustar_prefix_field_is_joined():
    data = raw_tar(raw_header(b"name.txt", prefix=b"some/dir"))
    assert list(read_archive(gz(data)).members) == ["some/dir/name.txt"]


def test_base256_and_malformed_numbers():
    size = b"\x80" + (3).to_bytes(11, "big")
    data = raw_tar(raw_header(b"f", size_field=size), b"abc")
    assert read_archive(gz(data)).members == {"f": b"abc"}
    negative = b"\xff" * 12
    assert codes(gz(raw_tar(raw_header(b"f", size_field=negative)))) == ["archive.corrupt"]
    weird = b"\x81" + bytes(11)
    assert codes(gz(raw_tar(raw_header(b"f", size_field=weird)))) == ["archive.corrupt"]
    not_octal = b"0000000009\0\0"
    assert codes(gz(raw_tar(raw_header(b"f", size_field=not_octal)))) == ["archive.corrupt"]
    blank = b"\0" * 12
    assert read_archive(gz(raw_tar(raw_header(b"f", size_field=blank)))).members == {"f": b""}


def test_directory_or_link_carrying_data_is_rejected():
    data = raw_tar(raw_header(b"d", typeflag=b"5", size=10), b"x" * 10)
    assert codes(gz(data)) == ["archive.corrupt"]
    data = raw_tar(raw_header(b"h", typeflag=b"1", linkname=b"f", size=10), b"x" * 10)
    assert codes(gz(data)) == ["archive.hardlink", "archive.corrupt"]
    data = raw_tar(raw_header(b"w", typeflag=b"Z", size=10), b"x" * 10)
    assert codes(gz(data)) == ["archive.special_file", "archive.corrupt"]


def test_bad_header_checksum_is_rejected():
    header = bytearray(raw_header(b"f"))
    header[0:1] = b"g"
    assert codes(gz(raw_tar(bytes(header)))) == ["archive.header_checksum"]
    header[148:156] = b"zzzzzzz\0"
    assert codes(gz(raw_tar(bytes(header)))) == ["archive.header_checksum"]


def test_signed_header_checksum_is_accepted():
    block = bytearray(raw_header(b"f"))
    block[108:116] = b"\xff" * 8  # High bytes make signed and unsigned sums differ.
    block[148:156] = b" " * 8
    signed = sum(block) - 256 * 8
    block[148:156] = f"{signed:06o}\0 ".encode()
    assert read_archive(gz(raw_tar(bytes(block)))).members == {"f": b""}


def test_duplicates_and_case_collisions_are_rejected():
    assert codes(make_tgz([("a.txt", b"1"), ("a.txt", b"2")])) == ["archive.duplicate_member"]
    assert codes(make_tgz([("a.txt", b"1"), ("./a.txt", b"2")])) == ["archive.duplicate_member"]
    assert codes(make_tgz([("README.md", b"1"), ("readme.md", b"2")])) == ["archive.case_collision"]
    assert codes(make_tgz([("Docs/a", b"1"), ("docs/b", b"2")])) == ["archive.case_collision"]
    dirs = [Entry("d", type=tarfile.DIRTYPE), Entry("d/", type=tarfile.DIRTYPE)]
    assert codes(make_tgz(dirs)) == ["archive.duplicate_member"]


def test_file_used_as_a_directory_is_rejected():
    assert codes(make_tgz([("a", b"1"), ("a/b", b"2")])) == ["archive.path_conflict"]


def test_check_path_set_and_check_member_path_directly():
    assert check_path_set(["a", "A"])[0].code == "archive.case_collision"
    assert check_member_path(b".", is_dir=True) == ("", None)
    assert check_member_path("./x/")[1].code == "archive.path_invalid"
    assert check_member_path("x/", is_dir=True) == ("x", None)


def test_too_many_members():
    data = make_tgz([(f"f{i}", b"") for i in range(6)])
    assert codes(data, limits=Limits(max_members=5)) == ["archive.too_many_members"]
    assert len(read_archive(data, limits=Limits(max_members=6)).members) == 6


def test_member_too_large_is_refused_from_its_header():
    data = make_tgz([("big", b"x" * 2000)])
    assert codes(data, limits=Limits(max_member_bytes=1000)) == ["archive.member_too_large"]
    # A declared size of 1 TiB is refused before any of it is read.
    data = gz(raw_tar(raw_header(b"big", size_field=b"\x80" + (1 << 40).to_bytes(11, "big"))))
    assert codes(data) == ["archive.member_too_large"]


def test_total_uncompressed_limit():
    data = make_tgz([("a", b"x" * 3000), ("b", b"y" * 3000)])
    limits = Limits(max_total_bytes=5000, max_ratio=10**6)
    assert codes(data, limits=limits) == ["archive.uncompressed_too_large"]


def test_compressed_size_limit():
    data = make_tgz([("a", bytes(range(256)) * 40)])
    assert codes(data, limits=Limits(max_compressed_bytes=100)) == ["archive.too_large"]


def test_compression_ratio_limit():
    data = make_tgz([("zeros", bytes(200_000))])
    limits = Limits(max_ratio=50, ratio_floor_bytes=10_000)
    assert codes(data, limits=limits) == ["archive.compression_ratio"]
    # Below the floor a tiny archive may compress as well as it likes.
    assert read_archive(make_tgz([("e", b"")])).members == {"e": b""}


class _ZeroBomb(io.RawIOBase):
    """A file object yielding a gzip stream of ``size`` zero bytes, made on demand.

    Nothing of the inflated content is ever held; ``compressed_read`` counts the
    bytes handed out so a test can show how little the reader consumed.
    """

    def __init__(self, size: int) -> None:
        self._left = size
        self._compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        self._pending = b""
        self.compressed_read = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while len(self._pending) < n and self._left:
            step = min(self._left, 1 << 20)
            self._left -= step
            self._pending += self._compressor.compress(bytes(step))
            if not self._left:
                self._pending += self._compressor.flush()
        chunk, self._pending = self._pending[:n], self._pending[n:]
        self.compressed_read += len(chunk)
        return chunk


def test_gzip_bomb_of_one_gib_is_rejected_without_inflating_it():
    bomb = _ZeroBomb(1024**3)
    with pytest.raises(PackageInvalid) as info:
        read_archive(bomb)
    # Zeros look like an empty tar followed by padding, so the ratio check fires.
    assert info.value.codes == ["archive.compression_ratio"]
    assert bomb.compressed_read < 256 * 1024


def test_bomb_inside_a_member_is_rejected_by_ratio():
    header = raw_header(b"zeros", size=150 * 1024 * 1024)
    stream = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = stream.compress(header) + stream.compress(bytes(4 * 1024 * 1024)) + stream.flush()
    assert codes(data) == ["archive.member_too_large"]
    small = raw_header(b"zeros", size=50 * 1024 * 1024)
    stream = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = stream.compress(small) + stream.compress(bytes(4 * 1024 * 1024)) + stream.flush()
    assert codes(data) == ["archive.compression_ratio"]


def test_truncated_gzip_is_rejected():
    data = make_tgz([("a", bytes(range(256)) * 100)])
    for cut in (3, 20, len(data) // 2, len(data) - 4):
        assert codes(data[:cut]) == ["archive.truncated"], cut


def test_tar_without_end_marker_is_truncated():
    data = raw_tar(raw_header(b"f", size=3), b"abc", end=False)
    assert codes(gz(data)) == ["archive.truncated"]
    data = raw_tar(raw_header(b"f", size=3), b"abc", end=False) + bytes(512)
    assert codes(gz(data)) == ["archive.truncated"]
    data = raw_tar(raw_header(b"f", size=600), b"abc", end=False)
    assert codes(gz(data)) == ["archive.truncated"]


def test_trailing_data_after_gzip_is_rejected():
    data = make_tgz([("a", b"x")])
    assert codes(data + b"garbage") == ["archive.trailing_data"]
    assert codes(data + gz(b"second member")) == ["archive.trailing_data"]
    assert codes(data + bytes(1)) == ["archive.trailing_data"]


def test_data_after_the_end_of_archive_marker_is_rejected():
    hidden = make_tar([("a", b"x")]) + make_tar([("b", b"y")])
    assert codes(gz(hidden)) == ["archive.hidden_data"]
    lone = raw_header(b"a") + bytes(512) + raw_header(b"b") + bytes(1024)
    assert codes(gz(lone)) == ["archive.hidden_data"]


def test_not_gzip_and_corrupt_gzip():
    assert codes(make_tar([("a", b"x")])) == ["archive.not_gzip"]
    assert codes(b"") == ["archive.not_gzip"]
    assert codes(b"\x1f") == ["archive.not_gzip"]
    assert codes(b"PK\x03\x04 a zip file") == ["archive.not_gzip"]
    good = bytearray(make_tgz([("a", bytes(range(256)) * 8)]))
    good[-8] ^= 0xFF  # Break the CRC-32 in the gzip trailer.
    assert codes(bytes(good)) == ["archive.corrupt"]
    bad_method = bytearray(make_tgz([("a", b"x")]))
    bad_method[2] = 7
    assert codes(bytes(bad_method)) == ["archive.corrupt"]


def test_empty_tar_is_read_as_no_members():
    archive = read_archive(gz(bytes(10240)))
    assert archive.members == {}


def test_reads_in_chunks_from_a_file_object():
    payload = bytes(range(256)) * 2000
    data = make_tgz([("a", payload), ("b", b"b")])

    class Slow(io.RawIOBase):
        def __init__(self) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            return self._data.read(min(n, 1000))

    archive = read_archive(Slow())
    assert archive.members["a"] == payload
    assert archive.sha256 == hashlib.sha256(data).hexdigest()


def test_problem_values_are_short_and_serialisable():
    data = make_tgz([Entry("x", pax={"path": "../" + "a" * 5000})])
    with pytest.raises(PackageInvalid) as info:
        read_archive(data)
    problem = info.value.problems[0]
    assert len(str(problem.value)) <= 200
    assert problem.as_dict()["code"] == "archive.path_too_long"


def test_gzip_file_written_by_python_with_name_is_fine():
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="x.tar", fileobj=buffer, mode="wb") as handle:
        handle.write(make_tar([("a", b"x")]))
    assert read_archive(buffer.getvalue()).members == {"a": b"x"}
