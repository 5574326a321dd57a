"""Problems and exceptions raised by the package-format library.

Every check in ``argent_pkg`` reports what is wrong as a :class:`Problem`.
Readers and validators collect every problem they can find and then raise one
:class:`PackageInvalid` carrying all of them, so an author sees every broken rule
at once (docs/package-format.md, "The manifest").

Problem codes are stable dotted strings: the part before the dot names the stage
(``archive``, ``checksums``, ``signature``, ``manifest``, ``package``) and the part
after it names the rule.  The server and the CLI key messages and documentation on
these codes, so codes are never renamed, only added.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ERROR", "WARNING", "FormatError", "PackageInvalid", "Problem", "short_value"]

ERROR = "error"
WARNING = "warning"

# Offending values are kept short so that a hostile 60 KiB string does not end up
# repeated in logs, API responses and e-mails.
_MAX_VALUE_CHARS = 200


def short_value(value: object) -> object:
    """Return ``value`` in a short, JSON-serialisable form for :attr:`Problem.value`.

    Strings longer than 200 characters are cut and marked with an ellipsis, bytes are
    shown as text with undecodable bytes escaped, and containers or other objects are
    replaced by their (shortened) ``repr``.  ``None``, booleans, integers and floats
    are returned unchanged.
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes):
        value = value.decode("utf-8", "backslashreplace")
    if not isinstance(value, str):
        value = repr(value)
    if len(value) > _MAX_VALUE_CHARS:
        value = value[: _MAX_VALUE_CHARS - 1] + "\u2026"
    return value


@dataclass(frozen=True)
class Problem:
    """One broken rule found in a package.

    Attributes:
        code: stable dotted code such as ``archive.symlink`` or ``manifest.id_invalid``.
        message: a plain English sentence telling the author what to change.
        field: the manifest field path (``tags[2]``, ``author.publicKey``) for manifest
            problems, the member path for archive and checksum problems, or ``None``
            when the problem concerns the package as a whole.
        value: the offending value, short and JSON-serialisable (see :func:`short_value`).
        severity: ``"error"`` (the package is rejected) or ``"warning"`` (shown to the
            author only).
    """

    code: str
    message: str
    field: str | None = None
    value: object = None
    severity: str = ERROR

    def __post_init__(self) -> None:
        if self.severity not in (ERROR, WARNING):
            raise ValueError(f"severity must be 'error' or 'warning', not {self.severity!r}")
        # The value is shortened here so that every producer gets it for free.
        object.__setattr__(self, "value", short_value(self.value))

    @property
    def is_error(self) -> bool:
        """``True`` when this problem makes the package invalid."""
        return self.severity == ERROR

    def as_dict(self) -> dict[str, object]:
        """Return the problem as a JSON-serialisable dict (for API responses)."""
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "value": self.value,
            "severity": self.severity,
        }

    def __str__(self) -> str:
        where = f" {self.field}" if self.field is not None else ""
        return f"{self.code}{where}: {self.message}"


class FormatError(Exception):
    """Base class of every error raised by ``argent_pkg``.

    Raised directly for problems that are not about a package's content, for
    example a malformed key file.  ``problems`` is always a list (possibly with one
    element) so callers can treat every ``FormatError`` alike.
    """

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems)


class PackageInvalid(FormatError):
    """A package, manifest or checksum file broke one or more rules of the spec.

    ``problems`` holds every error found (never just the first); ``warnings`` holds
    warnings found along the way, which callers may show as well.  ``str()`` lists
    every error on its own line.
    """

    def __init__(self, problems: Iterable[Problem], warnings: Iterable[Problem] = ()) -> None:
        problems = list(problems)
        if not problems:
            raise ValueError("PackageInvalid needs at least one problem")
        self.warnings: list[Problem] = list(warnings)
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"The package is invalid ({count} {noun}):"]
        lines.extend(f"- {problem}" for problem in problems)
        super().__init__("\n".join(lines), problems)

    @property
    def codes(self) -> list[str]:
        """The codes of :attr:`problems`, in order (handy in tests and logs)."""
        return [problem.code for problem in self.problems]
