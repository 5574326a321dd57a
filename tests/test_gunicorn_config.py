"""The gunicorn settings of README's serving command (marketplace/gunicorn.py)."""

from __future__ import annotations

import gc
import importlib

import pytest


@pytest.fixture
def config(monkeypatch):
    def load(**environ):
        for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        import marketplace.gunicorn

        return importlib.reload(marketplace.gunicorn)

    return load


def test_workers_follow_the_cpus_unless_told(config, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 3)

    assert config().workers == 7
    assert config(WEB_CONCURRENCY="2", GUNICORN_THREADS="8").workers == 2
    assert config(GUNICORN_THREADS="8").threads == 8
    assert config().worker_class == "gthread"


def test_a_worker_freezes_what_loading_made(config):
    hook = config().post_worker_init
    gc.unfreeze()
    try:
        hook(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
