"""Fixtures for licensing tests: packages under each pricing model, from the factories."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_package(db, django_user_model):
    """``make_package(pricing="pro", identifier=...)``: a published package of a test publisher.

    Rows only (``tests/factories.py``): no upload, scan or approval.
    """
    from catalog.models import Package
    from tests.conftest import make_user
    from tests.factories import PublishedPackageFactory, PublisherFactory

    owner = make_user(django_user_model, "paula")
    publisher = PublisherFactory(name="Paid Tools", slug="paid-tools", owner=owner)

    def make(pricing: str = "pro", identifier: str | None = None, price_cents: int = 1900) -> Package:
        identifier = identifier or f"{pricing}-package"
        return PublishedPackageFactory(
            identifier=identifier,
            display_name=identifier.title(),
            publisher=publisher,
            kind__slug="connector",
            category__slug="crm",
            pricing=pricing,
            price_cents=0 if pricing == "free" else price_cents,
        )

    make.publisher_owner = owner
    return make


@pytest.fixture
def pro_package(make_package):
    return make_package("pro")
