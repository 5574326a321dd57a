"""Moderation metrics: the computations at fixed times, and the admin page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from moderation import metrics
from moderation.constants import Action
from moderation.models import Decision
from moderation.roles import roles_ensure
from publishing.constants import SubmissionStatus
from publishing.models import Submission
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

#: A Monday, noon UTC.
NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def make(submit, build_pkg):
    """``make(n)``: ``n`` fresh submissions in review, of new packages."""
    counter = iter(range(1000))

    def make(n: int) -> list[Submission]:
        return [submit(build_pkg(id=f"metric-pkg-{next(counter)}")) for _ in range(n)]

    return make


def set_times(submission: Submission, **fields) -> None:
    Submission.objects.filter(pk=submission.pk).update(**fields)


@pytest.fixture
def group_reviewer(django_user_model):
    user = make_user(django_user_model, "gina", is_staff=True, first_name="Gina", last_name="Lee")
    user.groups.add(roles_ensure()["Reviewers"])
    return user


# --- queue sizes ---------------------------------------------------------------------------------


def test_queue_sizes(make):
    new_flagged, new_overdue, update_escalated, update_fresh, decided = make(5)
    set_times(new_flagged, flagged=True, queued_at=NOW - 2 * H)
    set_times(new_overdue, flagged=False, queued_at=NOW - 10 * D)  # due after 5 working days
    set_times(update_escalated, is_new_package=False, flagged=True, escalated=True, queued_at=NOW - 5 * D)
    set_times(update_fresh, is_new_package=False, flagged=False, queued_at=NOW - H)
    set_times(decided, status=SubmissionStatus.APPROVED, queued_at=NOW - 30 * D)

    sizes = metrics.queue_sizes(now=NOW)

    assert sizes == metrics.QueueSizes(
        awaiting=4, new_packages=2, updates=2, flagged=2, escalated=1, overdue=2
    )  # the escalated update was due after 2 working days


def test_queue_sizes_of_an_empty_queue():
    assert metrics.queue_sizes(now=NOW) == metrics.QueueSizes(0, 0, 0, 0, 0, 0)


# --- time to decision ----------------------------------------------------------------------------


def test_percentile_is_nearest_rank():
    assert metrics.percentile(range(1, 11), 90) == 9
    assert metrics.percentile([10, 1, 5], 90) == 10
    assert metrics.percentile([3, 1, 2], 50) == 2
    assert metrics.percentile([7], 90) == 7
    assert metrics.percentile([1, 2], 100) == 2
    with pytest.raises(ValueError):
        metrics.percentile([], 90)
    with pytest.raises(ValueError):
        metrics.percentile([1], 0)


def test_time_to_decision_over_human_decisions_in_30_days(make, reviewer):
    one, two, ten, replaced, automatic, too_old, undecided = make(7)
    for submission, wait in ((one, 1 * H), (two, 2 * H), (ten, 10 * H)):
        set_times(submission, status=SubmissionStatus.APPROVED, decided_by=reviewer,
                  queued_at=NOW - 5 * D, decided_at=NOW - 5 * D + wait)  # fmt: skip
    # A re-upload keeps the original's place: measured from queued_at, not created_at.
    set_times(replaced, status=SubmissionStatus.REJECTED, decided_by=reviewer, queued_at=NOW - 3 * D,
              created_at=NOW - 2 * D, decided_at=NOW - 3 * D + 4 * H)  # fmt: skip
    set_times(automatic, status=SubmissionStatus.APPROVED, decided_by=None, decided_at=NOW - D)
    set_times(too_old, status=SubmissionStatus.APPROVED, decided_by=reviewer,
              queued_at=NOW - 40 * D, decided_at=NOW - 31 * D)  # fmt: skip
    set_times(undecided, queued_at=NOW - 20 * D)

    times = metrics.time_to_decision(now=NOW)

    assert times.count == 4
    assert times.median == 3 * H  # of 1, 2, 4 and 10 hours
    assert times.p90 == 10 * H


def test_time_to_decision_without_data(make):
    make(1)

    assert metrics.time_to_decision(now=NOW) == metrics.DecisionTimes(count=0, median=None, p90=None)


# --- decisions per reviewer and outcome ----------------------------------------------------------


def log(action: str, reviewer, when: datetime) -> None:
    decision = Decision.objects.create(action=action, reviewer=reviewer)
    Decision.objects.filter(pk=decision.pk).update(created_at=when)


def test_decisions_per_outcome_and_reviewer(django_user_model, group_reviewer):
    other = make_user(django_user_model, "otto", is_staff=True)
    for action in (Action.APPROVE, Action.APPROVE, Action.REJECT, Action.FLAG):
        log(action, group_reviewer, NOW - 2 * D)
    log(Action.REQUEST_CHANGES, other, NOW - 29 * D)
    log(Action.APPROVE, None, NOW - H)  # the automatic policy
    log(Action.SUSPEND, group_reviewer, NOW - D)  # not a decision on a submission
    log(Action.APPROVE, other, NOW - 31 * D)  # outside the window
    log(Action.APPROVE, other, NOW + H)  # after now

    outcomes = metrics.decisions_per_outcome(now=NOW)
    rows = metrics.decisions_per_reviewer(now=NOW)

    assert outcomes == {"approve": 3, "reject": 1, "request-changes": 1, "flag": 1}
    assert [(r.reviewer, r.counts, r.total) for r in rows] == [
        ("Gina Lee", {"approve": 2, "reject": 1, "flag": 1}, 4),
        (metrics.AUTOMATIC, {"approve": 1}, 1),
        ("otto@example.com", {"request-changes": 1}, 1),
    ]
    assert rows[0].ordered_counts() == [2, 1, 0, 1]


def test_no_decisions():
    assert metrics.decisions_per_outcome(now=NOW) == {
        "approve": 0,
        "reject": 0,
        "request-changes": 0,
        "flag": 0,
    }
    assert metrics.decisions_per_reviewer(now=NOW) == []


# --- the queue over time -------------------------------------------------------------------------


def test_queue_size_series_counts_what_is_undecided_at_the_end_of_each_day(make):
    two_days, still_waiting, same_day, reupload, future, decided_today = make(6)
    # Day by day, Jun 26 to Jun 30 (today; its "end" is NOW).
    set_times(two_days, created_at=datetime(2025, 6, 26, 10, tzinfo=UTC), decided_at=datetime(2025, 6, 28, 9, tzinfo=UTC),
              status=SubmissionStatus.APPROVED)  # fmt: skip
    set_times(still_waiting, created_at=datetime(2025, 6, 27, 12, tzinfo=UTC))
    set_times(same_day, created_at=datetime(2025, 6, 29, 10, tzinfo=UTC), decided_at=datetime(2025, 6, 29, 15, tzinfo=UTC),
              status=SubmissionStatus.REJECTED)  # fmt: skip
    # A re-upload counts from its own upload, not from the original's place in the queue.
    set_times(
        reupload, queued_at=datetime(2025, 6, 1, tzinfo=UTC), created_at=datetime(2025, 6, 29, 23, tzinfo=UTC)
    )
    set_times(future, created_at=NOW + H)
    set_times(decided_today, created_at=datetime(2025, 6, 20, tzinfo=UTC), decided_at=NOW - H,
              status=SubmissionStatus.APPROVED)  # fmt: skip

    series = metrics.queue_size_series(now=NOW, days=5)

    assert series == [
        (date(2025, 6, 26), 2),  # two_days, decided_today
        (date(2025, 6, 27), 3),  # + still_waiting
        (date(2025, 6, 28), 2),  # two_days decided
        (date(2025, 6, 29), 3),  # + reupload; same_day came and went
        (date(2025, 6, 30), 2),  # decided_today decided; future not uploaded yet
    ]


def test_queue_size_series_defaults_to_30_days():
    series = metrics.queue_size_series(now=NOW)

    assert len(series) == 30
    assert series[0] == (date(2025, 6, 1), 0)
    assert series[-1] == (date(2025, 6, 30), 0)


def test_nice_step():
    assert [metrics.nice_step(n) for n in (0, 1, 4, 5, 9, 17, 40, 41, 130)] == [1, 1, 1, 2, 5, 5, 10, 20, 50]


def test_queue_chart_geometry():
    series = [(date(2025, 6, 1) + timedelta(days=i), v) for i, v in enumerate([0, 3, 7, 2, 5, 1, 4, 6])]

    chart = metrics.queue_chart(series, width=420, height=200, label_every=7)

    assert len(chart.bars) == 8
    assert chart.bars[0].height == 0 and chart.bars[0].y == chart.bottom
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.value == 7
    assert [t.label for t in chart.y_ticks] == ["0", "2", "4", "6", "8"]
    assert chart.y_ticks[-1].position == chart.top
    assert tallest.y == pytest.approx(chart.bottom - (chart.bottom - chart.top) * 7 / 8, abs=0.01)
    assert all(chart.left <= b.x and b.x + b.width <= chart.right for b in chart.bars)
    assert [t.label for t in chart.x_ticks] == ["Jun 1", "Jun 8"]
    assert "at most 7 (on 2025-06-03)" in chart.summary


def test_queue_chart_of_zeros_and_of_nothing():
    flat = metrics.queue_chart([(date(2025, 6, 1), 0), (date(2025, 6, 2), 0)])

    assert [t.label for t in flat.y_ticks] == ["0", "1"]
    assert all(b.height == 0 for b in flat.bars)
    assert metrics.queue_chart([]).summary == "No data."


# --- the page ------------------------------------------------------------------------------------

URL = reverse("moderation-metrics")


def test_the_page_renders_for_a_reviewer(client, group_reviewer, make):
    submission = make(1)[0]
    Decision.objects.create(action=Action.APPROVE, reviewer=group_reviewer, submission=submission)
    client.force_login(group_reviewer)

    response = client.get(URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>Moderation metrics |" in body
    assert (
        'role="img"' in body
        and '<title id="queue-chart-title">' in body
        and '<desc id="queue-chart-desc">' in body
    )
    assert "Submissions awaiting a decision" in body  # the y axis label
    assert body.count('<rect class="bar"') == 30
    assert "Gina Lee" in body
    assert response.context["sizes"].awaiting == 1
    assert 'id="site-name"' in body  # the admin's header


def test_the_admin_index_links_to_the_page(client, group_reviewer, django_user_model):
    client.force_login(group_reviewer)

    assert URL in client.get(reverse("admin:index")).content.decode()

    bare = make_user(django_user_model, "sam", is_staff=True)
    client.force_login(bare)
    assert URL not in client.get(reverse("admin:index")).content.decode()


def test_the_page_is_for_staff_who_may_see_submissions(client, user, django_user_model):
    assert client.get(URL).status_code == 302  # anonymous: to the admin login

    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

    client.force_login(make_user(django_user_model, "sam", is_staff=True))
    assert client.get(URL).status_code == 403
