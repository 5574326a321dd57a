"""Celery tasks of the catalog: thin wrappers over its services."""

from __future__ import annotations

from celery import shared_task

from marketplace.celery import SIDE_EFFECT_TASK


@shared_task(ignore_result=True)
def installs_30d_refresh() -> int:
    """Recompute ``Package.installs_30d`` from the install records (Celery beat, daily)."""
    from . import stats

    return stats.installs_30d_refresh()


@shared_task(**SIDE_EFFECT_TASK)
def release_store_wrapped(release_id: int) -> bool:
    """Make the ArgentOS copy (``aos-ID/`` or ``package/``-wrapped) of a published release (idempotent); False when it has none."""
    from . import artifacts
    from .models import Release

    release = Release.objects.select_related("package").filter(pk=release_id).first()
    if release is None:
        return False
    return bool(artifacts.release_store_wrapped(release=release).wrapped_artifact)


@shared_task(**SIDE_EFFECT_TASK)
def release_watchers_notify(release_id: int) -> int:
    """E-mail the watchers of a newly published release's package; returns how many were sent."""
    from . import watch

    return watch.release_watchers_send(release_id=release_id)
