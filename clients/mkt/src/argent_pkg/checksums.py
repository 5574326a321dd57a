"""Reading, writing and checking ``SHA256SUMS`` (docs/package-format.md, "Checksums").

The file lists every regular-file member except ``SHA256SUMS`` and ``SIGNATURE``,
one line each: 64 lowercase hex digits, two spaces, the normalised path, ``\\n``
(GNU ``sha256sum`` text format).  Writers sort lines by path, bytewise; readers
accept any order.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from .errors import WARNING, PackageInvalid, Problem

__all__ = [
    "SHA256SUMS",
    "SIGNATURE",
    "UNSUMMED",
    "check_sha256sums",
    "parse_sha256sums",
    "render_sha256sums",
    "sha256_hex",
]

SHA256SUMS = "SHA256SUMS"
SIGNATURE = "SIGNATURE"
# Members that SHA256SUMS never lists: itself, and the signature over it.
UNSUMMED = frozenset({SHA256SUMS, SIGNATURE})

# Member paths never hold control characters (docs/package-format.md, "Container"), so a carriage return
# left by a Windows editor makes the line invalid rather than part of a path.
_LINE = re.compile(r"([0-9a-f]{64})  ([^\x00-\x1f\x7f]+)")


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _line_problem(number: int, message: str, value: object = None) -> Problem:
    return Problem("checksums.invalid_line", f"Line {number} of SHA256SUMS {message}", SHA256SUMS, value)


def parse_sha256sums(data: bytes) -> dict[str, str]:
    """Parse the bytes of a ``SHA256SUMS`` file into ``{path: hex digest}``.

    Args:
        data: the exact bytes of the member.

    Returns:
        a dict from normalised member path to 64 lowercase hex digits, in file order.

    Raises:
        PackageInvalid: with one ``checksums.invalid_line`` problem per bad line (the
            message names the 1-based line number), ``checksums.duplicate_entry`` for
            a path listed twice, ``checksums.not_utf8`` when the file is not UTF-8,
            and ``checksums.invalid_line`` when the file is empty or its last line
            lacks the terminating ``\\n``.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PackageInvalid(
            [Problem("checksums.not_utf8", "SHA256SUMS is not valid UTF-8 text.", SHA256SUMS)]
        ) from None
    problems: list[Problem] = []
    entries: dict[str, str] = {}
    if not text:
        raise PackageInvalid([Problem("checksums.invalid_line", "SHA256SUMS is empty.", SHA256SUMS)])
    lines = text.split("\n")
    if lines[-1] != "":
        problems.append(_line_problem(len(lines), "does not end with a newline character.", lines[-1]))
    else:
        lines.pop()
    for number, line in enumerate(lines, start=1):
        match = _LINE.fullmatch(line)
        if match is None:
            problems.append(
                _line_problem(
                    number,
                    "is not '<64 lowercase hex digits><two spaces><path>'.",
                    line,
                )
            )
            continue
        digest, path = match.groups()
        if path in entries:
            problems.append(
                Problem(
                    "checksums.duplicate_entry",
                    f"Line {number} of SHA256SUMS lists a path that an earlier line lists.",
                    path,
                    path,
                )
            )
            continue
        entries[path] = digest
    if problems:
        raise PackageInvalid(problems)
    return entries


def render_sha256sums(members: Mapping[str, bytes]) -> bytes:
    """Return the ``SHA256SUMS`` bytes for ``members`` (path -> content).

    ``SHA256SUMS`` and ``SIGNATURE`` themselves are left out when present.  Lines are
    sorted bytewise by the UTF-8 encoding of the path and each ends with ``\\n``.
    Raises ``ValueError`` for a path containing a newline, which the format cannot
    express.
    """
    lines = []
    for path in sorted(members, key=lambda item: item.encode("utf-8")):
        if path in UNSUMMED:
            continue
        if "\n" in path or "\r" in path:
            raise ValueError(f"A member path cannot contain a line break: {path!r}")
        lines.append(f"{sha256_hex(members[path])}  {path}\n")
    return "".join(lines).encode("utf-8")


def check_sha256sums(members: Mapping[str, bytes]) -> list[Problem]:
    """Check the ``SHA256SUMS`` member against the other members (docs/package-format.md, "Checksums").

    Args:
        members: normalised path -> content of every regular-file member, including
            ``SHA256SUMS`` itself.

    Returns:
        every problem found, in this order: ``archive.missing_member`` when there is
        no ``SHA256SUMS``; the parse problems of :func:`parse_sha256sums`;
        ``checksums.self_entry`` (a warning, ``severity`` ``"warning"``) for a line
        listing ``SHA256SUMS`` itself, which is ignored (the ArgentOS CLI writes one
        when the source folder already held a ``SHA256SUMS``; docs/package-format.md,
        "Checksums"); ``checksums.unsummed_entry`` for a line listing ``SIGNATURE``; ``checksums.missing_member`` for a listed path that is not a
        regular-file member; ``checksums.mismatch`` for a wrong digest;
        ``checksums.unlisted_member`` for a member the file does not list.  A list with
        no error (every ``severity`` ``"warning"``, or empty) means the checksums are correct.  Never raises for bad input.
    """
    if SHA256SUMS not in members:
        return [
            Problem(
                "archive.missing_member",
                "The package has no SHA256SUMS file at its root.",
                SHA256SUMS,
            )
        ]
    try:
        listed = parse_sha256sums(members[SHA256SUMS])
    except PackageInvalid as exc:
        return list(exc.problems)
    problems: list[Problem] = []
    for path, digest in listed.items():
        if path == SHA256SUMS:
            # The ArgentOS CLI lists the SHA256SUMS it finds in the source folder: tolerated, never used.
            problems.append(
                Problem(
                    "checksums.self_entry",
                    "SHA256SUMS lists itself; that line is ignored. Leave SHA256SUMS out of its own list.",
                    path,
                    path,
                    severity=WARNING,
                )
            )
        elif path in UNSUMMED:
            problems.append(
                Problem(
                    "checksums.unsummed_entry",
                    f"SHA256SUMS must not list {path}.",
                    path,
                    path,
                )
            )
        elif path not in members:
            problems.append(
                Problem(
                    "checksums.missing_member",
                    "SHA256SUMS lists a file that is not in the package.",
                    path,
                    path,
                )
            )
        elif sha256_hex(members[path]) != digest:
            problems.append(
                Problem(
                    "checksums.mismatch",
                    "The file's SHA-256 does not match the one in SHA256SUMS; it was "
                    "changed after the checksums were made.",
                    path,
                    digest,
                )
            )
    for path in members:
        if path not in UNSUMMED and path not in listed:
            problems.append(
                Problem(
                    "checksums.unlisted_member",
                    "The file is in the package but not listed in SHA256SUMS.",
                    path,
                    path,
                )
            )
    return problems
