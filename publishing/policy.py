"""The outcome policy: what happens to a submission once its checks are done.

Any finding at ``PUBLISH_FLAG_SEVERITY`` or above, or
an identifier that resembles another publisher's, flags the submission
(never auto-published); a new package waits for a reviewer; an update from a
publisher verified at ``PUBLISH_AUTO_MIN_VERIFICATION`` or above with no
finding above ``PUBLISH_AUTO_MAX_SEVERITY`` is published; anything else waits
for a reviewer. The thresholds are settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from catalog.constants import VerificationLevel

from .constants import SEVERITY_RANK

#: Verification levels in increasing order of trust.
VERIFICATION_ORDER = [
    VerificationLevel.UNVERIFIED,
    VerificationLevel.PENDING,
    VerificationLevel.VERIFIED,
    VerificationLevel.TRUSTED,
    VerificationLevel.PARTNER,
]


@dataclass(frozen=True)
class Outcome:
    """The policy's answer: publish now, or wait for a reviewer, flagged or not, and why."""

    publish: bool
    flagged: bool
    reasons: tuple[str, ...]


def decide(
    *, severities: Iterable[str], similar_to: Iterable[str], is_new_package: bool, verification: str
) -> Outcome:
    """Apply the outcome policy.

    Args:
        severities: the severities of the submission's findings.
        similar_to: identifiers of other publishers that the new identifier resembles.
        is_new_package: True when no release of the package was published yet.
        verification: the publisher's verification level.
    """
    severities = list(severities)
    similar_to = list(similar_to)
    flag_rank = SEVERITY_RANK[settings.PUBLISH_FLAG_SEVERITY]
    reasons = []
    if any(SEVERITY_RANK[s] >= flag_rank for s in severities):
        reasons.append(f"A finding of severity {settings.PUBLISH_FLAG_SEVERITY} or above.")
    if similar_to:
        reasons.append(f"The identifier resembles {', '.join(similar_to)} of another publisher.")
    if reasons:
        return Outcome(publish=False, flagged=True, reasons=tuple(reasons))
    trusted = VERIFICATION_ORDER.index(verification) >= VERIFICATION_ORDER.index(
        settings.PUBLISH_AUTO_MIN_VERIFICATION
    )
    clean = all(SEVERITY_RANK[s] <= SEVERITY_RANK[settings.PUBLISH_AUTO_MAX_SEVERITY] for s in severities)
    return Outcome(publish=not is_new_package and trusted and clean, flagged=False, reasons=())
