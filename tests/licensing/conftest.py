"""Fixtures for licensing tests: packages under each pricing model, created directly."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_package(db, django_user_model):
    """``make_package(pricing="pro", identifier=...)``: a published-looking package of a test publisher."""
    from catalog.models import Category, Kind, Package
    from publishing import services
    from tests.conftest import make_user

    owner = make_user(django_user_model, "paula")
    publisher = services.publisher_create(user=owner, name="Paid Tools", slug="paid-tools")

    def make(pricing: str = "pro", identifier: str | None = None, price_cents: int = 1900) -> Package:
        identifier = identifier or f"{pricing}-package"
        return Package.objects.create(
            identifier=identifier,
            display_name=identifier.title(),
            publisher=publisher,
            kind=Kind.objects.order_by("pk").first(),
            category=Category.objects.order_by("pk").first(),
            pricing=pricing,
            price_cents=0 if pricing == "free" else price_cents,
        )

    make.publisher_owner = owner
    return make


@pytest.fixture
def pro_package(make_package):
    return make_package("pro")
