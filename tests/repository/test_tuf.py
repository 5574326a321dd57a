"""The TUF repository, read by python-tuf's own client (``ngclient.Updater``) as ``mkt`` will read it.

The repository writes real files to the ``packages`` storage (a temporary directory); the client
fetches them through Django's test client, so every byte it checks went through our views.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from tuf.api.exceptions import DownloadHTTPError, ExpiredMetadataError, RepositoryError
from tuf.ngclient import Updater, UpdaterConfig
from tuf.ngclient.fetcher import FetcherInterface

from moderation import services as moderation
from moderation.blocklist import block_confirm, block_lift, block_request
from repository import keys, services, tasks
from repository.models import Bin, RepositoryState

pytestmark = pytest.mark.django_db

METADATA_URL = "http://testserver/tuf/metadata/"
PACKAGES_URL = "http://testserver/packages/"
TUF_TARGETS_URL = "http://testserver/tuf/targets/"


class DjangoFetcher(FetcherInterface):
    """ngclient's fetcher over Django's test client: every request goes through our URLs and views."""

    def __init__(self) -> None:
        self.client = Client()

    def _fetch(self, url: str):
        response = self.client.get(urlsplit(url).path)
        if response.status_code != 200:
            raise DownloadHTTPError(f"{url} answered {response.status_code}", response.status_code)
        # Reading the stream to its end closes the response (the test client's wrapper does it).
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return iter([body])


@pytest.fixture
def offline_keys(tmp_path: Path) -> dict[str, list[Path]]:
    """Three root keys and a targets key, as the operator would hand them to ``tuf_init``."""
    directory = tmp_path / "offline"
    root = [directory / f"root-{n}.pem" for n in (1, 2, 3)]
    for path in root:
        keys.write_new_key(path)
    keys.write_new_key(directory / "targets.pem")
    return {"root": root, "targets": [directory / "targets.pem"]}


@pytest.fixture
def tuf_repo(settings, tmp_path: Path, offline_keys):
    """An initialised repository: online keys under ``tmp_path``, root 2 of 3 (``tuf_init``)."""
    for role, setting in keys.ONLINE_ROLES.items():
        setattr(settings, setting, tmp_path / "online" / f"{role}.pem")
        keys.write_new_key(getattr(settings, setting))
    args = [arg for path in offline_keys["root"] for arg in ("--root-key", str(path))]
    call_command("tuf_init", *args, "--threshold", "2", "--targets-key", str(offline_keys["targets"][0]))
    return offline_keys


@pytest.fixture
def client_dir(tmp_path: Path, tuf_repo) -> Path:
    """A client's metadata directory holding the trusted root: ``1.root.json`` as served."""
    directory = tmp_path / "client"
    directory.mkdir()
    (directory / "root.json").write_bytes(services.read_metadata("1.root.json"))
    return directory


def updater(client_dir: Path, base: str = PACKAGES_URL) -> Updater:
    """A fresh updater on the client's stored metadata, as each ``mkt`` run will make."""
    targets = client_dir / "targets"
    targets.mkdir(exist_ok=True)
    return Updater(
        metadata_dir=str(client_dir),
        metadata_base_url=METADATA_URL,
        target_dir=str(targets),
        target_base_url=base,
        fetcher=DjangoFetcher(),
        config=UpdaterConfig(prefix_targets_with_hash=False),
    )


def refreshed(client_dir: Path, base: str = PACKAGES_URL) -> Updater:
    up = updater(client_dir, base)
    up.refresh()
    return up


def _path(release) -> str:
    return f"{release.package.identifier}/{release.version}/{release.package.identifier}-{release.version}.argent-pkg"


def _stored_bytes(release) -> bytes:
    with release.artifact.open("rb") as fileobj:
        return fileobj.read()


def _read(name: str) -> bytes:
    with storages["packages"].open(name, "rb") as fileobj:
        return fileobj.read()


def _replace(name: str, data: bytes) -> None:
    """What an intruder or a stale cache does: serve other bytes under ``name``."""
    storages["packages"].delete(name)
    storages["packages"].save(name, ContentFile(data))


def _metadata_files() -> set[str]:
    return set(storages["packages"].listdir("tuf/metadata")[1])


# --- targets ------------------------------------------------------------------------------------------


def test_a_published_release_is_a_target_with_its_length_hash_author_key_and_log_index(
    published, client_dir, django_capture_on_commit_callbacks
):
    release = published()

    up = refreshed(client_dir)
    info = up.get_targetinfo(_path(release))

    stored = _stored_bytes(release)
    assert info is not None
    assert info.length == len(stored)
    assert info.hashes == {"sha256": hashlib.sha256(stored).hexdigest()}
    assert info.custom == {
        "author_key": release.key_fingerprint,
        "log_index": getattr(release, "log_index", None),
    }
    # The target base URL maps ID/VERSION/FILENAME to the release's download, checked by the updater.
    downloaded = up.download_target(info)
    assert Path(downloaded).read_bytes() == stored


def test_a_yanked_release_leaves_the_targets(
    published, client_dir, reviewer, django_capture_on_commit_callbacks
):
    release = published()
    assert refreshed(client_dir).get_targetinfo(_path(release)) is not None

    with django_capture_on_commit_callbacks(execute=True):
        moderation.release_yank(release=release, reviewer=reviewer, reason="Broken install script.")

    assert refreshed(client_dir).get_targetinfo(_path(release)) is None


def test_a_suspended_listing_leaves_the_targets_and_comes_back_when_lifted(
    published, client_dir, reviewer, django_capture_on_commit_callbacks
):
    release = published()
    assert refreshed(client_dir).get_targetinfo(_path(release)) is not None

    with django_capture_on_commit_callbacks(execute=True):
        moderation.package_suspend(package=release.package, reviewer=reviewer, reason="Under investigation.")
    assert refreshed(client_dir).get_targetinfo(_path(release)) is None  # the download answers 410 too

    with django_capture_on_commit_callbacks(execute=True):
        moderation.package_unsuspend(package=release.package, reviewer=reviewer)
    assert refreshed(client_dir).get_targetinfo(_path(release)) is not None


def test_a_block_removes_the_target_and_changes_the_blocklist_target_and_a_lift_restores_both(
    published, client_dir, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    release = published()
    other = published("other-connector", "2.0.0")
    up = refreshed(client_dir, TUF_TARGETS_URL)
    before = up.get_targetinfo("blocklist.json")
    assert json.loads(Path(up.download_target(before)).read_bytes())["blocklist"] == []

    with django_capture_on_commit_callbacks(execute=True):
        entry = block_request(
            package=release.package, release=None, severity="soft", reason="Leaks tokens.", reviewer=reviewer
        )
    with django_capture_on_commit_callbacks(execute=True):
        block_confirm(entry=entry, reviewer=second_reviewer)

    up = refreshed(client_dir, TUF_TARGETS_URL)
    assert up.get_targetinfo(_path(release)) is None
    assert up.get_targetinfo(_path(other)) is not None
    after = up.get_targetinfo("blocklist.json")
    assert after.hashes != before.hashes
    document = json.loads(Path(up.download_target(after, str(client_dir / "blocklist.json"))).read_bytes())
    assert [(row["id"], row["version"]) for row in document["blocklist"]] == [("hello-connector", "1.0.0")]

    with django_capture_on_commit_callbacks(execute=True):
        block_lift(entry=entry, reviewer=second_reviewer, note="False positive.")

    up = refreshed(client_dir)
    assert up.get_targetinfo(_path(release)) is not None


def test_a_release_published_under_a_whole_package_soft_block_joins_the_blocklist_target(
    published, client_dir, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    release = published()
    with django_capture_on_commit_callbacks(execute=True):
        entry = block_request(
            package=release.package, release=None, severity="soft", reason="Leaks tokens.", reviewer=reviewer
        )
    with django_capture_on_commit_callbacks(execute=True):
        block_confirm(entry=entry, reviewer=second_reviewer)

    newer = published("hello-connector", "1.1.0")  # a soft block lets the author publish a fix

    up = refreshed(client_dir, TUF_TARGETS_URL)
    assert up.get_targetinfo(_path(newer)) is None
    info = up.get_targetinfo("blocklist.json")
    document = json.loads(Path(up.download_target(info, str(client_dir / "blocklist.json"))).read_bytes())
    assert [(row["id"], row["version"]) for row in document["blocklist"]] == [
        ("hello-connector", "1.0.0"),
        ("hello-connector", "1.1.0"),
    ]


def test_a_stale_blocklist_is_refused_by_the_updater(
    published, client_dir, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    release = published()
    old = _read("tuf/targets/blocklist.json")
    with django_capture_on_commit_callbacks(execute=True):
        entry = block_request(package=release.package, severity="hard", reason="Malware.", reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        block_confirm(entry=entry, reviewer=second_reviewer)
    # The server (or a cache) serves yesterday's blocklist under the plain name.
    _replace("tuf/targets/blocklist.json", old)

    up = refreshed(client_dir, TUF_TARGETS_URL)
    with pytest.raises(RepositoryError):
        up.download_target(up.get_targetinfo("blocklist.json"), str(client_dir / "blocklist.json"))


# --- freshness and rollback ---------------------------------------------------------------------------


def test_an_expired_timestamp_is_refused_and_the_beat_task_renews_it(published, client_dir):
    release = published()
    # The last files were signed two days ago and nothing refreshed them since.
    services.changed(blocklist=True)
    services.refresh(now=timezone.now() - timedelta(days=2))

    with pytest.raises(ExpiredMetadataError):
        refreshed(client_dir)

    assert tasks.tuf_timestamp_refresh() > 0
    assert refreshed(client_dir).get_targetinfo(_path(release)) is not None
    # Fresh again: the next beat run signs nothing.
    assert tasks.tuf_timestamp_refresh() == 0


def test_the_beat_task_warns_each_run_before_an_offline_role_expires(tuf_repo, published, caplog):
    published()
    assert services.offline_roles_expiring() == []  # a year ahead
    state = RepositoryState.objects.get(pk=1)
    state.targets_expires = timezone.now() + timedelta(days=10)
    state.save(update_fields=["targets_expires"])

    assert [role for role, _ in services.offline_roles_expiring()] == ["targets"]
    with caplog.at_level("ERROR", logger="repository.tasks"):
        tasks.tuf_timestamp_refresh()
    assert "tuf_rotate targets" in caplog.text


def test_an_older_snapshot_than_the_client_has_seen_is_refused(published, client_dir):
    published()
    old_timestamp = _read("tuf/metadata/timestamp.json")
    published("other-connector", "2.0.0")
    refreshed(client_dir)  # The client has seen the newer timestamp and snapshot.

    _replace("tuf/metadata/timestamp.json", old_timestamp)

    with pytest.raises(RepositoryError, match="must be >="):
        refreshed(client_dir)


# --- batching -----------------------------------------------------------------------------------------


def test_a_burst_of_approvals_writes_each_bin_once_and_one_snapshot_and_timestamp(
    submit, build_pkg, reviewer, client_dir, django_capture_on_commit_callbacks
):
    submissions = [submit(build_pkg(id=f"burst-{n}", version="1.0.0")) for n in range(6)]
    before_files = _metadata_files()
    state = RepositoryState.objects.get()
    before = (state.snapshot_version, state.timestamp_version)

    # The approvals commit while the worker is busy: their tasks all run afterwards.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for submission in submissions:
            moderation.submission_approve(submission=submission, reviewer=reviewer)
    for callback in callbacks:
        callback()

    releases = [s.release for s in submissions]
    touched = {services.bin_of(_path(r)) for r in releases}
    state.refresh_from_db()
    assert (state.snapshot_version, state.timestamp_version) == (before[0] + 1, before[1] + 1)
    assert dict(Bin.objects.filter(index__in=touched).values_list("index", "version")) == dict.fromkeys(
        touched, 2
    )
    new_files = _metadata_files() - before_files
    assert new_files == {f"2.{services.bin_name(i)}.json" for i in touched} | {
        f"{before[0] + 1}.snapshot.json"
    }
    up = refreshed(client_dir)
    assert all(up.get_targetinfo(_path(r)) is not None for r in releases)


def test_a_run_with_nothing_pending_writes_nothing(tuf_repo):
    before = _metadata_files(), RepositoryState.objects.get().timestamp_version
    assert tasks.tuf_refresh() == []
    assert (_metadata_files(), RepositoryState.objects.get().timestamp_version) == before


# --- keys ---------------------------------------------------------------------------------------------


def test_rotations_keep_an_existing_client_updating(published, client_dir, tuf_repo, tmp_path):
    release = published()
    refreshed(client_dir)
    root = [str(p) for p in tuf_repo["root"]]
    new_root = [tmp_path / f"new-root-{n}.pem" for n in (1, 2)]
    for path in new_root:
        keys.write_new_key(path)

    call_command("tuf_rotate", "timestamp", "--root-key", root[0], "--root-key", root[1])
    call_command("tuf_rotate", "snapshot", "--root-key", root[1], "--root-key", root[2])
    call_command("tuf_rotate", "bins", "--targets-key", str(tuf_repo["targets"][0]))
    call_command(
        "tuf_rotate", "root", "--root-key", root[0], "--root-key", root[2],
        *[arg for p in new_root for arg in ("--new-root-key", str(p))], "--threshold", "2",
    )  # fmt: skip
    new_targets = tmp_path / "new-targets.pem"
    keys.write_new_key(new_targets)
    call_command(
        "tuf_rotate",
        "targets",
        *[a for p in new_root for a in ("--root-key", str(p))],
        "--new-key",
        str(new_targets),
    )

    up = refreshed(client_dir)
    assert up.get_targetinfo(_path(release)) is not None
    trusted = json.loads((client_dir / "root.json").read_bytes())["signed"]
    assert trusted["version"] == 5  # v1, timestamp, snapshot, root, targets (bins change targets only)
    assert trusted["roles"]["root"]["threshold"] == 2
    assert set(trusted["roles"]["root"]["keyids"]) == {keys.load_signer(p).public_key.keyid for p in new_root}


def test_a_root_rotation_without_a_threshold_of_the_old_keys_is_refused(tuf_repo, tmp_path):
    new_root = tmp_path / "new-root.pem"
    keys.write_new_key(new_root)

    with pytest.raises(CommandError, match="tuf.root_threshold"):
        call_command(
            "tuf_rotate", "root", "--root-key", str(tuf_repo["root"][0]), "--new-root-key", str(new_root)
        )

    assert RepositoryState.objects.get().root_version == 1


def test_a_targets_rotation_without_the_new_key_is_refused_and_writes_nothing(tuf_repo):
    before = _metadata_files()
    root = [arg for path in tuf_repo["root"][:2] for arg in ("--root-key", str(path))]

    with pytest.raises(CommandError, match="tuf.key_missing"):
        call_command("tuf_rotate", "targets", *root)

    assert _metadata_files() == before
    assert RepositoryState.objects.get().root_version == 1


def test_init_twice_is_refused(tuf_repo):
    args = [arg for path in tuf_repo["root"] for arg in ("--root-key", str(path))]
    with pytest.raises(CommandError, match="tuf.initialised"):
        call_command("tuf_init", *args, "--targets-key", str(tuf_repo["targets"][0]))


# --- serving ------------------------------------------------------------------------------------------


def _cache_control(client, url: str) -> str:
    response = client.get(url)
    b"".join(response.streaming_content)  # Read to the end: the test client closes the file.
    return response["Cache-Control"]


def test_metadata_cache_headers_and_unknown_names(client, tuf_repo):
    assert _cache_control(client, "/tuf/metadata/timestamp.json") == "no-cache"
    assert "immutable" in _cache_control(client, "/tuf/metadata/1.root.json")
    assert client.get("/tuf/metadata/../settings.py").status_code == 404
    assert client.get("/tuf/metadata/99.root.json").status_code == 404
    assert client.get("/packages/hello-connector/1.0.0/other.argent-pkg").status_code == 404


def test_the_check_reports_missing_online_key_files(settings, tmp_path):
    from repository.checks import tuf_key_files_check

    settings.DEBUG = False
    for setting in keys.ONLINE_ROLES.values():
        setattr(settings, setting, tmp_path / "missing.pem")
    assert [m.id for m in tuf_key_files_check()] == ["repository.E001"] * 3


def test_a_development_site_initialises_the_repository_at_its_first_change(settings, tmp_path, published):
    settings.DEBUG = True
    settings.DATA_DIR = tmp_path / "data"
    for role, setting in keys.ONLINE_ROLES.items():
        setattr(settings, setting, tmp_path / "data" / "tuf-keys" / f"{role}.pem")

    release = published()

    assert (tmp_path / "data" / "tuf-offline-keys" / "root-3.pem").is_file()
    client_dir = tmp_path / "client"
    client_dir.mkdir()
    (client_dir / "root.json").write_bytes(services.read_metadata("1.root.json"))
    assert refreshed(client_dir).get_targetinfo(_path(release)) is not None
