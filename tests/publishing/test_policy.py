"""The outcome policy after the scan."""

import pytest

from publishing.policy import decide


@pytest.mark.parametrize(
    ("severities", "similar", "new", "verification", "publish", "flagged"),
    [
        ([], [], False, "verified", True, False),  # clean update from a verified publisher
        (["low", "info"], [], False, "partner", True, False),
        (["medium"], [], False, "verified", False, False),  # a medium finding waits for review
        ([], [], True, "partner", False, False),  # a new package always waits
        ([], [], False, "unverified", False, False),
        ([], [], False, "pending", False, False),
        (["high"], [], False, "partner", False, True),  # high or above flags
        (["critical"], [], True, "unverified", False, True),
        ([], ["weather"], True, "partner", False, True),  # look-alike identifier flags
    ],
)
def test_decide(severities, similar, new, verification, publish, flagged):
    outcome = decide(severities=severities, similar_to=similar, is_new_package=new, verification=verification)

    assert (outcome.publish, outcome.flagged) == (publish, flagged)
    assert bool(outcome.reasons) == flagged


def test_thresholds_are_settings(settings):
    settings.PUBLISH_FLAG_SEVERITY = "medium"
    settings.PUBLISH_AUTO_MIN_VERIFICATION = "trusted"

    assert decide(severities=["medium"], similar_to=[], is_new_package=False, verification="partner").flagged
    assert not decide(severities=[], similar_to=[], is_new_package=False, verification="verified").publish
