"""The log's Celery tasks: integrate new entries, e-mail the monitors (docs/operators.md, "The transparency log")."""

from __future__ import annotations

from celery import shared_task

from marketplace.celery import SIDE_EFFECT_TASK

from . import monitors, tree


@shared_task(**SIDE_EFFECT_TASK)
def log_integrate() -> int:
    """Integrate every appended entry (batch after batch), sign a checkpoint, write the files.

    Enqueued after the commit of every append; retried on transient errors (storage, database),
    never dropped: a later run integrates what an earlier one could not. Returns the tree size.
    """
    while True:
        done = tree.integrate()
        if done.after == done.before:
            return done.after


@shared_task(**SIDE_EFFECT_TASK)
def log_monitor_notify(entry_id: int) -> int:
    """E-mail every member of the publisher an entry names; returns how many addresses."""
    return monitors.entry_notify(entry_id)
