"""Celery tasks of the TUF repository: thin wrappers over ``repository.services``."""

from __future__ import annotations

from celery import shared_task

from marketplace.celery import SIDE_EFFECT_TASK

from . import services


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

    Returns the new timestamp version, or 0 when nothing needed signing.
    """
    return services.refresh(renew=True).timestamp
