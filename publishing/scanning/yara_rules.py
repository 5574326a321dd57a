"""YARA rules: compiling staff-edited rule sources, the starter set, and matching one member.

A rule's id (``ScanRule.name``) becomes the YARA namespace of its source, and
findings are reported as ``yara.<name>``. The starter rules live in
``publishing/rules/<name>.yar``, one rule per file; their ``meta`` holds
``description``, ``severity`` and ``reference`` (where the signature comes
from). Data migration ``0003_starter_scan_rules`` loaded a frozen copy into
the ``ScanRule`` table, which is what production scans use.

Every rule may use the external variables in :data:`EXTERNALS`, computed per
member by :meth:`publishing.scanning.base.Member.externals`. Two rule ``meta``
keys tell the scanner where a condition-only match is: ``offset`` (a fixed
byte offset) and ``offset_external`` (the name of an external holding it).

Speed: YARA scans at roughly 100-300 MB/s when every string has a good atom
(3+ fixed bytes); one regular expression made only of character classes
slows the whole set about tenfold, and YARA reports it as a warning
("may slow down scanning"). :func:`validate_rule_source`, used by the admin,
treats that warning as an error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yara

from .base import Hit, Member

logger = logging.getLogger(__name__)

#: Directory of the starter rule files.
RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
#: Seconds YARA may spend on one member before it gives up.
MATCH_TIMEOUT_SECONDS = 60
#: External variables every rule may use, with the types YARA compiles them as.
EXTERNALS: dict[str, object] = {
    "filename": "",  # the member's base name
    "filepath": "",  # the member's path in the package
    "extension": "",  # lower-case suffix with its dot, e.g. ".js"
    "is_text": False,  # no NUL byte in the first 8 KiB
    "base64_run_offset": -1,  # byte offset of the first run of 1,024+ base64 characters, or -1
    "long_line_offset": -1,  # .js/.mjs/.cjs only: byte offset of the first 1,000+ byte line, or -1
    "has_source": False,  # .js/.mjs/.cjs only: a source map or unminified source is in the package
}


class RuleLike(Protocol):
    """What :func:`compile_rules` needs of a rule: a ``ScanRule`` row or a :class:`RuleSpec`."""

    name: str
    source: str
    severity: str
    description: str


@dataclass(frozen=True)
class RuleSpec:
    """A rule outside the database: a starter file, or one built in a test."""

    name: str
    source: str
    severity: str
    description: str = ""


@dataclass
class CompiledRules:
    """Rules compiled together, one YARA namespace per rule id.

    Attributes:
        rules: the compiled set, or ``None`` when no rule compiled.
        specs: rule id -> (severity, description) as given.
        meta: rule id -> the ``meta`` of its YARA rule(s), merged.
        errors: rule id -> compile error, for the rules that were skipped.
    """

    rules: yara.Rules | None
    specs: dict[str, tuple[str, str]] = field(default_factory=dict)
    meta: dict[str, dict[str, object]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _compile(source: str, *, error_on_warning: bool) -> yara.Rules:
    # ``includes=False``: a rule written in the admin must not read files on the server.
    return yara.compile(source=source, externals=EXTERNALS, includes=False, error_on_warning=error_on_warning)


def _error_text(exc: yara.Error) -> str:
    if isinstance(exc, yara.WarningError) and exc.args and isinstance(exc.args[0], list):
        return "; ".join(str(w) for w in exc.args[0])
    return str(exc)


def validate_rule_source(source: str) -> str:
    """Compile one rule's source strictly and return the YARA rule identifier.

    Raises ``ValueError`` with YARA's message when the source does not
    compile, when YARA warns (a slow string, for instance), or when it does
    not hold exactly one rule.
    """
    try:
        compiled = _compile(source, error_on_warning=True)
    except yara.Error as exc:
        raise ValueError(_error_text(exc)) from exc
    identifiers = [rule.identifier for rule in compiled]
    if len(identifiers) != 1:
        raise ValueError(f"The source must hold exactly one rule; it holds {len(identifiers)}.")
    return identifiers[0]


def compile_rules(rules: Iterable[RuleLike], *, error_on_warning: bool = False) -> CompiledRules:
    """Compile ``rules`` into one set; a rule that does not compile is logged and skipped.

    Each rule is first compiled on its own, so one broken rule (saved before
    validation existed, or written straight to the database) costs only
    itself. Warnings are logged; with ``error_on_warning`` they count as
    errors (the tests use this for the starter set).
    """
    sources: dict[str, str] = {}
    result = CompiledRules(rules=None)
    for rule in rules:
        try:
            single = _compile(rule.source, error_on_warning=error_on_warning)
        except yara.Error as exc:
            result.errors[rule.name] = _error_text(exc)
            logger.error(
                "Scan rule %r does not compile and is skipped: %s", rule.name, result.errors[rule.name]
            )
            continue
        for warning in getattr(single, "warnings", None) or ():
            logger.warning("Scan rule %r: %s", rule.name, warning)
        sources[rule.name] = rule.source
        result.specs[rule.name] = (str(rule.severity), rule.description or rule.name)
        merged: dict[str, object] = {}
        for compiled_rule in single:
            merged.update(compiled_rule.meta)
        result.meta[rule.name] = merged
    if sources:
        result.rules = yara.compile(sources=sources, externals=EXTERNALS, includes=False)
    return result


def load_starter_rules(directory: Path = RULES_DIR) -> list[RuleSpec]:
    """The starter rules from ``directory/*.yar``, sorted by name; severity and description from ``meta``."""
    specs = []
    for path in sorted(directory.glob("*.yar")):
        source = path.read_text(encoding="utf-8")
        meta: dict[str, object] = {}
        for rule in _compile(source, error_on_warning=False):
            meta.update(rule.meta)
        specs.append(
            RuleSpec(
                name=path.stem,
                source=source,
                severity=str(meta.get("severity", "medium")),
                description=str(meta.get("description", "")),
            )
        )
    return specs


def match_member(compiled: CompiledRules, member: Member) -> list[Hit]:
    """One hit per rule that matches ``member``, located at its earliest string match.

    A match that YARA cannot finish in :data:`MATCH_TIMEOUT_SECONDS` is a
    ``scan.yara_timeout`` hit (medium): a member made to exhaust the scanner
    must not pass unseen.
    """
    if compiled.rules is None:
        return []
    externals = member.externals()
    try:
        matches = compiled.rules.match(data=member.data, externals=externals, timeout=MATCH_TIMEOUT_SECONDS)
    except yara.TimeoutError:
        return [
            Hit(
                "scan.yara_timeout",
                "medium",
                f"The YARA rules did not finish within {MATCH_TIMEOUT_SECONDS} s on this member.",
            )
        ]
    hits: dict[str, Hit] = {}
    for match in matches:
        name = match.namespace
        if name in hits or name not in compiled.specs:
            continue
        severity, description = compiled.specs[name]
        offsets = [instance.offset for string in match.strings for instance in string.instances]
        meta = compiled.meta.get(name, {})
        if offsets:
            offset: int | None = min(offsets)
        elif isinstance(meta.get("offset_external"), str) and isinstance(
            externals.get(str(meta["offset_external"])), int
        ):
            offset = int(externals[str(meta["offset_external"])])  # type: ignore[call-overload]
        elif isinstance(meta.get("offset"), int):
            offset = int(meta["offset"])  # type: ignore[call-overload]
        else:
            offset = None
        if offset is not None and offset < 0:
            offset = None
        hits[name] = Hit(f"yara.{name}", severity, description, offset=offset)
    return list(hits.values())
