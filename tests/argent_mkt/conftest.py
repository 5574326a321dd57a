"""Fixtures for the ``mkt`` client tests: the same Django-free setup as the format library's.

The client ships without Django (``clients/mkt/pyproject.toml``), so its tests turn the
project's Django fixtures into no-ops exactly as ``tests/argent_pkg/conftest.py`` does;
the live-server tests (``test_cli_e2e.py``, ``test_install_e2e.py``) bring them back.
"""

from __future__ import annotations

from tests.argent_pkg.conftest import (  # noqa: F401
    _empty_cache,
    _empty_static_root,
    _fast_and_quiet,
    _marketplace_key,
    _storages,
    celery_mode,
    key,
    other_key,
    storages_config,
)
