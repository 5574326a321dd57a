"""``scan``: run every check over every member of an inspected package.

Per member, in this order: the YARA rules (all members), the Python AST
checks (``.py``; only a validity check when a lexical prefilter shows no rule
can fire) or the line patterns (JavaScript, TypeScript, shell, and Python
members too large to parse), and the leaked-secret patterns (all members).
Everything runs on the bytes in memory; nothing is extracted, imported or
executed. In a package with much Python, a second process runs the Python
checks of a share of the members meanwhile (:mod:`.parallel`); the findings
are the same.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from publishing.constants import Severity

from . import capabilities, parallel, python_ast, secrets, yara_rules
from .base import MAX_EXCERPT_CHARS, Finding, Hit, Member
from .yara_rules import CompiledRules, RuleLike

logger = logging.getLogger(__name__)

_cache_lock = threading.Lock()
_cache: tuple[tuple[tuple[int, Any], ...], CompiledRules] | None = None


def clear_rule_cache() -> None:
    """Forget the compiled database rules (the next scan compiles them again)."""
    global _cache
    with _cache_lock:
        _cache = None


def database_rules() -> CompiledRules:
    """The enabled ``ScanRule`` rows, compiled; cached in-process by their ``(pk, updated_at)``.

    One small query per scan checks the key, so a rule edited, enabled or
    disabled in the admin (``save()`` bumps ``updated_at``) takes effect on the
    next scan in every worker. A rule that does not compile is logged and skipped.
    """
    global _cache
    from publishing.models import ScanRule  # Django only here: the checks themselves stay plain.

    enabled = ScanRule.objects.filter(enabled=True).order_by("pk")
    key = tuple(enabled.values_list("pk", "updated_at"))
    with _cache_lock:
        if _cache is not None and _cache[0] == key:
            return _cache[1]
    rows = list(enabled.only("pk", "name", "source", "severity", "description", "updated_at"))
    compiled = yara_rules.compile_rules(rows)
    with _cache_lock:
        _cache = (tuple((row.pk, row.updated_at) for row in rows), compiled)
    return compiled


def _resolve_rules(rules: CompiledRules | Iterable[RuleLike] | None) -> CompiledRules:
    if rules is None:
        return database_rules()
    if isinstance(rules, CompiledRules):
        return rules
    return yara_rules.compile_rules(rules)


def scan(inspection, *, rules: CompiledRules | Iterable[RuleLike] | None = None) -> list[Finding]:
    """Scan the members of an inspected package.

    Args:
        inspection: a ``argent_pkg.Inspection`` (``.manifest.permissions``
            and ``.members``, path -> bytes).
        rules: the YARA rules: ``None`` for the enabled ``ScanRule`` rows (cached,
            see :func:`database_rules`), a :class:`CompiledRules`, or rule-like
            objects (``name``, ``source``, ``severity``, ``description``) to compile.

    Returns:
        At most one finding per check (code) per member, located at the first
        match, sorted by path, line and code: the same package always gives
        the same list. Secrets never appear unmasked.
    """
    compiled = _resolve_rules(rules)
    permissions = tuple(inspection.manifest.permissions)
    paths = frozenset(inspection.members)
    members = [Member(path=path, data=data, paths=paths) for path, data in inspection.members.items()]
    # Much Python: a share of the Python members is checked in a second process meanwhile.
    python = [index for index, member in enumerate(members) if _parsed(member)]
    share: set[int] = set()
    second = None
    if parallel.worth_a_second_process(sum(len(members[index].data) for index in python)):
        share = parallel.second_process_share(members, python)
        second = parallel.SecondProcess(
            _capability_checks, [members[index] for index in sorted(share)], permissions
        )
    capability: dict[int, list[Hit]] = {}
    other: list[tuple[list[Hit], list[Hit]]] = []
    try:
        for index, member in enumerate(members):
            other.append(
                (
                    _checked("YARA rules", member, lambda m=member: yara_rules.match_member(compiled, m)),
                    _checked("secret patterns", member, lambda m=member: secrets.find_secrets(m.data)),
                )
            )
            if index not in share:
                capability[index] = _capability_checks(member, permissions)
        if second is not None:
            capability.update(zip(sorted(share), second.results(), strict=True))
    finally:
        if second is not None:
            second.close()  # interrupted (the task's time limit): the second process ends too

    findings: dict[tuple[str, str], Finding] = {}
    for index, member in enumerate(members):
        rule_hits, secret_hits = other[index]
        for hit in [*rule_hits, *capability[index], *secret_hits]:
            finding = _finding(member, hit)
            key = (finding.code, finding.path)
            if key not in findings or (finding.line or 0) < (findings[key].line or 0):
                findings[key] = finding
    return sorted(findings.values(), key=lambda f: (f.path, f.line or 0, f.code))


def _checked(label: str, member: Member, check: Callable[[], list[Hit]]) -> list[Hit]:
    """``check()``'s hits; if it raises, a ``scan.internal_error`` hit instead (logged)."""
    try:
        return check()
    except Exception:
        # A bug in one check must not let the package through unscanned, nor stop the others.
        logger.exception("Scanning %r with the %s failed.", member.path, label)
        return [Hit("scan.internal_error", Severity.MEDIUM, f"The {label} could not check this member.")]


def _parsed(member: Member) -> bool:
    """Whether the capability checks of ``member`` read it as Python (parser and syntax tree)."""
    return member.suffix == ".py" and len(member.data) <= python_ast.MAX_AST_BYTES


def _capability_checks(member: Member, permissions: tuple[str, ...]) -> list[Hit]:
    """The capability checks of one member; a check that raises is a ``scan.internal_error`` hit."""
    return _checked("capability checks", member, lambda: _capability_hits(member, permissions))


def _capability_hits(member: Member, permissions: tuple[str, ...]) -> list[Hit]:
    if _parsed(member):
        return python_ast.check_python(member.data, permissions)
    return capabilities.regex_hits(member.data, member.suffix, permissions)


def _finding(member: Member, hit: Hit) -> Finding:
    """Locate ``hit`` in ``member``: ``line`` and a masked ``PATH:LINE: TEXT`` excerpt for text members."""
    message = hit.message
    line, text = hit.line, None
    if member.is_text:
        if hit.offset is not None:
            line, text = member.line_at(hit.offset)
        elif line is not None:
            text = member.line_text(line)
    else:
        line = None
        if hit.offset is not None:
            message = f"{message} (at byte offset {hit.offset})"
    excerpt = ""
    if text is not None and line is not None:
        shown = secrets.mask_secrets(text.strip())[:MAX_EXCERPT_CHARS]
        excerpt = f"{member.path}:{line}: {shown}"
    return Finding(
        code=hit.code,
        severity=hit.severity,
        message=message,
        path=member.path,
        line=line,
        excerpt=excerpt,
    )
