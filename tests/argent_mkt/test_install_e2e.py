"""``mkt install`` end to end: the real catalog API on pytest-django's live server.

A package is published (uploaded, verified and approved) through the real
services, then installed with the CLI into a temporary ``MKT_HOME``: the exact
bytes come from the ObjectStack artifact endpoint, the key from the ArgentOS
catalog, the signed blocklist from ``/api/v1/blocklist``.  The fixtures that the
format tests turn into no-ops are brought back as in ``test_cli_e2e.py``.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from .test_cli_e2e import _empty_static_root, _storages, celery_mode, storages_config  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _needs_pytest_django(request) -> None:
    if not request.config.pluginmanager.hasplugin("django"):
        pytest.skip("needs pytest-django (the format tests also run with -p no:django)")


@pytest.fixture
def mkt(live_server, monkeypatch, tmp_path, settings):
    """``mkt(*args)``: the CLI against the live server, with ``MKT_HOME`` at ``mkt.home`` and a
    marketplace key that signs the blocklist."""
    from argent_mkt import cli
    from argent_pkg import generate_signing_key, save_signing_key

    settings.SIGNING_KEY_PATH = str(tmp_path / "marketplace-signing.key")
    save_signing_key(settings.SIGNING_KEY_PATH, generate_signing_key())
    monkeypatch.setenv("MKT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MKT_HOME", str(tmp_path / "home"))

    def run(*args: str):
        return CliRunner().invoke(cli.main, [*args, "--url", live_server.url], catch_exceptions=False)

    run.home = tmp_path / "home"
    return run


def test_install_from_the_live_server(
    live_server, migrated_data, build_pkg, publish, monkeypatch, tmp_path, settings
):
    from argent_mkt import cli
    from argent_pkg import fingerprint, generate_signing_key, read_archive, save_signing_key

    # The marketplace's own key, which signs the blocklist.
    settings.SIGNING_KEY_PATH = str(tmp_path / "marketplace-signing.key")
    save_signing_key(settings.SIGNING_KEY_PATH, generate_signing_key())

    pkg = build_pkg(version="1.2.0")
    publish(pkg)
    home = tmp_path / "argentos"
    monkeypatch.setenv("MKT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MKT_HOME", str(home))
    monkeypatch.delenv("MKT_URL", raising=False)
    monkeypatch.delenv("MKT_LICENSE", raising=False)
    package_id = pkg.manifest["id"]

    result = CliRunner().invoke(
        cli.main, ["install", package_id, "--url", live_server.url], catch_exceptions=False
    )

    assert result.exit_code == 0, result.output
    target = home / "connectors" / package_id
    built = read_archive(pkg.data).members
    assert {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()} == set(built)
    for path, content in built.items():
        assert (target / path).read_bytes() == content
    record = json.loads((home / ".mkt" / "installed.json").read_text())["packages"][package_id]
    assert record["version"] == "1.2.0"
    assert record["sha256"] == pkg.sha256  # the exact uploaded bytes, not the package/-wrapped copy
    public_key = json.loads(built["argent.plugin.json"])["author"]["publicKey"]
    assert record["key_fingerprint"] == fingerprint(public_key)
    assert (home / ".mkt" / "marketplace.json").is_file()

    result = CliRunner().invoke(cli.main, ["verify-installed"], catch_exceptions=False)
    assert result.exit_code == 0, result.output

    # A newer release: update picks it; going back needs --allow-downgrade.
    publish(build_pkg(version="1.3.0"))
    result = CliRunner().invoke(cli.main, ["update", "--url", live_server.url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"installed {package_id} 1.3.0 (was 1.2.0)" in result.output
    spec = f"{package_id}@1.2.0"
    result = CliRunner().invoke(cli.main, ["install", spec, "--url", live_server.url], catch_exceptions=False)
    assert result.exit_code == 1 and "refusing to downgrade" in result.output
    result = CliRunner().invoke(
        cli.main, ["install", spec, "--allow-downgrade", "--url", live_server.url], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert (
        json.loads((home / ".mkt" / "installed.json").read_text())["packages"][package_id]["version"]
        == "1.2.0"
    )


def _snapshot(root) -> dict:
    return {
        p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


def test_install_reports_and_plan_caps_stop_it_on_the_live_server(
    live_server, migrated_data, build_pkg, publish, monkeypatch, tmp_path, django_user_model, settings
):
    from argent_mkt import cli
    from argent_pkg import generate_signing_key, save_signing_key

    from catalog.api.services import install_record
    from catalog.models import Install, Package
    from licensing.models import Plan
    from tests.conftest import make_user, subscribe
    from tokens import services as token_services

    settings.SIGNING_KEY_PATH = str(tmp_path / "marketplace-signing.key")
    save_signing_key(settings.SIGNING_KEY_PATH, generate_signing_key())

    Plan.objects.filter(slug="free").update(install_caps={"connector": 1})  # As staff may set it.
    publish(build_pkg(id="first-connector", name="First Connector"))
    publish(build_pkg(id="second-connector", name="Second Connector"))
    home = tmp_path / "argentos"
    monkeypatch.setenv("MKT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MKT_HOME", str(home))
    for name in ("MKT_URL", "MKT_LICENSE", "MKT_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def mkt(*args: str):
        return CliRunner().invoke(cli.main, [*args, "--url", live_server.url], catch_exceptions=False)

    # Not logged in: counted for this home's tenant id, under the Free caps.
    assert mkt("install", "first-connector").exit_code == 0
    tenant = (home / ".mkt" / "tenant-id").read_text().strip()
    assert Install.objects.get(package__identifier="first-connector").tenant_id == tenant
    refused = mkt("install", "second-connector")
    assert refused.exit_code == 1
    assert (
        f"Free plan: at most 1 connector installed (tenant '{tenant}' has 1). Log in with an account token "
        f"(mkt login) and upgrade to Pro at {settings.SITE_URL}/account/plan/" in refused.output
    )
    assert not (home / "connectors" / "second-connector").exists()

    # Logged in with an account token of a Free customer who already uses their one connector.
    customer = make_user(django_user_model, "carol")
    second = Package.objects.get(identifier="second-connector")
    install_record(package=second, release=second.latest_release, user=customer)
    monkeypatch.setenv(
        "MKT_TOKEN", token_services.api_token_create(user=customer, name="laptop", account=True)[1]
    )
    publish(build_pkg(id="first-connector", name="First Connector", version="1.1.0"))
    before = _snapshot(home)
    refused = mkt("update", "first-connector")
    assert refused.exit_code == 1
    assert "Free plan: at most 1 connector installed (you have 1). Upgrade to Pro at" in refused.output
    assert _snapshot(home) == before  # The previous installation, exactly as it was.

    subscribe(customer, "pro")
    updated = mkt("update", "first-connector")
    assert updated.exit_code == 0, updated.output
    assert "installed first-connector 1.1.0 (was 1.0.0)" in updated.output
    assert Install.objects.filter(user=customer, release__version="1.1.0").count() == 1


def test_log_verify_audits_the_whole_log_and_finds_an_altered_entry(migrated_data, build_pkg, publish, mkt):
    """``mkt log verify`` reads the checkpoint, every entry bundle and tile from the live server."""
    from argent_pkg import tlog
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    publish(build_pkg(version="1.0.0"))
    publish(build_pkg(version="1.1.0"))

    result = mkt("log", "verify")
    assert result.exit_code == 0, result.output
    # The author key's registration and two publications.
    assert "log verified: 3 entries (1 key.registered, 2 release.published)" in result.output
    assert "Trusting" in result.output  # the log key, pinned on first use

    # Someone with write access to the storage edits an entry: its hash no longer matches its tile.
    storage = storages["packages"]
    name = "log/" + tlog.entries_path(0, 3)
    with storage.open(name) as handle:
        entries = tlog.decode_bundle(handle.read())
    entries[1] = entries[1].replace(b'"1.0.0"', b'"9.9.9"')
    storage.delete(name)
    storage.save(name, ContentFile(tlog.encode_bundle(entries)))
    result = mkt("log", "verify")
    assert result.exit_code == 1
    assert "the log's entry 1 does not hash to its tile" in result.output


def test_trust_pins_a_root_handed_out_by_the_operator_and_refuses_anything_else(monkeypatch, tmp_path):
    """``mkt trust --root FILE``: a self-signed TUF root is pinned; a root its keys do not sign is refused."""
    from argent_mkt import cli
    from securesystemslib.signer import CryptoSigner
    from tuf.api.metadata import Metadata, Root

    monkeypatch.setenv("MKT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("MKT_HOME", str(tmp_path / "home"))
    signer = CryptoSigner.generate_ed25519()
    root = Metadata(Root())
    root.signed.add_key(signer.public_key, Root.type)
    root.sign(signer)
    good = tmp_path / "root.json"
    good.write_bytes(root.to_bytes())
    root.signatures.clear()
    root.sign(CryptoSigner.generate_ed25519())  # another key's signature: not the root's own
    bad = tmp_path / "forged-root.json"
    bad.write_bytes(root.to_bytes())
    url = "https://market.example"

    result = CliRunner().invoke(cli.main, ["trust", "--root", str(bad), "--url", url])
    assert result.exit_code == 1
    assert "not a TUF root signed by its own keys" in result.output
    result = CliRunner().invoke(cli.main, ["trust", "--root", str(good), "--url", url])
    assert result.exit_code == 0, result.output
    assert signer.public_key.keyid in result.output
    pinned = list((tmp_path / "home" / ".mkt" / "tuf").glob("*/root.json"))
    assert [path.read_bytes() for path in pinned] == [good.read_bytes()]


def test_a_new_author_key_installs_only_when_the_log_shows_the_same_publisher(
    migrated_data, build_pkg, publish, reviewer, author, django_user_model,
    django_capture_on_commit_callbacks, mkt,
):  # fmt: skip
    """The key pinned at the first install changes only within the publisher the log names."""
    from argent_pkg import generate_signing_key, public_key_b64

    from catalog.models import Package
    from moderation import services as moderation
    from publishing import services
    from tests.conftest import make_user, subscribe

    publish(build_pkg(version="1.0.0"))
    assert mkt("install", "hello-connector").exit_code == 0
    # The publisher rotates to a second key: the log shows it registered to, and used by, the same publisher.
    rotated = generate_signing_key()
    key = services.signing_key_register(
        publisher=author.publisher, public_key=public_key_b64(rotated), label="new laptop", user=author.user
    )
    publish(build_pkg(version="1.1.0", key=rotated))
    result = mkt("update", "hello-connector")
    assert result.exit_code == 0, result.output
    assert f"is signed by a new key, {key.fingerprint}" in result.output
    assert "both published by the same publisher, alice-tools" in result.output

    # The package moves to another publisher (a takeover in the database), whose key signs 1.2.0.
    mallory = make_user(django_user_model, "mallory")
    subscribe(mallory, "pro")
    other = services.publisher_create(user=mallory, name="Mallory", slug="mallory")
    theirs = generate_signing_key()
    services.signing_key_register(publisher=other, public_key=public_key_b64(theirs), label="x", user=mallory)
    Package.objects.filter(identifier="hello-connector").update(publisher=other)
    built = build_pkg(version="1.2.0", key=theirs)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(
            publisher=other, uploader=mallory, upload=built.file(), filename=built.filename
        )
    with django_capture_on_commit_callbacks(execute=True):
        moderation.submission_approve(submission=submission, reviewer=reviewer)
    home = mkt.home
    before = {p: p.read_bytes() for p in home.rglob("*") if p.is_file() and "tuf" not in p.parts}
    result = mkt("update", "hello-connector")
    assert result.exit_code == 1
    assert "does not show both published by the same publisher" in result.output
    assert {p: p.read_bytes() for p in home.rglob("*") if p.is_file() and "tuf" not in p.parts} == before
    assert mkt("update", "hello-connector", "--trust-new-key").exit_code == 0


def test_a_new_log_key_is_refused_once_one_is_pinned(
    migrated_data, build_pkg, publish, tmp_path, settings, mkt
):
    """The log key pinned on first use must not change: another key is another log (another history)."""
    from argent_pkg import generate_signing_key, save_signing_key

    publish(build_pkg(version="1.0.0"))
    assert mkt("install", "hello-connector").exit_code == 0
    settings.LOG_SIGNING_KEY_PATH = str(tmp_path / "another-log.key")
    save_signing_key(settings.LOG_SIGNING_KEY_PATH, generate_signing_key())
    result = mkt("install", "hello-connector", "--reinstall")
    assert result.exit_code == 1
    assert "the marketplace's transparency log key is now" in result.output
    assert "not the pinned" in result.output
