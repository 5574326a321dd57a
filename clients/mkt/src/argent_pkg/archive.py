"""A streaming, strict reader for the gzip-compressed tar container (docs/package-format.md, "Container").

The reader never extracts anything and never touches the disk.  It reads the
package file in chunks, hashes and counts the compressed bytes, inflates them
incrementally with :func:`zlib.decompressobj` and parses the tar headers itself, so
that every limit is enforced before more than one small chunk beyond it has been
inflated or buffered.  We parse tar ourselves rather than through :mod:`tarfile`
because ``tarfile`` silently accepts several ambiguous encodings (redundant long-name
headers, data after the end-of-archive marker, directories that carry data, global
pax headers that rename members) whose meaning other readers disagree on, and
because it buffers pax headers of any declared size.

The accepted dialects are POSIX ustar, pax (``x`` and ``g`` headers) and GNU
(``L``/``K`` long names, base-256 numbers).  Everything else is reported as a
:class:`~argent_pkg.errors.Problem`.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from .errors import PackageInvalid, Problem

__all__ = ["Archive", "Limits", "check_member_path", "check_path_set", "read_archive"]

MiB = 1024 * 1024
KiB = 1024

BLOCK_SIZE = 512
_ZERO_BLOCK = bytes(BLOCK_SIZE)
# The compressed file is read, and inflated output produced, in pieces of this size,
# which bounds how far past a limit the reader can get before it notices.
_READ_CHUNK = 64 * KiB
_INFLATE_CHUNK = 64 * KiB
_GZIP_MAGIC = b"\x1f\x8b"
MAX_PATH_BYTES = 255
PACKAGE_PREFIX = "package/"

# Extended attributes in these namespaces are harmless Finder metadata that macOS
# ``tar`` records on its own; every other extended attribute or ACL is refused
# because an extracting tool may apply it (``user.pax.flags`` disables memory
# protections, ``security.capability`` grants capabilities).
_ALLOWED_XATTR_PREFIXES = ("com.apple.",)
_XATTR_KEY_PREFIXES = ("SCHILY.xattr.", "LIBARCHIVE.xattr.")
_ACL_KEY_PREFIXES = ("SCHILY.acl.", "LIBARCHIVE.acl.")

# Type flags and what we call them in messages.
_REGULAR_TYPES = (b"0", b"\0")
_DIRECTORY_TYPE = b"5"
_REJECTED_TYPES: dict[bytes, tuple[str, str]] = {
    b"1": ("archive.hardlink", "a hard link"),
    b"2": ("archive.symlink", "a symbolic link"),
    b"3": ("archive.char_device", "a character device"),
    b"4": ("archive.block_device", "a block device"),
    b"6": ("archive.fifo", "a FIFO (named pipe)"),
    b"S": ("archive.sparse", "a GNU sparse file"),
    b"7": ("archive.special_file", "a contiguous file"),
    b"V": ("archive.special_file", "a GNU volume label"),
    b"M": ("archive.special_file", "a GNU multi-volume continuation"),
    b"D": ("archive.special_file", "a GNU dump directory"),
    b"N": ("archive.special_file", "an old GNU long-name entry"),
}


@dataclass(frozen=True)
class Limits:
    """Resource limits enforced while a package is streamed (docs/package-format.md, "Container").

    All sizes are in bytes.  ``max_ratio`` is uncompressed bytes divided by
    compressed bytes; it is only enforced once more than ``ratio_floor_bytes`` have
    been inflated, because a tiny archive (a few empty files padded to a 10 KiB tar
    record) legitimately compresses more than 200 times.  ``max_header_bytes`` caps
    the content of one pax or GNU long-name header.
    """

    max_compressed_bytes: int = 50 * MiB
    max_total_bytes: int = 200 * MiB
    max_members: int = 5000
    max_member_bytes: int = 100 * MiB
    max_ratio: int = 200
    ratio_floor_bytes: int = 1 * MiB
    max_header_bytes: int = 1 * MiB


@dataclass(frozen=True)
class Archive:
    """The regular files and directories of a package, read and checked.

    Attributes:
        members: normalised member path -> content bytes, regular files only, in
            archive order.
        directories: normalised paths of the explicit directory entries.
        sha256: lowercase hex SHA-256 of the whole compressed file as read.
        size: length of the compressed file in bytes.
    """

    members: dict[str, bytes]
    directories: set[str] = field(default_factory=set)
    sha256: str = ""
    size: int = 0


class _Stop(Exception):
    """Raised internally when reading cannot or should not go on."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _stop(code: str, message: str, field: str | None = None, value: object = None) -> _Stop:
    return _Stop(Problem(code, message, field, value))


class _Inflater:
    """Reads, hashes, counts and inflates the compressed file, enforcing the limits."""

    def __init__(self, fileobj: BinaryIO, limits: Limits) -> None:
        self._file = fileobj
        self._limits = limits
        self._hash = hashlib.sha256()
        self._zlib = zlib.decompressobj(wbits=31)
        self._pending = b""
        self._head = b""
        self._buffer = b""
        self._position = 0
        self.compressed = 0
        self.inflated = 0

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def _read_input(self) -> bytes:
        chunk = self._file.read(_READ_CHUNK)
        if not chunk:
            return b""
        chunk = bytes(chunk)
        self.compressed += len(chunk)
        self._hash.update(chunk)
        if len(self._head) < 2:
            self._head = (self._head + chunk)[:2]
            if len(self._head) == 2 and self._head != _GZIP_MAGIC:
                raise _stop("archive.not_gzip", "The package is not a gzip-compressed file.")
        if self.compressed > self._limits.max_compressed_bytes:
            raise _stop(
                "archive.too_large",
                f"The package file is larger than the limit of {self._limits.max_compressed_bytes} bytes.",
                value=self.compressed,
            )
        return chunk

    def _check_inflated(self) -> None:
        limits = self._limits
        if self.inflated > limits.max_total_bytes:
            raise _stop(
                "archive.uncompressed_too_large",
                f"The package inflates to more than the limit of {limits.max_total_bytes} bytes.",
                value=self.inflated,
            )
        consumed = self.compressed - len(self._pending)
        if self.inflated > limits.ratio_floor_bytes and self.inflated > limits.max_ratio * max(consumed, 1):
            raise _stop(
                "archive.compression_ratio",
                f"The package inflates more than {limits.max_ratio} times its compressed size, "
                f"which is how compression bombs look.",
                value=self.inflated // max(consumed, 1),
            )

    def _fill(self) -> bool:
        """Inflate the next piece into the buffer; return ``False`` at the end of the stream."""
        while not self._zlib.eof:
            if not self._pending:
                self._pending = self._read_input()
                if not self._pending:
                    if self._head != _GZIP_MAGIC:
                        raise _stop("archive.not_gzip", "The package is not a gzip-compressed file.")
                    raise _stop("archive.truncated", "The package file ends in the middle of its data.")
            try:
                out = self._zlib.decompress(self._pending, _INFLATE_CHUNK)
            except zlib.error as exc:
                raise _stop("archive.corrupt", f"The gzip data is corrupt ({exc}).", value=str(exc)) from None
            self._pending = self._zlib.unconsumed_tail
            if out:
                self.inflated += len(out)
                self._check_inflated()
                self._buffer = out
                self._position = 0
                return True
        return False

    def read(self, size: int) -> bytes | None:
        """Return exactly ``size`` inflated bytes, or ``None`` if the stream ends first."""
        parts: list[bytes] = []
        needed = size
        while needed:
            if self._position >= len(self._buffer) and not self._fill():
                return None
            take = min(needed, len(self._buffer) - self._position)
            parts.append(self._buffer[self._position : self._position + take])
            self._position += take
            needed -= take
        return b"".join(parts)

    def read_exact(self, size: int, what: str) -> bytes:
        data = self.read(size)
        if data is None:
            raise _stop("archive.truncated", f"The archive ends in the middle of {what}.")
        return data

    def drain_zeros(self) -> None:
        """Consume the rest of the inflated stream, which must be zero padding."""
        while True:
            rest = self._buffer[self._position :]
            if rest.count(0) != len(rest):
                raise _stop(
                    "archive.hidden_data",
                    "The archive has data after its end-of-archive marker; other tools "
                    "would read members that we do not see.",
                )
            self._position = len(self._buffer)
            if not self._fill():
                return

    def finish(self) -> None:
        """Check that nothing follows the gzip stream in the file."""
        trailing = self._zlib.unused_data or self._pending or self._read_input()
        if trailing:
            raise _stop(
                "archive.trailing_data",
                "The package file has bytes after the end of its gzip stream.",
                value=len(trailing),
            )


def _parse_number(field_bytes: bytes, name: str) -> int:
    """Parse a tar numeric field: octal text, or GNU base-256 when the top bit is set."""
    if field_bytes and field_bytes[0] & 0x80:
        value = int.from_bytes(field_bytes[1:], "big")
        if field_bytes[0] == 0xFF:
            value -= 1 << (8 * (len(field_bytes) - 1))
        elif field_bytes[0] != 0x80:
            raise _stop("archive.corrupt", f"The tar header has an unreadable {name} field.")
        return value
    text = field_bytes.split(b"\0", 1)[0].strip(b" ")
    if not text:
        return 0
    if text.strip(b"01234567"):
        raise _stop("archive.corrupt", f"The tar header has an unreadable {name} field.", value=text)
    return int(text, 8)


def _c_string(field_bytes: bytes, what: str, problems: list[Problem]) -> bytes:
    """Return a NUL-terminated header field, flagging bytes hidden after the terminator."""
    text, _, rest = field_bytes.partition(b"\0")
    if rest.strip(b"\0"):
        problems.append(
            Problem(
                "archive.path_invalid",
                f"The tar header's {what} field hides bytes after its terminating NUL; "
                f"tools disagree on what such a name means.",
                text.decode("utf-8", "backslashreplace"),
            )
        )
    return text


def _verify_header_checksum(block: bytes) -> None:
    stored = block[148:156].split(b"\0", 1)[0].strip(b" ")
    if not stored or stored.strip(b"01234567"):
        raise _stop("archive.header_checksum", "A tar header has an unreadable checksum.")
    expected = int(stored, 8)
    unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:])
    # Some historic tar programs summed signed chars; tarfile and GNU tar accept both.
    signed = unsigned - 256 * sum(1 for byte in block[:148] + block[156:] if byte > 127)
    if expected not in (unsigned, signed):
        raise _stop(
            "archive.header_checksum",
            "A tar header's checksum does not match its content; the archive is corrupt.",
        )


def _parse_pax(data: bytes) -> dict[str, bytes]:
    """Parse pax extended header records (``"%d %s=%s\\n"``), strictly."""
    records: dict[str, bytes] = {}
    position = 0
    while position < len(data):
        space = data.find(b" ", position, position + 20)
        length_text = data[position:space] if space > position else b""
        if not length_text.isdigit():
            raise _stop("archive.corrupt", "A pax extended header has a malformed record.")
        length = int(length_text)
        record = data[position : position + length]
        if length <= len(length_text) + 1 or len(record) != length or record[-1:] != b"\n":
            raise _stop("archive.corrupt", "A pax extended header has a malformed record.")
        keyword, equals, value = record[len(length_text) + 1 : -1].partition(b"=")
        if not equals or not keyword:
            raise _stop("archive.corrupt", "A pax extended header has a malformed record.")
        try:
            key = keyword.decode("utf-8")
        except UnicodeDecodeError:
            raise _stop("archive.corrupt", "A pax extended header has a keyword that is not UTF-8.") from None
        if key in records:
            raise _stop(
                "archive.corrupt",
                f"A pax extended header sets {key!r} twice; tools disagree on which wins.",
                value=key,
            )
        records[key] = value
        position += length
    return records


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


def check_member_path(raw: bytes | str, *, is_dir: bool = False) -> tuple[str | None, Problem | None]:
    """Normalise one member path and check it against the path rules of docs/package-format.md, "Container".

    ``raw`` is the path as stored in the archive (bytes) or as text.  Returns
    ``(path, None)`` for an acceptable path, ``("", None)`` for the root entry
    (``.`` or ``./``, which readers ignore) and ``(None, problem)`` otherwise.  The
    255-byte length rule is checked separately, after the optional ``package/``
    prefix has been removed.  One leading ``./`` is removed and, for directories,
    one trailing ``/``.
    """
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            shown = raw.decode("utf-8", "backslashreplace")
            return None, Problem(
                "archive.path_not_utf8",
                "A member path is not valid UTF-8; rename the file using UTF-8.",
                shown,
                shown,
            )
    else:
        text = raw
    shown = text
    # Paths that could not fit even after the optional "package/" prefix is removed
    # are refused here, before the collision checks spend time on their components.
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES + len("./" + PACKAGE_PREFIX):
        return None, Problem(
            "archive.path_too_long",
            f"A member path is longer than {MAX_PATH_BYTES} bytes.",
            shown[:100],
            len(text.encode("utf-8", "surrogatepass")),
        )
    if is_dir and text in (".", "./"):
        return "", None
    if _has_control_character(text):
        return None, Problem(
            "archive.path_invalid",
            "A member path contains a NUL or control character.",
            shown.encode("unicode_escape").decode("ascii"),
            shown,
        )
    if text.startswith("/"):
        return None, Problem(
            "archive.absolute_path", "A member path is absolute; paths must be relative.", shown
        )
    if "\\" in text:
        return None, Problem(
            "archive.path_invalid",
            "A member path contains a backslash; use '/' to separate directories.",
            shown,
        )
    if text.startswith("./"):
        text = text[2:]
    if is_dir and text.endswith("/"):
        text = text[:-1]
    parts = text.split("/")
    if ".." in parts:
        return None, Problem("archive.path_traversal", "A member path contains a '..' component.", shown)
    if any(part in ("", ".") for part in parts):
        what = "is empty" if not text else "has an empty or '.' component"
        return None, Problem("archive.path_invalid", f"A member path {what}.", shown)
    if not unicodedata.is_normalized("NFC", text):
        return None, Problem(
            "archive.path_not_nfc",
            "A member path is not in Unicode normalisation form NFC; rename the file.",
            shown,
        )
    return text, None


@dataclass
class _Entry:
    path: str
    is_dir: bool
    content: bytes = b""


class _TarReader:
    """Walks the tar headers of an inflated stream and collects entries and problems."""

    def __init__(self, inflater: _Inflater, limits: Limits) -> None:
        self._in = inflater
        self._limits = limits
        self.entries: list[_Entry] = []
        self.problems: list[Problem] = []
        self._members = 0

    def _read_extension(self, size: int, what: str) -> bytes:
        if size > self._limits.max_header_bytes:
            raise _stop(
                "archive.header_too_large",
                f"A {what} is larger than the limit of {self._limits.max_header_bytes} bytes.",
                value=size,
            )
        data = self._in.read_exact(size, what)
        self._skip_padding(size, what)
        return data

    def _skip_padding(self, size: int, what: str) -> None:
        padding = -size % BLOCK_SIZE
        if padding:
            self._in.read_exact(padding, what)

    def run(self) -> None:
        pax: dict[str, bytes] | None = None
        long_name: bytes | None = None
        long_link: bytes | None = None
        while True:
            block = self._in.read(BLOCK_SIZE)
            if block is None:
                raise _stop(
                    "archive.truncated",
                    "The archive ends without its end-of-archive marker; it is truncated.",
                )
            if block == _ZERO_BLOCK:
                if pax is not None or long_name is not None or long_link is not None:
                    raise _stop("archive.corrupt", "An extended header is not followed by a member.")
                second = self._in.read_exact(BLOCK_SIZE, "the end-of-archive marker")
                if second != _ZERO_BLOCK:
                    raise _stop(
                        "archive.hidden_data",
                        "The archive has a lone zero block followed by more data; other "
                        "tools would read members that we do not see.",
                    )
                return
            _verify_header_checksum(block)
            typeflag = block[156:157]
            size = _parse_number(block[124:136], "size")
            if size < 0:
                raise _stop("archive.corrupt", "A tar header declares a negative size.", value=size)
            if typeflag in (b"x", b"g", b"L", b"K"):
                data = self._read_extension(size, "extended header")
                if typeflag == b"x":
                    if pax is not None:
                        raise _stop("archive.corrupt", "A member has two pax extended headers.")
                    pax = _parse_pax(data)
                elif typeflag == b"g":
                    self._check_global_pax(_parse_pax(data))
                elif typeflag == b"L":
                    if long_name is not None:
                        raise _stop(
                            "archive.corrupt",
                            "A member has two GNU long-name headers; tools disagree on which wins.",
                        )
                    long_name = data.split(b"\0", 1)[0]
                else:
                    if long_link is not None:
                        raise _stop("archive.corrupt", "A member has two GNU long-link headers.")
                    long_link = data.split(b"\0", 1)[0]
                continue
            self._member(block, typeflag, size, pax or {}, long_name, long_link)
            pax = long_name = long_link = None

    def _check_global_pax(self, records: dict[str, bytes]) -> None:
        # A global header that renames or resizes members is read differently by
        # different tools, and nothing we accept needs one ("git archive" only
        # stores a comment in it).
        for key in records:
            if key in ("path", "linkpath", "size") or key.startswith("GNU.sparse."):
                raise _stop(
                    "archive.corrupt",
                    f"A global pax header sets {key!r} for every member; this is not allowed.",
                    value=key,
                )

    def _member(
        self,
        block: bytes,
        typeflag: bytes,
        size: int,
        pax: dict[str, bytes],
        long_name: bytes | None,
        long_link: bytes | None,
    ) -> None:
        self._members += 1
        if self._members > self._limits.max_members:
            raise _stop(
                "archive.too_many_members",
                f"The archive has more than {self._limits.max_members} members.",
                value=self._members,
            )
        header_problems: list[Problem] = []
        name = _c_string(block[0:100], "name", header_problems)
        link = _c_string(block[157:257], "link name", header_problems)
        if block[257:263] == b"ustar\0":
            prefix = _c_string(block[345:500], "name prefix", header_problems)
            if prefix:
                name = prefix + b"/" + name
        if "path" in pax and long_name is not None:
            raise _stop(
                "archive.corrupt",
                "A member has both a pax path and a GNU long name; tools disagree on which wins.",
            )
        if "path" in pax:
            name = pax["path"]
        elif long_name is not None:
            name = long_name
        has_link = bool(link) or long_link is not None or "linkpath" in pax
        if "size" in pax:
            text = pax["size"]
            if not text.isdigit():
                raise _stop("archive.corrupt", "A pax header has a malformed size.", value=text)
            size = int(text)

        is_dir = typeflag == _DIRECTORY_TYPE or (typeflag == b"\0" and name.endswith(b"/"))
        path, path_problem = check_member_path(name, is_dir=is_dir)
        shown = name.decode("utf-8", "backslashreplace")
        for problem in header_problems:
            self.problems.append(Problem(problem.code, problem.message, shown, problem.value))
        if path_problem is not None:
            self.problems.append(path_problem)

        sparse = typeflag == b"S" or any(key.startswith("GNU.sparse.") for key in pax)
        if sparse:
            # The layout of sparse data differs between GNU versions; rather than
            # guess where the next header starts we stop here.
            raise _stop(
                "archive.sparse",
                "The member is a sparse file; only regular files and directories are allowed.",
                shown,
            )
        self._check_extended_attributes(pax, shown)

        if typeflag in _REJECTED_TYPES:
            code, what = _REJECTED_TYPES[typeflag]
            self.problems.append(
                Problem(
                    code,
                    f"The member is {what}; only regular files and directories are allowed.",
                    shown,
                    link.decode("utf-8", "backslashreplace") if link else None,
                )
            )
            self._skip_non_regular_data(size, shown)
            return
        if is_dir:
            if has_link:
                self.problems.append(self._smuggled_link(shown))
            self._skip_non_regular_data(size, shown)
            if path:
                self.entries.append(_Entry(path, True))
            return
        if typeflag not in _REGULAR_TYPES:
            self.problems.append(
                Problem(
                    "archive.special_file",
                    f"The member has an unknown tar type {typeflag!r}; only regular files "
                    f"and directories are allowed.",
                    shown,
                    typeflag,
                )
            )
            self._skip_non_regular_data(size, shown)
            return
        if has_link:
            self.problems.append(self._smuggled_link(shown))
        if size > self._limits.max_member_bytes:
            raise _stop(
                "archive.member_too_large",
                f"A member is larger than the limit of {self._limits.max_member_bytes} bytes.",
                shown,
                size,
            )
        content = self._in.read_exact(size, f"member {shown!r}")
        self._skip_padding(size, f"member {shown!r}")
        if path is not None:
            self.entries.append(_Entry(path, False, content))

    @staticmethod
    def _smuggled_link(shown: str) -> Problem:
        return Problem(
            "archive.link_smuggling",
            "The member carries a link target although it is not a link; tools disagree "
            "on what such a member is.",
            shown,
        )

    def _skip_non_regular_data(self, size: int, shown: str) -> None:
        if size:
            # Readers disagree on whether such data is skipped or read as headers.
            raise _stop(
                "archive.corrupt",
                "A member that is not a regular file carries data; tools disagree on how "
                "to read what follows it.",
                shown,
                size,
            )

    def _check_extended_attributes(self, pax: dict[str, bytes], shown: str) -> None:
        for key in pax:
            attribute = None
            for prefix in _XATTR_KEY_PREFIXES:
                if key.startswith(prefix):
                    attribute = key[len(prefix) :]
            if attribute is not None and attribute.startswith(_ALLOWED_XATTR_PREFIXES):
                continue
            if attribute is not None or key.startswith(_ACL_KEY_PREFIXES):
                self.problems.append(
                    Problem(
                        "archive.extended_attributes",
                        "The member carries an extended attribute or ACL that an extracting "
                        "tool could apply; create the archive without them "
                        "(for example tar --no-xattrs --no-acls).",
                        shown,
                        key,
                    )
                )


def _under_package_prefix(entries: list[_Entry]) -> bool:
    if not any(not entry.is_dir and entry.path.startswith(PACKAGE_PREFIX) for entry in entries):
        return False
    return all(
        entry.path.startswith(PACKAGE_PREFIX) or (entry.is_dir and entry.path == "package")
        for entry in entries
    )


def _final_checks(entries: list[_Entry]) -> list[Problem]:
    """Check the normalised paths as a whole: duplicates, conflicts, case, length."""
    problems: list[Problem] = []
    counts = Counter(entry.path for entry in entries)
    for path, count in counts.items():
        if count > 1:
            problems.append(
                Problem(
                    "archive.duplicate_member",
                    f"The archive holds {count} members with this path.",
                    path,
                    path,
                )
            )
    files = {entry.path for entry in entries if not entry.is_dir}
    nodes: set[str] = set(counts)
    for path in counts:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            nodes.add(parent)
            if parent in files:
                problems.append(
                    Problem(
                        "archive.path_conflict",
                        "A member path runs through a regular file as if it were a directory.",
                        path,
                        parent,
                    )
                )
    groups: defaultdict[str, set[str]] = defaultdict(set)
    for node in nodes:
        groups[node.casefold()].add(node)
    for variants in groups.values():
        if len(variants) > 1:
            ordered = sorted(variants)
            problems.append(
                Problem(
                    "archive.case_collision",
                    "Member paths differ only in letter case, which breaks on case-insensitive file systems.",
                    ordered[0],
                    ", ".join(ordered),
                )
            )
    for path in counts:
        if len(path.encode("utf-8")) > MAX_PATH_BYTES:
            problems.append(
                Problem(
                    "archive.path_too_long",
                    f"A member path is longer than {MAX_PATH_BYTES} bytes.",
                    path,
                    len(path.encode("utf-8")),
                )
            )
    return problems


def check_path_set(paths: Iterable[str]) -> list[Problem]:
    """Check a set of normalised regular-file paths as a whole (docs/package-format.md, "Container").

    Returns the problems found: ``archive.duplicate_member``, ``archive.path_conflict``
    (a path runs through a file), ``archive.case_collision`` and
    ``archive.path_too_long`` (over 255 bytes).  The builder uses it before packing.
    """
    return _final_checks([_Entry(path, False) for path in paths])


def read_archive(fileobj: BinaryIO | bytes, *, limits: Limits = Limits()) -> Archive:  # noqa: B008
    """Read and check a package container (docs/package-format.md, "Container") without extracting it.

    Args:
        fileobj: a binary file object positioned at the start of the package (only
            ``read(n)`` is used), or the package as ``bytes``.
        limits: the resource limits to enforce while streaming (sizes in bytes).

    Returns:
        an :class:`Archive` with the regular files (content in memory), directory
        names, SHA-256 and size of the compressed file.  When every member lies under
        one top-level ``package/`` directory that prefix is removed.

    Raises:
        PackageInvalid: with every member problem found (symlinks, hard links,
            devices, FIFOs, sparse files, bad paths, duplicates, case collisions), or
            with the collected problems plus the one limit or corruption problem
            (``archive.too_large``, ``archive.uncompressed_too_large``,
            ``archive.member_too_large``, ``archive.too_many_members``,
            ``archive.compression_ratio``, ``archive.truncated``,
            ``archive.trailing_data``, ``archive.not_gzip``, ``archive.corrupt``, ...)
            that stopped reading early.  No other exception escapes for bad input.
    """
    if isinstance(fileobj, bytes | bytearray | memoryview):
        fileobj = io.BytesIO(bytes(fileobj))
    inflater = _Inflater(fileobj, limits)
    reader = _TarReader(inflater, limits)
    steps: tuple[Callable[[], None], ...] = (reader.run, inflater.drain_zeros, inflater.finish)
    try:
        for step in steps:
            step()
    except _Stop as stop:
        raise PackageInvalid([*reader.problems, stop.problem]) from None
    except (MemoryError, RecursionError, ValueError, OverflowError) as exc:  # pragma: no cover
        # This is a last line of defence: the parser above is written so that no
        # input reaches it, but a reader facing hostile input must never crash.
        raise PackageInvalid(
            [
                *reader.problems,
                Problem("archive.corrupt", f"The archive could not be read ({exc}).", None),
            ]
        ) from None

    entries = reader.entries
    if _under_package_prefix(entries):
        entries = [
            _Entry(entry.path[len(PACKAGE_PREFIX) :], entry.is_dir, entry.content)
            for entry in entries
            if entry.path != "package"
        ]
    problems = reader.problems + _final_checks(entries)
    if problems:
        raise PackageInvalid(problems)
    return Archive(
        members={entry.path: entry.content for entry in entries if not entry.is_dir},
        directories={entry.path for entry in entries if entry.is_dir},
        sha256=inflater.sha256,
        size=inflater.compressed,
    )
