"""Watching a package: an e-mail to each watcher when a new release is published."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from marketplace import emails

from .models import Package, Release, Watch

logger = logging.getLogger(__name__)


def watch_create(*, package: Package, user: AbstractBaseUser) -> Watch:
    """Start watching ``package`` (idempotent); returns the watch."""
    try:
        with transaction.atomic():
            watch, _ = Watch.objects.get_or_create(package=package, user=user)
    except IntegrityError:
        # A concurrent request created it between the look-up and the insert.
        watch = Watch.objects.get(package=package, user=user)
    return watch


def watch_delete(*, package: Package, user: AbstractBaseUser) -> None:
    """Stop watching ``package`` (idempotent)."""
    Watch.objects.filter(package=package, user=user).delete()


def watch_toggle(*, package: Package, user: AbstractBaseUser) -> bool:
    """Watch ``package`` if ``user`` does not yet, else stop; returns True when now watching."""
    if Watch.objects.filter(package=package, user=user).exists():
        watch_delete(package=package, user=user)
        return False
    watch_create(package=package, user=user)
    return True


def release_watchers_send(*, release_id: int) -> int:
    """E-mail every watcher of a published release's package, one e-mail each (no watcher sees
    another's address); returns how many were sent.

    Run by the task ``catalog.tasks.release_watchers_notify``, which the service
    publishing a release enqueues on commit
    (``moderation.services.submission_approve``). A release yanked or not
    published by then is not announced.
    """
    release = Release.objects.select_related("package__publisher").get(pk=release_id)
    if release.published_at is None or release.yanked:
        return 0
    package = release.package
    recipients = list(
        Watch.objects.filter(package=package, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return 0
    context = {
        "release": release,
        "package": package,
        "url": settings.SITE_URL + package.get_absolute_url(),
    }
    subject = f"{package.display_name or package.identifier} {release.version} is out"
    sent = emails.send_each(
        template="catalog/emails/release_watchers", subject=subject, to=recipients, context=context
    )
    logger.info("Release %s: e-mailed %s watcher(s)", release, sent)
    return sent
