"""``scan``: run every check over every member of an inspected package.

Per member, in this order: the YARA rules (all members), the Python AST
checks (``.py``; only a validity check when a lexical prefilter shows no rule
can fire) or the line patterns (JavaScript, TypeScript, shell, and Python
members too large to parse), and the leaked-secret patterns (all members).
Everything runs on the bytes in memory; nothing is extracted, imported or
executed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from publishing.constants import Severity

from . import capabilities, python_ast, secrets, yara_rules
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
    findings: dict[tuple[str, str], Finding] = {}
    for path, data in inspection.members.items():
        member = Member(path=path, data=data, paths=paths)
        for hit in _member_hits(member, compiled, permissions):
            finding = _finding(member, hit)
            key = (finding.code, finding.path)
            if key not in findings or (finding.line or 0) < (findings[key].line or 0):
                findings[key] = finding
    return sorted(findings.values(), key=lambda f: (f.path, f.line or 0, f.code))


def _member_hits(member: Member, compiled: CompiledRules, permissions: tuple[str, ...]) -> list[Hit]:
    hits: list[Hit] = []
    checks = [
        ("YARA rules", lambda: yara_rules.match_member(compiled, member)),
        ("capability checks", lambda: _capability_hits(member, permissions)),
        ("secret patterns", lambda: secrets.find_secrets(member.data)),
    ]
    for label, check in checks:
        try:
            hits += check()
        except Exception:
            # A bug in one check must not let the package through unscanned, nor stop the others.
            logger.exception("Scanning %r with the %s failed.", member.path, label)
            hits.append(
                Hit("scan.internal_error", Severity.MEDIUM, f"The {label} could not check this member.")
            )
    return hits


def _capability_hits(member: Member, permissions: tuple[str, ...]) -> list[Hit]:
    if member.suffix == ".py" and len(member.data) <= python_ast.MAX_AST_BYTES:
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
