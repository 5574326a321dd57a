"""``mkt publish`` end to end: the real API on pytest-django's live server, a real token.

The format tests' conftest turns the project's Django fixtures into no-ops (the
format library must work without Django); this module brings back what the live
server needs: storages under ``tmp_path``, eager Celery and an empty static root.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _needs_pytest_django(request) -> None:
    if not request.config.pluginmanager.hasplugin("django"):
        pytest.skip("needs pytest-django (the format tests also run with -p no:django)")


@pytest.fixture(scope="session")
def _empty_static_root(tmp_path_factory):
    from django.test import override_settings

    with override_settings(STATIC_ROOT=tmp_path_factory.mktemp("staticfiles")):
        yield


@pytest.fixture
def storages_config(tmp_path) -> dict:
    from django.conf import settings

    from marketplace.settings import StorageBackend

    if settings.STORAGE_BACKEND is not StorageBackend.LOCAL:
        return {}
    return {
        alias: {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "storage" / alias), "file_permissions_mode": 0o640},
        }
        for alias in ("default", "quarantine", "packages")
    }


@pytest.fixture(autouse=True)
def _storages(settings, storages_config, monkeypatch) -> None:
    from tests.conftest import refresh_file_field_storages

    if storages_config:
        settings.STORAGES = {**settings.STORAGES, **storages_config}
        settings.MEDIA_ROOT = storages_config["default"]["OPTIONS"]["location"]
        refresh_file_field_storages(monkeypatch)


@pytest.fixture(autouse=True)
def celery_mode(settings):
    from marketplace.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    settings.CELERY_TASK_ALWAYS_EAGER = app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def test_publish_to_the_live_server(live_server, migrated_data, author, build_pkg, monkeypatch, tmp_path):
    from argent_mkt import cli

    from publishing.models import Submission
    from tokens.services import api_token_create

    _, raw = api_token_create(user=author.user, name="cli test", publisher=author.publisher)
    monkeypatch.setenv("MKT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("MKT_URL", raising=False)
    monkeypatch.setenv("MKT_TOKEN", raw)
    monkeypatch.setattr(cli, "POLL_INTERVAL", 0.1)
    pkg = build_pkg(version="1.4.0")

    result = CliRunner().invoke(
        cli.main,
        ["publish", str(pkg.path), "--url", live_server.url, "--changelog", "From the CLI.", "--wait", "20"],
    )

    assert result.exit_code == 0, result.output
    submission = Submission.objects.get()
    assert submission.publisher == author.publisher
    assert "package: hello-connector 1.4.0" in result.output
    assert f"sha256: {pkg.sha256}" in result.output
    status = result.output.split("status: ", 1)[1].split()[0]
    assert status in {"published", "pending_review", "flagged"}
    assert f"/{submission.pk}" in result.output.split("submission: ", 1)[1]

    # The same version again: 409 release.version_exists, exit 1.
    again = CliRunner().invoke(cli.main, ["publish", str(pkg.path), "--url", live_server.url])
    assert again.exit_code == 1
    assert "HTTP 409" in again.output and "release.version_exists" in again.output

    # A bad token: 401 token.unknown, exit 1.
    bad = CliRunner().invoke(
        cli.main, ["publish", str(pkg.path), "--url", live_server.url, "--token", "mkt_" + "x" * 43]
    )
    assert bad.exit_code == 1 and "token.unknown" in bad.output
