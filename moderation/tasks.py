"""Celery tasks of the moderation app: thin wrappers over the services.

Callers do ``from moderation import tasks`` and ``tasks.retro_hunt_run.delay(pk)``.
"""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from marketplace.celery import SIDE_EFFECT_TASK, TRANSIENT_ERRORS

from . import notifications


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=6 * 3600,
    time_limit=6 * 3600 + 300,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def retro_hunt_run(hunt_id: int) -> str:
    """Run or continue retro-hunt ``hunt_id``; returns its status afterwards.

    Idempotent: a done hunt is left alone, and a rerun (redelivery after a
    lost worker, a retry after a storage error) continues from the hunt's
    progress without duplicating matches or reports. Running out of time
    marks the hunt failed; staff can resume it in the admin.
    """
    from . import retrohunt
    from .models import RetroHunt

    hunt = RetroHunt.objects.filter(pk=hunt_id).first()
    if hunt is None:
        return "missing"
    try:
        return retrohunt.retro_hunt_run(hunt=hunt).status
    except SoftTimeLimitExceeded:
        return retrohunt.retro_hunt_fail(
            hunt=hunt, error="The retro-hunt ran out of time; resume it to continue."
        ).status


@shared_task(**SIDE_EFFECT_TASK)
def decision_notify(decision_id: int) -> int:
    """E-mail the publisher's members about audit entry ``decision_id``; retried on mail-server errors."""
    return notifications.decision_notify(decision_id=decision_id)


@shared_task(**SIDE_EFFECT_TASK)
def report_notify(report_id: int) -> int:
    """E-mail the reviewers about new report ``report_id``."""
    return notifications.report_notify(report_id=report_id)


@shared_task(**SIDE_EFFECT_TASK)
def verification_request_notify(request_id: int) -> int:
    """E-mail the reviewers about new verification request ``request_id``."""
    return notifications.verification_request_notify(request_id=request_id)


@shared_task(**SIDE_EFFECT_TASK)
def verification_decision_notify(request_id: int) -> int:
    """E-mail the publisher's members the decision on verification request ``request_id``."""
    return notifications.verification_decision_notify(request_id=request_id)
