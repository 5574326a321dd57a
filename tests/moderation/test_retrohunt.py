"""Retro-hunts: one rule over every published release, with progress, reports and safe reruns."""

from __future__ import annotations

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.storage import storages

from moderation import retrohunt, tasks
from moderation.constants import Action
from moderation.models import Decision, Report, RetroHunt, RetroHuntMatch
from moderation.services import DecisionError
from publishing.models import ScanRule

pytestmark = pytest.mark.django_db

MARKER = b"retro-hunt-marker-4711"
RULE_SOURCE = """
rule retro_marker
{
    meta:
        description = "The marker of a test campaign"
    strings:
        $marker = "retro-hunt-marker-4711"
    condition:
        $marker
}
"""


@pytest.fixture
def rule():
    return ScanRule.objects.create(
        name="retro-marker", description="Test campaign marker", source=RULE_SOURCE, severity="high"
    )


@pytest.fixture
def releases(publish, build_pkg):
    """Three published packages; ``bad-connector`` carries the marker in two members."""
    bad_members = {
        "notes/first.txt": b"line one\nthe " + MARKER + b" is here\n",
        "notes/second.txt": MARKER + b"\n",
    }
    return {
        "good": publish(build_pkg(id="good-connector")).release,
        "bad": publish(build_pkg(bad_members, id="bad-connector")).release,
        "other": publish(build_pkg(id="other-connector")).release,
    }


def _start(rule, reviewer, capture, severity="high") -> RetroHunt:
    with capture(execute=True):
        hunt = retrohunt.retro_hunt_start(rule=rule, report_severity=severity, reviewer=reviewer)
    hunt.refresh_from_db()
    return hunt


def test_a_hunt_finds_the_matching_release_and_reports_its_package(
    rule, releases, reviewer, django_capture_on_commit_callbacks
):
    hunt = _start(rule, reviewer, django_capture_on_commit_callbacks)

    assert (hunt.status, hunt.total, hunt.done, hunt.matches, hunt.progress) == ("done", 3, 3, 2, 100)
    assert hunt.finished_at is not None and hunt.started_by == reviewer
    found = {(m.release, m.path, m.line) for m in RetroHuntMatch.objects.filter(hunt=hunt)}
    assert found == {(releases["bad"], "notes/first.txt", 2), (releases["bad"], "notes/second.txt", 1)}
    first = RetroHuntMatch.objects.get(path="notes/first.txt")
    assert first.excerpt == "notes/first.txt:2: the retro-hunt-marker-4711 is here"
    [report] = Report.objects.all()
    assert (report.package, report.release, report.reason, report.reporter, report.retro_hunt) == (
        releases["bad"].package,
        releases["bad"],
        "malware",
        None,
        hunt,
    )
    assert "retro-marker" in report.description and not report.quarantined
    logged = Decision.objects.get(action=Action.RETRO_HUNT)
    assert logged.reviewer == reviewer and "retro-marker" in logged.note


def test_a_rerun_continues_without_duplicates(rule, releases, reviewer, django_capture_on_commit_callbacks):
    hunt = _start(rule, reviewer, django_capture_on_commit_callbacks)
    # As if the worker died after the second release: the task is delivered again.
    RetroHunt.objects.filter(pk=hunt.pk).update(status="running", done=1)

    assert tasks.retro_hunt_run(hunt.pk) == "done"

    hunt.refresh_from_db()
    assert (hunt.done, hunt.matches) == (3, 2)
    assert RetroHuntMatch.objects.count() == 2 and Report.objects.count() == 1
    assert tasks.retro_hunt_run(hunt.pk) == "done"  # A finished hunt is left alone.
    assert tasks.retro_hunt_run(10**6) == "missing"


def test_a_storage_error_stops_the_hunt_where_it_was_and_a_rerun_finishes_it(
    rule, releases, reviewer, monkeypatch
):
    hunt = retrohunt.retro_hunt_start(rule=rule, report_severity="high", reviewer=reviewer)
    packages = storages["packages"]
    real_open = packages.open
    calls = []

    def flaky_open(name, mode="rb"):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("storage unavailable")
        return real_open(name, mode)

    monkeypatch.setattr(packages, "open", flaky_open)
    with pytest.raises(OSError, match="storage unavailable"):
        retrohunt.retro_hunt_run(hunt=hunt)
    hunt.refresh_from_db()
    assert (hunt.status, hunt.done, hunt.progress) == ("running", 1, 33)

    retrohunt.retro_hunt_run(hunt=hunt)

    hunt.refresh_from_db()
    assert (hunt.status, hunt.done, hunt.matches) == ("done", 3, 2)
    assert len(calls) == 4  # The first release was not read again.
    assert Report.objects.count() == 1


def test_matches_below_the_threshold_are_not_reported(
    rule, releases, reviewer, django_capture_on_commit_callbacks
):
    hunt = _start(rule, reviewer, django_capture_on_commit_callbacks, severity="critical")

    assert hunt.matches == 2
    assert not Report.objects.exists()


def test_a_release_that_cannot_be_read_is_skipped(
    rule, releases, reviewer, django_capture_on_commit_callbacks
):
    with storages["packages"].open(releases["good"].artifact.name, "wb") as artifact:
        artifact.write(b"not a package")

    hunt = _start(rule, reviewer, django_capture_on_commit_callbacks)

    assert (hunt.status, hunt.done, hunt.matches) == ("done", 3, 2)


def test_start_refuses_a_broken_rule_an_unknown_severity_and_a_second_hunt(rule, reviewer):
    broken = ScanRule.objects.create(name="broken", description="x", source="rule broken { condition: nope }")
    with pytest.raises(DecisionError, match="does not compile"):
        retrohunt.retro_hunt_start(rule=broken, report_severity="high", reviewer=reviewer)
    with pytest.raises(DecisionError, match="Unknown severity"):
        retrohunt.retro_hunt_start(rule=rule, report_severity="severe", reviewer=reviewer)

    retrohunt.retro_hunt_start(rule=rule, report_severity="high", reviewer=reviewer)  # Queued, not run.
    with pytest.raises(DecisionError, match="queued or running already"):
        retrohunt.retro_hunt_start(rule=rule, report_severity="high", reviewer=reviewer)


def test_a_rule_broken_after_the_start_fails_the_hunt(rule, reviewer):
    hunt = retrohunt.retro_hunt_start(rule=rule, report_severity="high", reviewer=reviewer)
    ScanRule.objects.filter(pk=rule.pk).update(source="rule broken { condition: nope }")

    hunt = retrohunt.retro_hunt_run(hunt=hunt)

    assert hunt.status == "failed" and "does not compile" in hunt.error


def test_running_out_of_time_fails_the_hunt_and_resume_finishes_it(
    rule, releases, reviewer, monkeypatch, django_capture_on_commit_callbacks
):
    hunt = retrohunt.retro_hunt_start(rule=rule, report_severity="high", reviewer=reviewer)

    def out_of_time(**kwargs):
        raise SoftTimeLimitExceeded()

    with monkeypatch.context() as patch:
        patch.setattr(retrohunt, "retro_hunt_run", out_of_time)
        assert tasks.retro_hunt_run(hunt.pk) == "failed"
    hunt.refresh_from_db()
    assert "ran out of time" in hunt.error

    with django_capture_on_commit_callbacks(execute=True):
        retrohunt.retro_hunt_resume(hunt=hunt, reviewer=reviewer)

    hunt.refresh_from_db()
    assert (hunt.status, hunt.done, hunt.error) == ("done", 3, "")
    assert Decision.objects.filter(action=Action.RETRO_HUNT).count() == 2
    with pytest.raises(DecisionError, match="is done"):
        retrohunt.retro_hunt_resume(hunt=hunt, reviewer=reviewer)


# --- admin ---------------------------------------------------------------------------------------------------


def test_admin_starts_a_hunt_and_shows_its_progress(
    client, rule, releases, reviewer, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    changelist = "/admin/moderation/retrohunt/"
    assert "Start a retro-hunt" in client.get(changelist).content.decode()
    assert "retro-marker" in client.get(f"{changelist}start/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{changelist}start/", {"rule": rule.pk, "report_severity": "high"})

    hunt = RetroHunt.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{changelist}{hunt.pk}/change/"
    page = client.get(response["Location"]).content.decode()
    assert "100%" in page and "notes/first.txt" in page and 'http-equiv="refresh"' not in page
    listing = client.get(changelist).content.decode()
    assert "<progress" in listing and "100% (3/3)" in listing

    # A second start while one is queued shows the refusal; a running hunt's pages refresh themselves.
    RetroHunt.objects.filter(pk=hunt.pk).update(status="running", done=1)
    response = client.post(f"{changelist}start/", {"rule": rule.pk, "report_severity": "high"})
    assert "queued or running already" in response.content.decode()
    assert 'http-equiv="refresh"' in client.get(f"{changelist}{hunt.pk}/change/").content.decode()
    assert 'http-equiv="refresh"' in client.get(changelist).content.decode()


def test_admin_resumes_a_failed_hunt(client, rule, releases, reviewer, django_capture_on_commit_callbacks):
    hunt = retrohunt.retro_hunt_start(rule=rule, report_severity="high", reviewer=reviewer)
    retrohunt.retro_hunt_fail(hunt=hunt, error="boom")
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/moderation/retrohunt/", {"action": "resume", "_selected_action": [hunt.pk]}, follow=True
        )

    assert "Retro-hunts resumed: 1." in response.content.decode()
    hunt.refresh_from_db()
    assert hunt.status == "done"
