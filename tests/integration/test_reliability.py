"""Reliability on real services: a worker killed mid-scan, and uploads while the broker is down."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import psycopg
import pytest
from django.db import connection

from publishing.constants import SubmissionStatus

from .conftest import DERIVED_FOLDERS
from .test_pipeline import VERIFY_TIMEOUT, submit, wait_for_status

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]


def _locker():
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
    )


def _artifacts(bucket) -> list[str]:
    """The bucket's keys but the transparency log's and TUF's files, which other events rewrite."""
    return sorted(key for key in bucket.list_keys("") if not key.startswith(DERIVED_FOLDERS))


def test_worker_killed_mid_scan_is_finished_once_by_the_next(start_worker, author, build_pkg, s3_bucket):
    """SIGKILL while the scan is writing its findings: one verdict, no duplicate rows or objects."""
    from publishing.models import ScanFinding

    redelivery = {"CELERY_FAST_REDELIVERY": "true", "CELERY_VISIBILITY_TIMEOUT": "10"}
    submission = submit(author, build_pkg({"run.py": b"import subprocess\n"}))
    objects_before = _artifacts(s3_bucket)

    with _locker() as locker, locker.transaction():
        # The worker can mark the submission "scanning" and scan it, but blocks writing findings.
        locker.execute("LOCK TABLE publishing_scanfinding IN EXCLUSIVE MODE")
        first = start_worker(**redelivery)
        wait_for_status(submission, {SubmissionStatus.SCANNING}, timeout=30)
        time.sleep(1)
        first.kill()
        first.process.wait(timeout=10)

    assert wait_for_status(submission, {SubmissionStatus.SCANNING}, timeout=1).status == "scanning"
    start_worker(**redelivery)
    submission = wait_for_status(submission, {SubmissionStatus.IN_REVIEW}, timeout=VERIFY_TIMEOUT)

    codes = list(ScanFinding.objects.filter(submission=submission).values_list("code", flat=True))
    assert codes.count("scan.undeclared_process") == 1
    assert len(codes) == len(set(codes))
    assert _artifacts(s3_bucket) == objects_before
    assert submission.decisions.count() == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, which it can stop and start again on one port."""

    def __init__(self, tmp_path):
        self.port = _free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: run `make test`, which installs it.")
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path, celery_mode):
    """Point the test process's Celery at a Redis of its own; restore afterwards."""
    app = celery_mode
    server = RedisServer(tmp_path)
    saved = app.conf.broker_url

    def use(url: str) -> None:
        # Fresh pools for the new URL; the old ones stay open in kombu's registry for later tests.
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    server.start()
    use(server.url)
    yield server
    server.stop()
    use(saved)


def test_upload_while_the_broker_is_down_is_scanned_once_it_is_back(
    own_redis, start_worker, author, build_pkg
):
    own_redis.stop()

    started = time.monotonic()
    submission = submit(author, build_pkg())
    took = time.monotonic() - started

    assert submission.status == SubmissionStatus.PENDING
    print(f"upload with the broker down took {took:.2f} s")  # noqa: T201 - reported in the closing note
    own_redis.start()
    start_worker(
        beat=True,
        REDIS_URL=own_redis.url,
        SUBMISSION_SWEEP_INTERVAL="1",
        SUBMISSION_SWEEP_PENDING_AFTER="1",
    )
    submission = wait_for_status(submission, {SubmissionStatus.IN_REVIEW}, timeout=VERIFY_TIMEOUT)
    assert submission.checked_at is not None
