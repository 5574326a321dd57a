"""Packages of any kind, straight in the database, for the plan and install-cap tests."""

from __future__ import annotations

import itertools

from django.utils import timezone

from catalog.constants import ListingStatus
from catalog.models import Category, Kind, Package, Release

_counter = itertools.count(1)


def kind_package(author, kind: str, identifier: str | None = None, *, versions=("1.0.0",)) -> Package:
    """A published package of ``kind`` with published ``versions`` (latest last) of ``author``'s publisher."""
    identifier = identifier or f"{kind}-{next(_counter)}"
    package = Package.objects.create(
        identifier=identifier,
        display_name=identifier.replace("-", " ").title(),
        publisher=author.publisher,
        kind=Kind.objects.get(slug=kind),
        category=Category.objects.order_by("pk").first(),
        status=ListingStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    for version in versions:
        major, minor, patch = (int(part) for part in version.split("."))
        release = Release.objects.create(
            package=package,
            version=version,
            version_major=major,
            version_minor=minor,
            version_patch=patch,
            artifact_sha256="0" * 64,
            size=1,
            signing_key=author.key,
            key_fingerprint="SHA256:test",
            published_at=timezone.now(),
        )
    package.latest_release = release
    package.save(update_fields=["latest_release"])
    return package
