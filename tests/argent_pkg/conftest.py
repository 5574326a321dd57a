"""Fixtures for the Django-free package-format tests.

``argent_pkg`` must work without Django, so these tests must too.  The
project-wide ``tests/conftest.py`` has autouse fixtures that configure Django
storages, settings and Celery; they are overridden here by no-op fixtures of the
same names, so that the format tests run the same way with and without
pytest-django (``-p no:django``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import fixed_key


@pytest.fixture
def storages_config() -> dict:
    """No storages: the format library never stores files."""
    return {}


@pytest.fixture(autouse=True)
def _storages() -> None:
    """Override the project's storage fixture, which needs Django."""


@pytest.fixture(scope="session", autouse=True)
def _empty_static_root() -> Iterator[None]:
    """Override the project's static-root fixture, which needs Django."""
    yield


@pytest.fixture(autouse=True)
def _fast_and_quiet() -> None:
    """Override the project's settings fixture, which needs Django."""


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Override the project's cache fixture, which needs Django."""


@pytest.fixture(autouse=True)
def _marketplace_key() -> None:
    """Override the project's marketplace-key fixture, which needs Django."""


@pytest.fixture(autouse=True)
def celery_mode() -> None:
    """Override the project's Celery fixture, which needs Django."""


@pytest.fixture
def key():
    """A fixed Ed25519 signing key, so that builds are reproducible across runs."""
    return fixed_key(1)


@pytest.fixture
def other_key():
    """A second fixed key, for wrong-key cases."""
    return fixed_key(2)
