"""Attacks on ``mkt install`` by the server or its storage, with a real server, worker and client.

The marketplace runs on pytest-django's live server over PostgreSQL, with its files in S3 (moto);
a real Celery worker integrates the transparency log and signs the TUF metadata. Each test first
installs a release (which pins the TUF root and the log key, and stores a checkpoint), then plays
one attacker who controls the server, its database, its storage or its online keys, and checks that
``mkt install`` refuses with the message of that attack and leaves the home exactly as it was:

(a) altered artifact bytes, (b) another author key for a release, (c) an expired timestamp,
(d) an older snapshot than the client has seen, (e) a checkpoint not consistent with the client's
last one, (f) a release missing from the log, (g) yesterday's blocklist after a block.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.core.management import call_command

from tests.integration.test_pipeline import submit, wait_for_status

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]

TIMEOUT = 60


class Market:
    """The live marketplace and the helpers an attack needs."""

    def __init__(self, live_server, bucket, author, reviewer, build_pkg, home: Path) -> None:
        self.url = live_server.url
        self.bucket = bucket
        self.author = author
        self.reviewer = reviewer
        self.build_pkg = build_pkg
        self.home = home

    def publish(self, version: str):
        """Upload, verify (worker), approve; wait until the log and TUF both list the release."""
        from moderation.services import submission_approve
        from publishing.constants import SubmissionStatus

        built = self.build_pkg(version=version)
        submission = wait_for_status(submit(self.author, built), {SubmissionStatus.IN_REVIEW})
        release = submission_approve(submission=submission, reviewer=self.reviewer, note="Fine.").release
        self.wait_until_settled()
        release.refresh_from_db()
        return release

    def wait_until_settled(self) -> None:
        """Wait for the worker: every log entry in a checkpoint, no TUF change pending."""
        from repository.models import PendingChange
        from transparency.models import LogHead

        deadline = time.monotonic() + TIMEOUT
        while True:
            head = LogHead.objects.first()
            settled = (head is None or head.integrated == head.size) and not PendingChange.objects.exists()
            # The files follow the rows: the checkpoint file last.
            if settled and (head is None or self._checkpoint_file_size() == head.size):
                return
            assert time.monotonic() < deadline, (
                "the worker did not integrate the log or sign the TUF metadata"
            )
            time.sleep(0.2)

    def _checkpoint_file_size(self) -> int | None:
        try:
            return int(self.bucket.read("packages/log/checkpoint").decode().split("\n")[1])
        except Exception:  # not written yet
            return None

    def mkt(self, *args: str):
        from argent_mkt import cli

        return CliRunner().invoke(cli.main, [*args, "--url", self.url], catch_exceptions=False)

    def snapshot(self) -> dict[str, bytes | None]:
        """Every path under the home but the TUF metadata cache (the updater keeps what it verified)."""
        return {
            str(path.relative_to(self.home)): path.read_bytes() if path.is_file() else None
            for path in sorted(self.home.rglob("*"))
            if "tuf" not in path.relative_to(self.home).parts
        }

    def refused(self, spec: str, message: str, *extra: str) -> str:
        """``mkt install spec`` must exit 1 naming ``message`` and change nothing under the home."""
        before = self.snapshot()
        result = self.mkt("install", spec, *extra)
        assert result.exit_code == 1, result.output
        assert message in result.output, result.output
        assert self.snapshot() == before
        return result.output


@pytest.fixture
def market(
    live_server, start_worker, s3_bucket, settings, tmp_path, monkeypatch, author, reviewer, build_pkg,
    log_key_path, marketplace_key_path,
) -> Market:  # fmt: skip
    """An initialised TUF repository, a worker holding the online keys, ``1.0.0`` published and installed."""
    from repository import keys

    env = {
        "LOG_SIGNING_KEY_PATH": str(log_key_path),
        "LOG_ORIGIN": settings.LOG_ORIGIN,
        "LOG_BASE_URL": settings.LOG_BASE_URL,
        "SIGNING_KEY_PATH": str(marketplace_key_path),
    }
    for role, setting in keys.ONLINE_ROLES.items():
        path = tmp_path / "online" / f"{role}.pem"
        keys.write_new_key(path)
        setattr(settings, setting, path)
        env[setting] = str(path)
    offline = tmp_path / "offline"
    root_keys = [offline / f"root-{n}.pem" for n in (1, 2, 3)]
    for path in [*root_keys, offline / "targets.pem"]:
        keys.write_new_key(path)
    call_command(
        "tuf_init",
        *[arg for path in root_keys for arg in ("--root-key", str(path))],
        "--threshold", "2", "--targets-key", str(offline / "targets.pem"),
    )  # fmt: skip
    start_worker(**env)

    home = tmp_path / "argentos"
    monkeypatch.setenv("MKT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MKT_HOME", str(home))
    monkeypatch.delenv("MKT_URL", raising=False)
    monkeypatch.delenv("MKT_LICENSE", raising=False)
    m = Market(live_server, s3_bucket, author, reviewer, build_pkg, home)
    m.package_id = m.publish("1.0.0").package.identifier
    result = m.mkt("install", m.package_id)
    assert result.exit_code == 0, result.output
    assert "Trusting" in result.output and "TUF root on first use" in result.output
    assert (home / ".mkt" / "log.json").is_file()
    return m


def _stored(release) -> str:
    return f"packages/{release.artifact.name}"


def test_a_altered_artifact_bytes_are_refused(market):
    release = market.publish("1.1.0")
    data = bytearray(market.bucket.read(_stored(release)))
    data[-1] ^= 0xFF  # same length, one byte changed in storage
    market.bucket.client().put_object(Bucket=market.bucket.name, Key=_stored(release), Body=bytes(data))

    market.refused(
        f"{market.package_id}@1.1.0", "not the ones the marketplace's signed TUF targets metadata vouches for"
    )
    assert not (market.home / ".mkt" / "installed.json").read_text().count('"1.1.0"')

    # Longer than the signed length: the client stops reading at that length.
    longer = bytes(data) + b"\0" * 4096
    market.bucket.client().put_object(Bucket=market.bucket.name, Key=_stored(release), Body=longer)
    market.refused(f"{market.package_id}@1.1.0", "the bytes served are not the ones")


def test_b_another_author_key_for_a_release_is_refused(market, build_pkg, author):
    """The database and storage say the release was signed by another key (the thief's), with bytes to match."""
    import argent_pkg
    from django.core.files.base import ContentFile

    from publishing.models import SigningKey

    release = market.publish("1.1.0")
    thief = argent_pkg.generate_signing_key()
    public = argent_pkg.public_key_b64(thief)
    key = SigningKey.objects.create(
        publisher=author.publisher, public_key=public, fingerprint=argent_pkg.fingerprint(public)
    )
    forged = build_pkg(version="1.1.0", key=thief)
    release.artifact.storage.delete(release.artifact.name)
    release.artifact.storage.save(release.artifact.name, ContentFile(forged.data))
    type(release).objects.filter(pk=release.pk).update(
        signing_key=key, key_fingerprint=key.fingerprint, artifact_sha256=forged.sha256, size=len(forged.data)
    )

    market.refused(f"{market.package_id}@1.1.0", "signed TUF target names")


def _sign_timestamp(change) -> None:
    """Sign and store a new ``timestamp.json`` with the online timestamp key, after ``change(timestamp)``."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages
    from tuf.api.metadata import Metadata

    from repository import keys

    storage = storages["packages"]
    with storage.open("tuf/metadata/timestamp.json") as handle:
        md = Metadata.from_bytes(handle.read())
    md.signed.version += 1
    change(md.signed)
    md.signatures.clear()
    md.sign(keys.online_signer("timestamp"))
    storage.delete("tuf/metadata/timestamp.json")
    storage.save("tuf/metadata/timestamp.json", ContentFile(md.to_bytes()))


def test_c_an_expired_timestamp_is_refused(market):
    from django.utils import timezone

    market.publish("1.1.0")

    def expire(timestamp) -> None:
        timestamp.expires = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)

    _sign_timestamp(expire)
    market.refused(f"{market.package_id}@1.1.0", "the marketplace serves expired TUF metadata")


def test_d_an_older_snapshot_than_the_client_saw_is_refused(market):
    market.publish("1.1.0")
    assert (
        market.mkt("install", f"{market.package_id}@1.1.0").exit_code == 0
    )  # the client saw the new snapshot
    market.publish("1.2.0")

    def roll_back(timestamp) -> None:
        timestamp.snapshot_meta.version = 1  # tuf_init's snapshot, before 1.1.0 was published

    _sign_timestamp(roll_back)
    market.refused(f"{market.package_id}@1.2.0", "TUF metadata older than what this client has already seen")


def test_e_a_checkpoint_not_consistent_with_the_clients_last_is_refused(market):
    """The operator rewrites the log's history (an earlier entry edited, the tree and files rebuilt)."""
    from django.core.files.storage import storages

    from transparency import tree
    from transparency.models import Checkpoint, LogEntry, LogHead, TreeNode

    first = LogEntry.objects.order_by("index").first()
    body = json.loads(bytes(first.body))
    body["time"] = "2020-01-01T00:00:00Z"
    forged = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    from argent_pkg import tlog

    LogEntry.objects.filter(pk=first.pk).update(body=forged, leaf_hash=tlog.leaf_hash(forged))
    TreeNode.objects.all().delete()
    Checkpoint.objects.all().delete()
    LogHead.objects.update(integrated=0)
    storage = storages["packages"]
    for name in market.bucket.list_keys("packages/log/"):
        storage.delete(name.removeprefix("packages/"))
    tree.integrate()

    output = market.refused(market.package_id, "the log forked", "--reinstall")
    assert "split view" in output


def test_f_a_release_missing_from_the_log_is_refused(market):
    """A release published behind the owner's back (rows and TUF target written, no log entry)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from catalog.models import Release
    from publishing.constants import SubmissionStatus as Status
    from repository import services as repository

    built = market.build_pkg(version="1.1.0")
    submission = wait_for_status(submit(market.author, built), {Status.IN_REVIEW})
    release = Release.objects.get(package=submission.package, version="1.1.0")
    release.artifact.save(f"{market.package_id}/1.1.0/{built.filename}", ContentFile(built.data), save=False)
    Release.objects.filter(pk=release.pk).update(published_at=timezone.now(), artifact=release.artifact.name)
    repository.changed(release_ids=[release.pk])  # the attacker holds the online keys
    repository.refresh()
    release.refresh_from_db()
    assert release.log_index is None

    market.refused(f"{market.package_id}@1.1.0", "is not in the marketplace's transparency log")


def test_g_yesterdays_blocklist_after_a_block_is_refused(market, second_reviewer):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    from moderation.blocklist import block_confirm, block_request

    release = market.publish("1.1.0")
    storage = storages["packages"]
    with storage.open("tuf/targets/blocklist.json") as handle:
        yesterday = handle.read()
    entry = block_request(
        package=release.package, release=release, severity="soft", reason="Malware.", reviewer=market.reviewer
    )
    block_confirm(entry=entry, reviewer=second_reviewer)
    market.wait_until_settled()
    storage.delete("tuf/targets/blocklist.json")
    storage.save("tuf/targets/blocklist.json", ContentFile(yesterday))

    market.refused(f"{market.package_id}@1.1.0", "the blocklist: the bytes served are not the ones")
