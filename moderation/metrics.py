"""Moderation metrics, as plain functions of the database and a ``now``.

Every function takes ``now`` (an aware datetime) so that results are
reproducible; windows are the ``days`` (default 30) before ``now``, i.e.
``(now - days, now]``. ``moderation.views.metrics`` renders them.

* :func:`queue_sizes`: what awaits a decision now (``publishing.queue.awaiting()``), split by
  new packages and updates, flagged, escalated and overdue.
* :func:`time_to_decision`: median and 90th percentile (nearest rank) of the time from a
  submission's place in the queue (``queued_at``, else ``created_at``) to ``decided_at``, over
  human decisions (``decided_by`` set) made in the window; the same measure as
  ``publishing.queue.expected_wait``.
* :func:`decisions_per_outcome`, :func:`decisions_per_reviewer`: audit-log entries
  (``moderation.models.Decision``) of the actions in :data:`DECISION_ACTIONS` written in the
  window; the automatic policy's (no reviewer) count as :data:`AUTOMATIC`.
* :func:`queue_size_series`: for each of the last ``days`` days (in the current time zone,
  today included), how many submissions had been uploaded and not decided at the end of that
  day (at ``now`` for today). It counts from ``created_at``, not ``queued_at``: a re-upload
  after "changes requested" keeps the original's place (``queued_at``) but exists only from its
  own upload, and counting it from ``queued_at`` would count the package twice, and while the
  author was fixing it.
* :func:`queue_chart`: the geometry of an SVG bar chart of a series.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from catalog.stats import nice_step
from publishing import queue
from publishing.models import Submission

from .constants import Action
from .models import Decision

#: Days back the 30-day figures cover.
WINDOW_DAYS = 30
#: Audit-log actions that are decisions on a submission.
DECISION_ACTIONS = (Action.APPROVE, Action.REJECT, Action.REQUEST_CHANGES, Action.FLAG)
#: The reviewer label of decisions the automatic policy took.
AUTOMATIC = "Automatic policy"


# --- the queue now -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSizes:
    awaiting: int
    new_packages: int
    updates: int
    flagged: int
    escalated: int
    overdue: int


def queue_sizes(*, now: datetime) -> QueueSizes:
    """Submissions awaiting a decision at ``now``: in total, by kind of queue, flagged, escalated, overdue."""
    waiting = queue.awaiting()
    counts = waiting.aggregate(
        total=Count("pk"),
        new=Count("pk", filter=Q(is_new_package=True)),
        flagged=Count("pk", filter=Q(flagged=True)),
        escalated=Count("pk", filter=Q(escalated=True)),
    )
    overdue = sum(
        queue.is_overdue(s, now=now)
        for s in waiting.only("pk", "status", "is_new_package", "queued_at", "created_at")
    )
    return QueueSizes(
        awaiting=counts["total"],
        new_packages=counts["new"],
        updates=counts["total"] - counts["new"],
        flagged=counts["flagged"],
        escalated=counts["escalated"],
        overdue=overdue,
    )


# --- time to decision ----------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct``-th percentile of ``values`` by the nearest-rank method (a value of the data).

    Raises:
        ValueError: ``values`` is empty or ``pct`` is not in (0, 100].
    """
    if not values:
        raise ValueError("no values")
    if not 0 < pct <= 100:
        raise ValueError(f"percentile {pct} is not in (0, 100]")
    ordered = sorted(values)
    return ordered[math.ceil(pct / 100 * len(ordered)) - 1]


@dataclass(frozen=True)
class DecisionTimes:
    count: int
    median: timedelta | None
    p90: timedelta | None


def time_to_decision(*, now: datetime, days: int = WINDOW_DAYS) -> DecisionTimes:
    """Median and 90th percentile from queueing to decision, for human decisions in the window."""
    rows = Submission.objects.filter(
        decided_by__isnull=False,
        decided_at__gt=now - timedelta(days=days),
        decided_at__lte=now,
    ).values_list("queued_at", "created_at", "decided_at")
    waits = [(decided - (queued or created)).total_seconds() for queued, created, decided in rows]
    if not waits:
        return DecisionTimes(count=0, median=None, p90=None)
    return DecisionTimes(
        count=len(waits),
        median=timedelta(seconds=statistics.median(waits)),
        p90=timedelta(seconds=percentile(waits, 90)),
    )


# --- decisions in the audit log --------------------------------------------------------------------


def _decisions(*, now: datetime, days: int):
    return Decision.objects.filter(
        action__in=DECISION_ACTIONS,
        created_at__gt=now - timedelta(days=days),
        created_at__lte=now,
    )


def decisions_per_outcome(*, now: datetime, days: int = WINDOW_DAYS) -> dict[str, int]:
    """Action (every one of :data:`DECISION_ACTIONS`, in that order) → entries in the window."""
    counts = dict(_decisions(now=now, days=days).values_list("action").annotate(n=Count("pk")).order_by())
    return {str(action): counts.get(action, 0) for action in DECISION_ACTIONS}


@dataclass(frozen=True)
class ReviewerDecisions:
    reviewer: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def ordered_counts(self) -> list[int]:
        """The counts in the order of :data:`DECISION_ACTIONS` (for a table row)."""
        return [self.counts.get(str(a), 0) for a in DECISION_ACTIONS]


def _user_label(user) -> str:
    return user.get_full_name() or user.email or user.get_username()


def decisions_per_reviewer(*, now: datetime, days: int = WINDOW_DAYS) -> list[ReviewerDecisions]:
    """One row per reviewer (and :data:`AUTOMATIC`) with their decisions per action; most first."""
    rows = _decisions(now=now, days=days).values_list("reviewer", "action").annotate(n=Count("pk")).order_by()
    per_reviewer: dict[int | None, dict[str, int]] = {}
    for reviewer_id, action, n in rows:
        per_reviewer.setdefault(reviewer_id, {})[str(action)] = n
    users = get_user_model().objects.in_bulk([pk for pk in per_reviewer if pk is not None])
    result = [
        ReviewerDecisions(
            reviewer=AUTOMATIC if pk is None else _user_label(users[pk]) if pk in users else f"user #{pk}",
            counts=counts,
        )
        for pk, counts in per_reviewer.items()
    ]
    return sorted(result, key=lambda r: (-r.total, r.reviewer))


# --- the queue over time -------------------------------------------------------------------------


def queue_size_series(*, now: datetime, days: int = WINDOW_DAYS) -> list[tuple[date, int]]:
    """``(day, submissions uploaded and not decided at the end of that day)`` for the last ``days`` days."""
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    ends = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
        ends.append((day, min(end, now)))
    first_end = ends[0][1]
    spans = list(
        Submission.objects.filter(created_at__lte=now)
        .filter(Q(decided_at__isnull=True) | Q(decided_at__gt=first_end))
        .values_list("created_at", "decided_at")
    )
    return [
        (day, sum(1 for created, decided in spans if created <= end and (decided is None or decided > end)))
        for day, end in ends
    ]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    value: int


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    """An SVG bar chart's geometry, in user units; the plot is the box (left, top)-(right, bottom)."""

    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    summary: str

    @property
    def y_label_x(self) -> float:
        """Where the y tick labels end (just left of the axis)."""
        return self.left - 6

    @property
    def x_label_y(self) -> float:
        """The baseline of the x tick labels (below the axis)."""
        return self.bottom + 16

    @property
    def axis_title_y(self) -> float:
        """The baseline of the x axis title (the bottom edge)."""
        return self.height - 4


def queue_chart(
    series: Sequence[tuple[date, int]], *, width: int = 720, height: int = 260, label_every: int = 7
) -> Chart:
    """Bar chart geometry for :func:`queue_size_series` (one bar per day, oldest on the left).

    The x axis labels every ``label_every``-th day counted back from the last, so the last day
    is always labelled.
    """
    left, right, top, bottom = 48.0, width - 16.0, 16.0, height - 44.0
    values = [v for _, v in series]
    step = nice_step(max(values, default=0))
    y_max = max(step, math.ceil(max(values, default=0) / step) * step)
    plot_h, plot_w = bottom - top, right - left
    slot = plot_w / max(1, len(series))
    bars, x_ticks = [], []
    for i, (day, value) in enumerate(series):
        h = plot_h * value / y_max
        x = left + i * slot
        bars.append(Bar(x=round(x + slot * 0.1, 2), y=round(bottom - h, 2), width=round(slot * 0.8, 2),
                        height=round(h, 2), day=day, value=value))  # fmt: skip
        if (len(series) - 1 - i) % label_every == 0:
            x_ticks.append(Tick(position=round(x + slot / 2, 2), label=f"{day:%b} {day.day}"))
    y_ticks = [
        Tick(position=round(bottom - plot_h * v / y_max, 2), label=str(v)) for v in range(0, y_max + 1, step)
    ]
    if series:
        peak_day, peak = max(series, key=lambda dv: (dv[1], dv[0]))
        summary = (
            f"Submissions awaiting a decision at the end of each day from {series[0][0]:%Y-%m-%d} "
            f"to {series[-1][0]:%Y-%m-%d}: {series[0][1]} on the first day, {series[-1][1]} on the last, "
            f"at most {peak} (on {peak_day:%Y-%m-%d})."
        )
    else:
        summary = "No data."
    return Chart(width=width, height=height, left=left, top=top, right=right, bottom=bottom, bars=bars,
                 y_ticks=y_ticks, x_ticks=x_ticks, summary=summary)  # fmt: skip
