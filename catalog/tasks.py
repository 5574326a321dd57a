"""Celery tasks of the catalog: thin wrappers over its services."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def installs_30d_refresh() -> int:
    """Recompute ``Package.installs_30d`` from the install records (Celery beat, daily)."""
    from . import stats

    return stats.installs_30d_refresh()
