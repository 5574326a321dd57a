"""Integration fixtures: PostgreSQL, Redis, a real Celery worker and S3 (moto).

``scripts/test.sh`` starts the services and exports ``DATABASE_URL``
(PostgreSQL), ``REDIS_URL`` and ``MOTO_ENDPOINT``. Without them these tests
FAIL (they are never skipped): run them through ``make test``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parents[2]
S3_KEY = "testing"
S3_REGION = "us-east-1"
S3_LOCATIONS = {"default": "media", "quarantine": "quarantine", "packages": "packages"}
WORKER_READY_TIMEOUT = 60

#: Log files of the workers started by the current test (shown when it fails).
_worker_logs: list[Path] = []


def _require_services() -> tuple[str, str]:
    """``(REDIS_URL, MOTO_ENDPOINT)``; fails the test when a service is not configured."""
    problems = []
    engine = django_settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        problems.append(f"DATABASE_URL must point at PostgreSQL (the database engine is {engine})")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        problems.append("REDIS_URL is not set")
    moto_endpoint = os.environ.get("MOTO_ENDPOINT", "")
    if not moto_endpoint:
        problems.append("MOTO_ENDPOINT is not set")
    if problems:
        pytest.fail(
            "Integration tests need PostgreSQL, Redis and moto: "
            + "; ".join(problems)
            + ". Run them with `make test` (scripts/test.sh starts the services).",
            pytrace=False,
        )
    return redis_url, moto_endpoint


@pytest.fixture(scope="session")
def services() -> tuple[str, str]:
    return _require_services()


# --- S3 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    name: str
    endpoint: str

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_KEY,
            region_name=S3_REGION,
        )

    def list_keys(self, prefix: str = "") -> list[str]:
        reply = self.client().list_objects_v2(Bucket=self.name, Prefix=prefix)
        return [item["Key"] for item in reply.get("Contents", [])]

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture(scope="session")
def s3_bucket(services) -> Bucket:
    """A fresh bucket in the moto server."""
    bucket = Bucket(name=f"marketplace-test-{uuid.uuid4().hex[:12]}", endpoint=services[1])
    bucket.client().create_bucket(Bucket=bucket.name)
    return bucket


#: Folders of the ``packages`` storage whose files mirror rows (the transparency log's tiles and
#: checkpoint, the TUF metadata): emptied before each test, as the tables are flushed after each.
DERIVED_FOLDERS = ("packages/log/", "packages/tuf/")


@pytest.fixture(autouse=True)
def _derived_files_emptied(request) -> None:
    """Start each test that uses the session's bucket without the log or TUF files of earlier tests.

    The bucket lives for the whole session but the tables do not: after a flush, the next test's
    log starts again at entry 0 and would find an earlier log's immutable tiles (the writer skips
    a tile that exists), so its checkpoint would disagree with the tiles read back.
    """
    if "s3_bucket" not in request.fixturenames:
        return
    bucket = request.getfixturevalue("s3_bucket")
    client = bucket.client()
    for folder in DERIVED_FOLDERS:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket.name, Prefix=folder):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=bucket.name, Delete={"Objects": keys})


def s3_storage(bucket: Bucket, location: str) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket.name,
            "endpoint_url": bucket.endpoint,
            "region_name": S3_REGION,
            "access_key": S3_KEY,
            "secret_key": S3_KEY,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "querystring_expire": 300,
            "file_overwrite": False,
            "default_acl": None,
            "location": location,
        },
    }


@pytest.fixture
def storages_config(s3_bucket: Bucket, settings) -> dict[str, dict]:
    """Override of the root fixture: every file alias in the moto bucket, as in production."""
    from marketplace.settings import StorageBackend

    settings.STORAGE_BACKEND = StorageBackend.S3
    settings.AWS_STORAGE_BUCKET_NAME = s3_bucket.name
    return {alias: s3_storage(s3_bucket, location) for alias, location in S3_LOCATIONS.items()}


def s3_environment(bucket: Bucket) -> dict[str, str]:
    """The environment that makes ``marketplace.settings`` use ``bucket``."""
    return {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket.name,
        "AWS_S3_ENDPOINT_URL": bucket.endpoint,
        "AWS_ACCESS_KEY_ID": S3_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_KEY,
        "AWS_S3_REGION_NAME": S3_REGION,
        "AWS_S3_ADDRESSING_STYLE": "path",
    }


# --- Celery ---------------------------------------------------------------------------------


@pytest.fixture
def celery_eager(services) -> bool:
    """Override of the root fixture: tasks go through Redis to a real worker."""
    return False


@pytest.fixture(autouse=True)
def _celery_uses_redis(celery_mode, services) -> None:
    """Check the test process sends tasks to the broker the worker reads."""
    app = celery_mode
    assert not app.conf.task_always_eager
    assert app.conf.broker_url == services[0], (app.conf.broker_url, services[0])


def test_database_url() -> str:
    """The URL of pytest-django's test database (``test_`` + NAME), for other processes."""
    from django.db import connection

    db = connection.settings_dict
    assert db["NAME"].startswith("test_"), db["NAME"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


test_database_url.__test__ = False  # not a test, despite its name


@dataclass
class Worker:
    """A ``celery worker`` process in its own process group."""

    process: subprocess.Popen
    log: Path
    name: str

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for_log(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log_text():
            if self.process.poll() is not None:
                pytest.fail(
                    f"Celery worker {self.name} exited with {self.process.returncode} "
                    f"before logging {text!r}:\n{self.log_text()}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"Celery worker {self.name} did not log {text!r} within {timeout} s:\n" + self.log_text(),
                    pytrace=False,
                )
            time.sleep(0.1)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the worker's whole process group."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.process.wait(timeout=10)
        else:
            self.kill(signal.SIGKILL)  # stray children, if any


@pytest.fixture
def start_worker(
    django_db_setup, s3_bucket: Bucket, services, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    """Start real Celery workers against the test database; all are stopped afterwards.

    ``start_worker(beat=False, pool="solo", **env)`` adds ``env`` to the worker's
    environment (with ``beat`` it also runs the Celery beat scheduler; ``pool="prefork"`` runs
    the task in a pool process, as deployed workers do) and returns once the worker logs that
    it is ready.
    """
    workers: list[Worker] = []

    def start(*, beat: bool = False, pool: str = "solo", **extra_env: str) -> Worker:
        name = f"test-{uuid.uuid4().hex[:8]}"
        log = tmp_path / f"celery-{name}.log"
        env = {
            **os.environ,
            **s3_environment(s3_bucket),
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": services[0],
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DATA_DIR": str(tmp_path / "worker-data"),
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        command = [
            sys.executable, "-m", "celery", "-A", "marketplace", "worker",
            "--loglevel=INFO", f"--pool={pool}", "--concurrency=1", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "-n", f"{name}@%h",
        ]  # fmt: skip
        if beat:
            command += ["--beat", "--schedule", str(tmp_path / f"beat-{name}")]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process=process, log=log, name=name)
        workers.append(worker)
        _worker_logs.append(log)
        worker.wait_for_log(" ready.", WORKER_READY_TIMEOUT)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker(start_worker) -> Worker:
    """One running Celery worker (solo pool)."""
    return start_worker()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the logs of the test's Celery workers to its report when it fails."""
    report = yield
    if report.failed:
        for log in _worker_logs:
            text = log.read_text(errors="replace") if log.exists() else "(no log)"
            lines = text.splitlines()[-300:]
            report.sections.append((f"Celery worker log {log.name}", "\n".join(lines)))
    if call.when == "teardown":
        _worker_logs.clear()
    return report


@pytest.fixture(autouse=True)
def _clear_worker_logs():
    _worker_logs.clear()
