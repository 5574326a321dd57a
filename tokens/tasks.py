"""Celery tasks of the tokens app: thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def api_tokens_warn_expiring() -> int:
    """E-mail owners of API tokens that expire within a week (Celery beat, daily)."""
    from . import services

    return services.api_tokens_warn_expiring()
