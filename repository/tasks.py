"""Celery tasks of the TUF repository: thin wrappers over ``repository.services``."""

from __future__ import annotations

import logging

from celery import shared_task

from marketplace.celery import SIDE_EFFECT_TASK

from . import services

logger = logging.getLogger(__name__)


@shared_task(**SIDE_EFFECT_TASK)
def tuf_refresh() -> list[int]:
    """Apply every pending change to the TUF metadata (``services.refresh``); returns the bins written.

    Enqueued on commit by the release publish and yank and the block confirm and lift
    transitions; retried on storage, database and broker errors. Idempotent: a run that finds
    nothing pending writes nothing, so a burst of N transitions writes each bin once.
    """
    return services.refresh().bins


@shared_task(**SIDE_EFFECT_TASK)
def tuf_timestamp_refresh() -> int:
    """Beat: apply what is pending and sign again what expires soon (timestamp, snapshot, bins).

    It also logs an error, each run, for an offline role (root, targets) that expires within 30
    days (``services.offline_roles_expiring``): only the operator can sign those again.

    Returns the new timestamp version, or 0 when nothing needed signing.
    """
    for role, expires in services.offline_roles_expiring():
        logger.error(
            "The TUF %s metadata expires at %s: rotate it with `python manage.py tuf_rotate %s` "
            "(docs/operators.md, TUF repository and its keys) before clients refuse the repository.",
            role,
            expires.isoformat(),
            role,
        )
    return services.refresh(renew=True).timestamp
