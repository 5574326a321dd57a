"""``publishing.scanning.audit``: the documented, monotone score and verdict."""

from __future__ import annotations

import itertools

import pytest

from publishing.scanning import AuditReport, Finding, audit
from publishing.scanning.audit import PENALTY

SEVERITIES = ["info", "low", "medium", "high", "critical"]


def findings(*severities: str) -> list[Finding]:
    return [Finding(code=f"x.{i}", severity=s, message="m") for i, s in enumerate(severities)]


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ((), AuditReport(100, "certified")),
        (("info",) * 50, AuditReport(100, "certified")),
        (("low",) * 5, AuditReport(90, "certified")),
        (("low",) * 6, AuditReport(88, "needs-review")),
        (("medium",), AuditReport(90, "needs-review")),
        (("high",), AuditReport(70, "needs-review")),
        (("critical",), AuditReport(40, "rejected")),
        (("high",) * 4, AuditReport(0, "needs-review")),
        (("critical", "critical"), AuditReport(0, "rejected")),
        (("info", "low", "medium", "high"), AuditReport(58, "needs-review")),
        (("weird",), AuditReport(70, "needs-review")),  # unknown severities cost as much as high
    ],
)
def test_audit_formula(severities, expected):
    assert audit(findings(*severities)) == expected


def test_penalties_are_the_documented_ones():
    assert PENALTY == {"info": 0, "low": 2, "medium": 10, "high": 30, "critical": 60}


def test_audit_accepts_anything_with_a_severity():
    class Row:
        severity = "medium"

    assert audit([Row()]) == AuditReport(90, "needs-review")
    assert audit(iter(findings("low"))) == AuditReport(98, "certified")


VERDICT_ORDER = {"rejected": 0, "needs-review": 1, "certified": 2}


@pytest.mark.parametrize("extra", SEVERITIES)
def test_one_more_finding_never_improves_the_report(extra):
    for size in range(4):
        for combo in itertools.combinations_with_replacement(SEVERITIES, size):
            before, after = audit(findings(*combo)), audit(findings(*combo, extra))
            assert 0 <= after.score <= before.score <= 100
            assert VERDICT_ORDER[after.verdict] <= VERDICT_ORDER[before.verdict]


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ((), AuditReport(None, "no-code")),
        (("low",), AuditReport(None, "no-code")),
        (("medium",), AuditReport(90, "needs-review")),  # a finding in a data file still counts
        (("critical",), AuditReport(40, "rejected")),
    ],
)
def test_a_package_without_code_is_not_given_a_perfect_score(severities, expected):
    assert audit(findings(*severities), has_code=False) == expected
