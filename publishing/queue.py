"""The moderation queue: order, due dates, an author's position and the expected wait.

Due dates: ``MODERATION_DUE_WORKING_DAYS_UPDATE`` working days for
an update, ``MODERATION_DUE_WORKING_DAYS_NEW`` for a new package, counted
from the submission's place in the queue (``queued_at``, kept when an author
answers "changes requested" with a new upload). Working days are Monday to Friday.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from publishing.constants import SubmissionStatus
from publishing.models import Submission

#: Statuses of submissions waiting for a reviewer.
AWAITING = (SubmissionStatus.IN_REVIEW,)
#: Days back over which the expected wait is measured.
WAIT_WINDOW_DAYS = 30


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` working days (Monday to Friday), same time of day."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def due_at(submission: Submission) -> datetime:
    """When a reviewer should have decided: 2 working days for updates, 5 for new packages (settings)."""
    days = (
        settings.MODERATION_DUE_WORKING_DAYS_NEW
        if submission.is_new_package
        else settings.MODERATION_DUE_WORKING_DAYS_UPDATE
    )
    return add_working_days(submission.queued_at or submission.created_at, days)


def is_overdue(submission: Submission, *, now: datetime | None = None) -> bool:
    return submission.status in AWAITING and due_at(submission) < (now or timezone.now())


def awaiting() -> QuerySet[Submission]:
    """Submissions waiting for a decision, oldest place in the queue first."""
    return (
        Submission.objects.filter(status__in=AWAITING)
        .annotate(queue_time=Coalesce(F("queued_at"), F("created_at")))
        .order_by("queue_time", "pk")
    )


def position(submission: Submission) -> int | None:
    """1-based place of ``submission`` in its queue (new packages, or updates); None when not waiting."""
    if submission.status not in AWAITING:
        return None
    mine = submission.queued_at or submission.created_at
    ahead = awaiting().filter(is_new_package=submission.is_new_package).filter(queue_time__lt=mine).count()
    return ahead + 1


def expected_wait(*, is_new_package: bool, now: datetime | None = None) -> timedelta | None:
    """Median time from queueing to decision over the last 30 days for that queue, or None without data."""
    now = now or timezone.now()
    decided = Submission.objects.filter(
        is_new_package=is_new_package,
        decided_at__gte=now - timedelta(days=WAIT_WINDOW_DAYS),
        decided_by__isnull=False,
    ).values_list("queued_at", "created_at", "decided_at")
    waits = [(decided_at - (queued or created)).total_seconds() for queued, created, decided_at in decided]
    return timedelta(seconds=statistics.median(waits)) if waits else None
