"""What the reviewer's submission page shows: the archive's files, one member, and the diff of an update.

Pure functions over bytes and model rows; nothing is extracted to or cached on
disk. Archives are read in memory with ``argent_pkg.read_archive``:
a submission's raw upload from the ``quarantine`` storage, a published
release's artifact from the ``packages`` storage.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from argent_pkg import PackageInvalid, read_archive
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from pygments.lexers import get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

#: A text member larger than this is shown truncated.
MAX_TEXT_BYTES = 1024 * 1024
#: A text member is shown up to this many lines.
MAX_TEXT_LINES = 20_000
#: Members larger than this (either side) are not diffed line by line.
MAX_DIFF_BYTES = 256 * 1024
#: At most this many diff lines are shown per member.
MAX_DIFF_LINES = 2_000
#: Bytes looked at to decide text or binary.
_SNIFF_BYTES = 8192

# --- members ----------------------------------------------------------------------------

_MAGIC: list[tuple[bytes, str]] = [
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "PE executable (Windows)"),
    (b"\xfe\xed\xfa\xce", "Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "Mach-O universal binary or Java class"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
]


def detect_type(data: bytes) -> str:
    """The type of a binary member from its magic number, else ``"binary"``."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    return "binary"


def is_text(data: bytes) -> bool:
    """True when ``data`` looks like UTF-8 text: no NUL byte and valid UTF-8 in its first 8 KiB."""
    head = data[:_SNIFF_BYTES]
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sniff boundary is still text.
        return len(data) > _SNIFF_BYTES and exc.start >= len(head) - 3
    return True


@dataclass(frozen=True)
class Member:
    """One regular file of an archive, as the file browser lists it."""

    path: str
    size: int
    text: bool

    @property
    def type(self) -> str:
        return "text" if self.text else "binary"


def list_members(members: dict[str, bytes]) -> list[Member]:
    """The archive's regular files sorted by path, with size and text/binary."""
    return [Member(path, len(data), is_text(data)) for path, data in sorted(members.items())]


@dataclass
class MemberView:
    """One member as the member page shows it: numbered text lines, or a binary's size, type and hash."""

    path: str
    size: int
    sha256: str
    text: bool
    type: str
    lines: list[tuple[int, str]] = field(default_factory=list)
    truncated: bool = False


def numbered_lines(
    data: bytes, *, max_bytes: int = MAX_TEXT_BYTES, max_lines: int = MAX_TEXT_LINES
) -> tuple[list[tuple[int, str]], bool]:
    """``[(1, "first line"), ...]`` of UTF-8 text (undecodable bytes replaced) and whether it was cut.

    The text is not escaped here: templates escape it when rendering.
    """
    truncated = len(data) > max_bytes
    lines = data[:max_bytes].decode("utf-8", "replace").splitlines()
    if len(lines) > max_lines:
        lines, truncated = lines[:max_lines], True
    return list(enumerate(lines, start=1)), truncated


def _token_class(ttype) -> str:
    """Pygments' short CSS class of a token type (its nearest ancestor with one): what
    ``HtmlFormatter`` writes and static/css/pygments.css styles."""
    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    return STANDARD_TYPES[ttype]


def highlight_lines(path: str, lines: list[tuple[int, str]]) -> list[tuple[int, SafeString]]:
    """``lines`` (as :func:`numbered_lines` gives them) as escaped HTML with Pygments' token classes.

    The lexer is chosen by the file name (plain text when Pygments knows none); each line is
    its own markup, so a token that spans lines (a docstring) is split at the line ends. Only
    class names, never ``style`` attributes: the Content-Security-Policy allows styles from
    static files only (static/css/pygments.css styles the classes).
    """
    try:
        lexer = get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False, ensurenl=False)
    out: list[list[tuple[str, str]]] = [[]]
    for ttype, value in lexer.get_tokens("\n".join(text for _, text in lines)):
        css = _token_class(ttype)
        for i, piece in enumerate(value.split("\n")):
            if i:
                out.append([])
            if piece:
                out[-1].append((css, piece))
    out += [[]] * (len(lines) - len(out))
    return [
        (
            number,
            format_html_join(
                "",
                "{}",
                (
                    (format_html('<span class="{}">{}</span>', css, piece) if css else piece,)
                    for css, piece in out[i]
                ),
            ),
        )
        for i, (number, _) in enumerate(lines)
    ]


def describe_member(path: str, data: bytes) -> MemberView:
    """What the member page shows for ``path``."""
    text = is_text(data)
    view = MemberView(
        path=path,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        text=text,
        type="text" if text else detect_type(data),
    )
    if text:
        lines, view.truncated = numbered_lines(data)
        view.lines = highlight_lines(path, lines)
    return view


# --- reading archives -----------------------------------------------------------------


def _read_field_file(file_field) -> dict[str, bytes] | None:
    """The members of the archive stored in ``file_field``, or None when missing or unreadable."""
    if not file_field:
        return None
    try:
        with file_field.open("rb") as fileobj:
            return read_archive(fileobj).members
    except (OSError, PackageInvalid):
        return None


def submission_members(submission) -> dict[str, bytes] | None:
    """The members of a submission's raw upload (quarantine storage), in memory."""
    return _read_field_file(submission.upload)


def release_members(release) -> dict[str, bytes] | None:
    """The members of a published release's artifact (packages storage), in memory."""
    return _read_field_file(release.artifact)


def previous_release(submission):
    """The package's last published release by ``published_at``, other than this submission's."""
    return (
        submission.package.releases.published()
        .exclude(pk=submission.release_id)
        .select_related("signing_key")
        .order_by("-published_at", "-pk")
        .first()
    )


# --- the diff of an update --------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    key: str
    change: str  # "added", "removed" or "changed"
    old: str
    new: str


def _show(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def manifest_changes(old: dict, new: dict) -> list[FieldChange]:
    """Top-level manifest keys added, removed or changed, in key order, values shown as JSON."""
    changes = []
    for key in sorted(set(old) | set(new)):
        if key not in old:
            changes.append(FieldChange(key, "added", "", _show(new[key])))
        elif key not in new:
            changes.append(FieldChange(key, "removed", _show(old[key]), ""))
        elif old[key] != new[key]:
            changes.append(FieldChange(key, "changed", _show(old[key]), _show(new[key])))
    return changes


def permission_changes(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """``(added, removed)`` permissions, each in manifest order."""
    return [p for p in new if p not in old], [p for p in old if p not in new]


@dataclass
class FileDiff:
    path: str
    change: str  # "added", "removed", "changed", "binary changed", "too large"
    #: ``(css class, line)`` with class ``add``, ``del``, ``hunk``, ``meta`` or ``ctx``.
    lines: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False


def _line_class(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "meta"
    if line.startswith("@@"):
        return "hunk"
    if line.startswith("+"):
        return "add"
    if line.startswith("-"):
        return "del"
    return "ctx"


def unified_diff(path: str, old: bytes, new: bytes) -> FileDiff:
    """The unified diff of one text member, capped at ``MAX_DIFF_LINES`` lines."""
    if len(old) > MAX_DIFF_BYTES or len(new) > MAX_DIFF_BYTES:
        return FileDiff(path, "too large")
    lines = list(
        difflib.unified_diff(
            old.decode("utf-8", "replace").splitlines(),
            new.decode("utf-8", "replace").splitlines(),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
            lineterm="",
        )
    )
    truncated = len(lines) > MAX_DIFF_LINES
    return FileDiff(
        path, "changed", [(_line_class(line), line) for line in lines[:MAX_DIFF_LINES]], truncated
    )


def member_diffs(old: dict[str, bytes], new: dict[str, bytes]) -> list[FileDiff]:
    """Members added, removed and changed between two archives (signature files left out)."""
    ignored = {"SHA256SUMS", "SIGNATURE"}
    diffs = []
    for path in sorted((set(old) | set(new)) - ignored):
        if path not in old:
            diffs.append(FileDiff(path, "added"))
        elif path not in new:
            diffs.append(FileDiff(path, "removed"))
        elif old[path] != new[path]:
            if is_text(old[path]) and is_text(new[path]):
                diffs.append(unified_diff(path, old[path], new[path]))
            else:
                diffs.append(FileDiff(path, "binary changed"))
    return diffs


@dataclass
class ReleaseDiff:
    """An update compared with the package's last published release."""

    previous: Any  # catalog.models.Release
    manifest: list[FieldChange]
    permissions_added: list[str]
    permissions_removed: list[str]
    key_changed: bool
    files: list[FileDiff] | None  # None when an archive could not be read


def diff_against_previous(submission, members: dict[str, bytes] | None) -> ReleaseDiff | None:
    """Compare ``submission`` (with its archive ``members``) with the last published release, if any."""
    previous = previous_release(submission)
    if previous is None:
        return None
    release = submission.release
    added, removed = permission_changes(previous.permissions or [], release.permissions or [])
    old_members = release_members(previous)
    files = member_diffs(old_members, members) if old_members is not None and members is not None else None
    return ReleaseDiff(
        previous=previous,
        manifest=manifest_changes(previous.manifest or {}, release.manifest or {}),
        permissions_added=added,
        permissions_removed=removed,
        key_changed=previous.key_fingerprint != release.key_fingerprint,
        files=files,
    )
