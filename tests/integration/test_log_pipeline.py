"""The transparency log against real services: a release published, a real worker integrates it.

The worker signs a checkpoint and writes the tiles to S3 (moto); the test reads them from the bucket
as a client reads the log, and checks the release's inclusion against the signed checkpoint. The
monitors' e-mail goes out from the worker (the console backend prints it to the worker's log).
"""

from __future__ import annotations

import json
import time

import pytest
from argent_pkg import tlog

from tests.integration.test_pipeline import submit, wait_for_status

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]

TIMEOUT = 60


def test_a_published_release_is_in_the_log_the_worker_writes_to_s3(
    start_worker, log_key_path, settings, author, reviewer, build_pkg, s3_bucket
):
    from moderation.services import submission_approve
    from publishing.constants import SubmissionStatus
    from transparency import tree
    from transparency.models import Checkpoint

    worker = start_worker(LOG_SIGNING_KEY_PATH=str(log_key_path), LOG_ORIGIN=settings.LOG_ORIGIN)
    submission = wait_for_status(submit(author, build_pkg()), {SubmissionStatus.IN_REVIEW})
    release = submission_approve(submission=submission, reviewer=reviewer, note="Fine.").release
    release.refresh_from_db()
    assert release.log_index is not None

    deadline = time.monotonic() + TIMEOUT
    while not Checkpoint.objects.filter(size__gt=release.log_index).exists():
        assert time.monotonic() < deadline, "the worker did not integrate the entry"
        time.sleep(0.25)
    # The checkpoint file is written after the row, and replaced as the log grows: read it, then the
    # tiles it names, until a checkpoint that includes the release agrees with its tiles.
    deadline = time.monotonic() + TIMEOUT
    pinned = bytes(tree.log_signing_key().verify_key)
    while True:
        checkpoint = tiles_root = None
        try:
            note = s3_bucket.read("packages/log/checkpoint").decode()
            checkpoint = tlog.open_checkpoint(note, settings.LOG_ORIGIN, pinned)
            if checkpoint.size > release.log_index:
                reader = tlog.TileReader(lambda path: s3_bucket.read(f"packages/log/{path}"), checkpoint.size)
                tiles_root = reader.root()
                if tiles_root == checkpoint.root:
                    break
        except s3_bucket.client().exceptions.NoSuchKey:
            pass
        assert time.monotonic() < deadline, (
            f"no checkpoint including entry {release.log_index} agreed with its tiles: last read "
            f"{checkpoint}, root from tiles {tiles_root!r}; files {s3_bucket.list_keys('packages/log/')}"
        )
        time.sleep(0.25)

    bundle = tlog.decode_bundle(s3_bucket.read(f"packages/log/{tlog.entries_path(0, checkpoint.size)}"))
    entry = bundle[release.log_index]
    assert json.loads(entry)["sha256"] == release.artifact_sha256
    proof = tlog.inclusion_proof(reader, release.log_index, checkpoint.size)
    tlog.verify_inclusion(tlog.leaf_hash(entry), release.log_index, checkpoint.size, proof, checkpoint.root)

    deadline = time.monotonic() + TIMEOUT
    while "Transparency log #" not in worker.log_text():
        assert time.monotonic() < deadline, "no monitor e-mail from the worker"
        time.sleep(0.25)
    assert author.email in worker.log_text()
