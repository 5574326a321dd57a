"""The audit report: a score from 0 to 100 and a verdict, from a submission's findings.

The listing shows it as a badge (``templates/partials/audit_badge.html``).

Formula (monotone: one more finding never raises the score nor improves the verdict):

* ``score = max(0, 100 - sum(PENALTY[severity] for each finding))`` with
  :data:`PENALTY` = info 0, low 2, medium 10, high 30, critical 60 points;
  a severity outside that table costs as much as ``high``;
* ``verdict``:
  ``rejected`` when any finding is ``critical``; else ``certified`` when no
  finding is ``medium`` or above (nor of an unknown severity) and the score
  is 90 or more; else ``needs-review``.

A package without code (no member the scanner reads as code: ``capabilities.is_code``) that
would be certified gets the verdict ``no-code`` and no score instead: there was nothing to
scan, so a perfect score would claim more than the scan showed.

So up to five low findings still certify (score 90); six do not (88). One
medium finding gives 90 and ``needs-review``; a high one 70; a critical one
40 and ``rejected``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from publishing.constants import AuditVerdict, Severity

#: Points taken from 100 per finding, by severity.
PENALTY: dict[str, int] = {
    Severity.INFO.value: 0,
    Severity.LOW.value: 2,
    Severity.MEDIUM.value: 10,
    Severity.HIGH.value: 30,
    Severity.CRITICAL.value: 60,
}
#: The lowest score that may still be certified.
CERTIFIED_MIN_SCORE = 90
_BELOW_MEDIUM = frozenset({Severity.INFO.value, Severity.LOW.value})


class HasSeverity(Protocol):
    severity: str


@dataclass(frozen=True)
class AuditReport:
    """``score`` from 0 to 100 (points; ``None`` for ``no-code``) and ``verdict`` (an ``AuditVerdict`` value)."""

    score: int | None
    verdict: str


def audit(findings: Iterable[HasSeverity], *, has_code: bool = True) -> AuditReport:
    """Score ``findings`` (anything with a ``severity``: ``Finding`` or ``ScanFinding``); see the module docstring.

    ``has_code``: whether the package holds a member the scanner reads as code.
    """
    severities = [str(f.severity) for f in findings]
    score = max(0, 100 - sum(PENALTY.get(s, PENALTY[Severity.HIGH.value]) for s in severities))
    if Severity.CRITICAL.value in severities:
        verdict = AuditVerdict.REJECTED
    elif score >= CERTIFIED_MIN_SCORE and all(s in _BELOW_MEDIUM for s in severities):
        verdict = AuditVerdict.CERTIFIED
        if not has_code:
            return AuditReport(score=None, verdict=AuditVerdict.NO_CODE.value)
    else:
        verdict = AuditVerdict.NEEDS_REVIEW
    return AuditReport(score=score, verdict=verdict.value)
