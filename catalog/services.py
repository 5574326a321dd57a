"""Catalog workflows shared by publishing and moderation."""

from __future__ import annotations

from .models import Category, Kind, Package, Release


def package_apply_release(*, package: Package, release: Release) -> None:
    """Copy a release's listing fields (from its manifest and README) onto ``package``; no save."""
    listing = release.listing
    package.display_name = listing["name"]
    package.kind = Kind.objects.get(slug=listing["kind"])
    package.category = Category.objects.get(slug=listing["category"])
    for field in (
        "tagline",
        "description",
        "tags",
        "license",
        "pricing",
        "price_cents",
        "homepage",
        "repository",
    ):
        setattr(package, field, listing[field])
    package.readme = release.readme
