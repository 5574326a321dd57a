"""The whole pipeline against real services: upload, a real Celery worker, review, download.

PostgreSQL, Redis and S3 (moto) come from ``scripts/test.sh``; the worker is
a separate ``celery worker`` process reading the test database.
"""

from __future__ import annotations

import hashlib
import time

import psycopg
import pytest
from django.db import connection
from django.test import Client

from publishing.constants import FINAL_STATUSES, SubmissionStatus

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]

VERIFY_TIMEOUT = 60


def wait_for_status(submission, statuses: set[str], timeout: float = VERIFY_TIMEOUT):
    """Poll the database until ``submission`` has one of ``statuses``; return it."""
    from publishing.models import Submission

    deadline = time.monotonic() + timeout
    while True:
        current = Submission.objects.get(pk=submission.pk)
        if current.status in statuses:
            return current
        if time.monotonic() > deadline:
            findings = list(current.findings.values_list("code", "message"))
            pytest.fail(
                f"Submission {current.pk} is still {current.status!r} after {timeout} s "
                f"(expected one of {sorted(statuses)}); findings: {findings}"
            )
        time.sleep(0.25)


def submit(author, built):
    from publishing import services

    return services.submission_create(
        publisher=author.publisher,
        uploader=author.user,
        upload=built.file(),
        filename=built.filename,
        release_notes="First release.",
    )


def test_upload_verify_approve_download(celery_worker, author, reviewer, build_pkg, s3_bucket):
    from catalog.constants import ListingStatus
    from moderation.services import submission_approve

    built = build_pkg()
    submission = submit(author, built)
    assert submission.status == SubmissionStatus.PENDING
    # The upload waits in the quarantine area of the bucket.
    assert any(key.startswith("quarantine/") for key in s3_bucket.list_keys(""))

    # The real worker picks the task up from Redis and finishes the checks.
    submission = wait_for_status(submission, {SubmissionStatus.IN_REVIEW, SubmissionStatus.REJECTED})
    findings = list(submission.findings.values_list("severity", "code", "message"))
    assert submission.status == SubmissionStatus.IN_REVIEW, findings
    assert submission.checked_at is not None
    assert "received" in celery_worker.log_text().lower()

    submission = submission_approve(submission=submission, reviewer=reviewer, note="Looks good.")
    assert submission.status == SubmissionStatus.APPROVED

    release = submission.release
    release.refresh_from_db()
    package = release.package
    package.refresh_from_db()
    assert release.published_at is not None
    assert package.status == ListingStatus.PUBLISHED
    assert package.latest_release_id == release.pk
    assert release.artifact_sha256 == built.sha256

    # The artifact is in the bucket under the packages location, byte for byte.
    assert release.artifact.name
    key = f"packages/{release.artifact.name}"
    assert key in s3_bucket.list_keys("packages/"), s3_bucket.list_keys()
    assert hashlib.sha256(s3_bucket.read(key)).hexdigest() == built.sha256

    # And a customer downloads exactly the bytes the author built and signed.
    response = Client().get(f"/packages/{package.identifier}/{release.version}/download")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert hashlib.sha256(body).hexdigest() == release.artifact_sha256 == built.sha256
    assert body == built.data


def test_a_prefork_worker_scans_a_large_package_with_a_second_process(start_worker, author, build_pkg):
    """Deployed workers run tasks in Celery's prefork pool, whose processes are daemonic: the scan's
    second process (``publishing.scanning.parallel``) must start there too, and its findings arrive."""
    from publishing.scanning import parallel

    worker = start_worker(pool="prefork")
    filler = "".join(f"    value_{n} = 'words {n} of filler'.split()  # {n}\n" for n in range(600))
    members = {"src/aa_process.py": b"import subprocess\n"}  # first: checked by the worker itself
    members |= {f"src/module_{n:02d}.py": f"def main_{n}():\n{filler}".encode() for n in range(40)}
    members["src/zz_dynamic.py"] = b"value = eval(input())\n"  # last: in the second process's share
    assert sum(map(len, members.values())) > parallel.MIN_PYTHON_BYTES
    submission = submit(author, build_pkg(members))

    submission = wait_for_status(submission, {SubmissionStatus.IN_REVIEW, *FINAL_STATUSES})
    found = set(submission.findings.values_list("code", "path"))
    assert ("scan.undeclared_process", "src/aa_process.py") in found
    assert ("scan.dynamic_code", "src/zz_dynamic.py") in found
    # Neither "Could not start a second process" nor "The scan's second process failed".
    assert "second process" not in worker.log_text()


def test_task_of_a_killed_worker_is_redelivered(start_worker, author, build_pkg):
    """A worker SIGKILLed mid-task loses nothing: the task goes to the next worker.

    The first worker is held inside the task by a row lock this test takes on
    the submission (the task starts with ``select_for_update``); the whole
    process group is then killed. With ``acks_late`` and a 10-second
    visibility timeout, Redis hands the unacknowledged task to a new worker.
    """
    redelivery = {"CELERY_FAST_REDELIVERY": "true", "CELERY_VISIBILITY_TIMEOUT": "10"}
    built = build_pkg()
    submission = submit(author, built)  # queued in Redis; no worker runs yet

    db = connection.settings_dict
    with (
        psycopg.connect(
            host=db["HOST"],
            port=db["PORT"],
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
        ) as locker,
        locker.transaction(),
    ):
        locker.execute("SELECT id FROM publishing_submission WHERE id = %s FOR UPDATE", [submission.pk])
        first = start_worker(**redelivery)
        first.wait_for_log("] received", timeout=30)
        time.sleep(1)  # now blocked on the row lock, inside the task
        first.kill()
        first.process.wait(timeout=10)

    assert wait_for_status(submission, {SubmissionStatus.PENDING}, timeout=1).status == "pending"
    second = start_worker(**redelivery)
    submission = wait_for_status(
        submission, {SubmissionStatus.IN_REVIEW, SubmissionStatus.REJECTED}, timeout=VERIFY_TIMEOUT
    )
    assert submission.status == SubmissionStatus.IN_REVIEW
    assert "publishing.tasks.submission_verify" in second.log_text()
