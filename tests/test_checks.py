"""``check --deploy`` warns when two-factor authentication is not required (marketplace/checks.py)."""

import pytest
from django.core.checks import run_checks


def ids() -> list[str]:
    return sorted(m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("marketplace."))


@pytest.mark.parametrize(
    ("staff", "publishing", "expected"),
    [
        (True, True, []),
        (False, True, ["marketplace.W001"]),
        (True, False, ["marketplace.W002"]),
        (False, False, ["marketplace.W001", "marketplace.W002"]),
    ],
)
def test_deploy_checks_warn_when_two_factor_is_off(settings, staff, publishing, expected):
    settings.MFA_REQUIRED_FOR_STAFF = staff
    settings.MFA_REQUIRED_FOR_PUBLISHING = publishing
    assert ids() == expected


def test_only_deploy_checks_look_at_two_factor(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    assert not [m for m in run_checks() if m.id.startswith("marketplace.")]
