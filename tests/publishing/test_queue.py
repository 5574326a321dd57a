"""Queue place, due dates and the expected wait an author sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from moderation import services
from moderation.templatetags.moderation_tags import duration_words
from publishing import queue
from publishing.models import Submission

pytestmark = pytest.mark.django_db


def test_add_working_days_skips_weekends():
    friday = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    assert queue.add_working_days(friday, 1) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert queue.add_working_days(friday, 5) == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_due_dates_and_overdue(submit, build_pkg, settings):
    submission = submit(build_pkg())
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    Submission.objects.filter(pk=submission.pk).update(queued_at=monday)
    submission.refresh_from_db()

    assert queue.due_at(submission) == monday + timedelta(days=7)  # 5 working days for a new package
    assert not queue.is_overdue(submission, now=monday + timedelta(days=6))
    assert queue.is_overdue(submission, now=monday + timedelta(days=8))
    submission.is_new_package = False
    assert queue.due_at(submission) == monday + timedelta(days=2)


def test_position_counts_the_same_queue_oldest_first(submit, build_pkg):
    first = submit(build_pkg(id="first-pkg"))
    second = submit(build_pkg(id="second-pkg"))

    assert (queue.position(first), queue.position(second)) == (1, 2)
    assert list(queue.awaiting()) == [first, second]


def test_answer_to_changes_requested_keeps_the_place(submit, build_pkg, reviewer):
    older = submit(build_pkg())
    other = submit(build_pkg(id="other-pkg"))
    services.submission_request_changes(submission=older, reviewer=reviewer, note="Add a README section.")

    answer = submit(build_pkg(version="1.0.1"))

    assert answer.replaces == older
    assert answer.queued_at == older.queued_at
    assert queue.position(answer) == 1 and queue.position(other) == 2


def test_expected_wait_is_the_median_of_human_decisions(submit, build_pkg, reviewer):
    now = timezone.now()
    for hours, identifier in [(2, "a-pkg"), (10, "b-pkg"), (30, "c-pkg")]:
        submission = submit(build_pkg(id=identifier))
        services.submission_approve(submission=submission, reviewer=reviewer)
        Submission.objects.filter(pk=submission.pk).update(
            queued_at=now - timedelta(hours=hours), decided_at=now
        )

    assert queue.expected_wait(is_new_package=True, now=now) == timedelta(hours=10)
    assert queue.expected_wait(is_new_package=False, now=now) is None


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(seconds=5), "1 minute"),
        (timedelta(minutes=40), "40 minutes"),
        (timedelta(hours=5, minutes=3), "5 hours"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=2, hours=4), "2 days 4 hours"),
    ],
)
def test_duration_words(delta, words):
    assert duration_words(delta) == words


def test_author_sees_place_and_expected_wait(client, author, submit, build_pkg):
    submission = submit(build_pkg())
    client.force_login(author.user)

    body = client.get(submission.get_absolute_url()).content.decode()

    assert "Place in the queue:</strong> 1 among new packages" in body
    assert "No decisions in the last 30 days" in body
