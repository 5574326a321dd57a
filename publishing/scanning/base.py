"""Shared types of the scanners: the :class:`Finding` they report and the :class:`Member` they read.

Plain Python: no Django models, no settings. Severities are the strings of
``publishing.constants.Severity`` (``info`` < ``low`` < ``medium`` < ``high`` < ``critical``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath

#: A member whose first this many bytes hold no NUL byte is read as text.
TEXT_SNIFF_BYTES = 8192
#: Excerpts keep at most this many characters of the matching line.
MAX_EXCERPT_CHARS = 200

_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#: ``bytes.translate`` tables that turn a run search into a plain substring search (about 1 GB/s).
_BASE64_TABLE = bytes(0x41 if b in _BASE64_ALPHABET else 0x2E for b in range(256))
_NOT_NEWLINE_TABLE = bytes(0x0A if b == 0x0A else 0x78 for b in range(256))


@dataclass(frozen=True)
class Finding:
    """One scan result.

    Attributes:
        code: stable identifier, e.g. ``scan.undeclared_process`` or ``yara.reverse_shell``.
        severity: ``info``, ``low``, ``medium``, ``high`` or ``critical``.
        message: one or two sentences for the author and the reviewer.
        path: the archive member, or ``""`` for the package as a whole.
        line: 1-based line of the first match in a text member, else ``None``.
        excerpt: ``PATH:LINE: TEXT`` with TEXT the stripped line, at most 200
            characters and with secrets masked; ``""`` for binary members.
    """

    code: str
    severity: str
    message: str
    path: str = ""
    line: int | None = None
    excerpt: str = ""

    def __post_init__(self) -> None:
        # ``Severity`` members are ``str`` subclasses; store the plain value.
        object.__setattr__(self, "severity", str(self.severity))


@dataclass(frozen=True)
class Hit:
    """What a checker found before it becomes a :class:`Finding`: a location by byte ``offset`` or ``line``."""

    code: str
    severity: str
    message: str
    offset: int | None = None
    line: int | None = None


def declares(permissions: tuple[str, ...] | list[str], permission: str) -> bool:
    """Whether ``permissions`` declare ``permission`` itself or a scoped form ``permission:...``."""
    return any(p == permission or p.startswith(permission + ":") for p in permissions)


@dataclass
class Member:
    """One archive member as the scanners see it: its path, its bytes and derived facts.

    ``paths`` holds every member path of the package (to find a source map
    beside a minified file).
    """

    path: str
    data: bytes = field(repr=False)
    paths: frozenset[str] = field(default=frozenset(), repr=False)

    @cached_property
    def suffix(self) -> str:
        """Lower-case extension with its dot (``.js``), or ``""``."""
        return PurePosixPath(self.path).suffix.lower()

    @cached_property
    def is_text(self) -> bool:
        """True when the first 8 KiB hold no NUL byte."""
        return b"\x00" not in self.data[:TEXT_SNIFF_BYTES]

    @cached_property
    def base64_run_offset(self) -> int:
        """Byte offset of the first run of 1,024+ base64 characters, or -1."""
        return self.data.translate(_BASE64_TABLE).find(b"A" * 1024)

    @cached_property
    def long_line_offset(self) -> int:
        """Byte offset of the first line of 1,000+ bytes in a text member, or -1."""
        if not self.is_text:
            return -1
        return self.data.translate(_NOT_NEWLINE_TABLE).find(b"x" * 1000)

    @cached_property
    def has_source(self) -> bool:
        """Whether a source map or an unminified source for this (JavaScript) member is in the package.

        Accepted: ``PATH.map``; ``NAME.js``/``.ts`` beside ``NAME.min.js``; a
        ``sourceMappingURL`` comment naming a member in the same directory or
        an inline ``data:`` source map.
        """
        pure = PurePosixPath(self.path)
        name = pure.name
        stem = name[: -len(".min" + pure.suffix)] if name.endswith(".min" + pure.suffix) else pure.stem
        candidates = {self.path + ".map"}
        if stem != pure.stem:  # NAME.min.js
            candidates |= {str(pure.with_name(stem + ext)) for ext in (pure.suffix, ".ts", ".tsx")}
            candidates.add(str(pure.with_name(stem + pure.suffix + ".map")))
        else:
            candidates |= {str(pure.with_name(stem + ext)) for ext in (".ts", ".tsx")}
        if candidates & self.paths:
            return True
        marker = self.data.rfind(b"sourceMappingURL=")
        if marker < 0:
            return False
        target = self.data[marker + len("sourceMappingURL=") :].split(maxsplit=1)
        if not target:
            return False
        url = target[0].decode("utf-8", "replace")
        return url.startswith("data:") or str(pure.parent / url) in self.paths

    def externals(self) -> dict[str, object]:
        """The YARA external variables for this member (see ``yara_rules.EXTERNALS``)."""
        is_script = self.suffix in (".js", ".mjs", ".cjs")
        return {
            "filename": PurePosixPath(self.path).name,
            "filepath": self.path,
            "extension": self.suffix,
            "is_text": self.is_text,
            "base64_run_offset": self.base64_run_offset,
            "long_line_offset": self.long_line_offset if is_script else -1,
            "has_source": self.has_source if is_script else False,
        }

    def line_at(self, offset: int) -> tuple[int, str]:
        """The 1-based line number and the text of the line that holds byte ``offset``."""
        offset = max(0, min(offset, len(self.data)))
        number = self.data.count(b"\n", 0, offset) + 1
        start = self.data.rfind(b"\n", 0, offset) + 1
        end = self.data.find(b"\n", offset)
        # Decode at most a little more than an excerpt needs (a minified line can be megabytes).
        end = len(self.data) if end < 0 else end
        raw = self.data[start : min(end, start + 4 * MAX_EXCERPT_CHARS + 64)]
        return number, raw.decode("utf-8", "replace")

    def line_text(self, number: int) -> str:
        """The text of 1-based line ``number`` (``""`` when out of range)."""
        lines = self._lines
        return lines[number - 1] if 0 < number <= len(lines) else ""

    @cached_property
    def _lines(self) -> list[str]:
        text = self.data.decode("utf-8", "replace")
        return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
