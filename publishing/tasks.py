"""Celery tasks of the publishing app: thin wrappers over the services.

Callers do ``from publishing import tasks`` and ``tasks.submission_verify.delay(pk)``.
"""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from marketplace.celery import SIDE_EFFECT_TASK, TRANSIENT_ERRORS


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=180,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def submission_verify(submission_id: int) -> str:
    """Verify, scan and apply the outcome policy to submission ``submission_id``.

    Idempotent by submission id. Returns the submission's status afterwards.
    Transient storage and database errors are retried with backoff; a worker
    lost mid-task has the task redelivered (``acks_late``); running out of
    time (120 s soft limit) hands the submission to a reviewer, flagged.
    """
    from . import services
    from .models import Submission

    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:
        return "missing"
    try:
        return services.submission_verify(submission=submission).status
    except SoftTimeLimitExceeded:
        return services.submission_scan_timed_out(submission=submission).status


@shared_task(ignore_result=True)
def submissions_sweep() -> int:
    """Enqueue again submissions whose verification was lost (Celery beat, every minute)."""
    from . import services

    return len(services.submissions_sweep())


@shared_task(**SIDE_EFFECT_TASK)
def submission_upload_notify(submission_id: int) -> int:
    """E-mail the publisher's members about upload ``submission_id``; retried on mail-server errors."""
    from . import services

    return services.submission_upload_notify(submission_id=submission_id)
