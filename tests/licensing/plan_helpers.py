"""Packages of any kind, straight in the database, for the plan and install-cap tests."""

from __future__ import annotations

import itertools

from catalog.models import Package
from tests.factories import PackageFactory, ReleaseFactory

_counter = itertools.count(1)


def kind_package(author, kind: str, identifier: str | None = None, *, versions=("1.0.0",)) -> Package:
    """A published package of ``kind`` with published ``versions`` (latest last) of ``author``'s publisher.

    Made by the factories (no upload, no approval), signed with ``author``'s key.
    """
    identifier = identifier or f"{kind}-{next(_counter)}"
    package = PackageFactory(
        identifier=identifier,
        display_name=identifier.replace("-", " ").title(),
        publisher=author.publisher,
        kind__slug=kind,
        category__slug="crm",
    )
    for version in versions:
        ReleaseFactory(
            package=package, version=version, signing_key=author.key, private_key=author.signing_key
        )
    return package
