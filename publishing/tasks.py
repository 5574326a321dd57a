"""Celery tasks of the publishing app: thin wrappers over ``publishing.services``."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=180,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def submission_verify(self, submission_id: int) -> str:
    """Verify and scan submission ``submission_id``; idempotent by submission id.

    Returns the submission's status afterwards. Storage errors (``OSError``)
    are retried with backoff; a worker lost mid-task has the task redelivered.
    """
    from . import services
    from .models import Submission

    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:
        return "missing"
    return services.submission_verify(submission=submission).status
