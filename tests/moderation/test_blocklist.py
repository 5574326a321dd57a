"""The blocklist: two-reviewer blocks, the signed ``GET /api/v1/blocklist`` and its admin."""

from __future__ import annotations

import base64
import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import rfc8785
from argent_pkg import fingerprint, generate_signing_key, save_signing_key
from django.core.exceptions import ImproperlyConfigured
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from catalog.constants import ListingStatus
from moderation import blocklist
from moderation.blocklist import (
    block_confirm,
    block_lift,
    block_request,
    blocklist_document,
    marketplace_public_key,
)
from moderation.constants import Action
from moderation.models import BlockEntry, Decision
from moderation.services import DecisionError
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(autouse=True)
def marketplace_key(settings, tmp_path):
    """A marketplace key at ``SIGNING_KEY_PATH`` (tests run with ``DEBUG`` off, so none is generated)."""
    path = tmp_path / "marketplace-signing.key"
    save_signing_key(path, generate_signing_key())
    settings.SIGNING_KEY_PATH = path
    return path


def _verify(document: dict, public_key_b64: str) -> None:
    """Verify as a client does: Ed25519 over the RFC 8785 canonical JSON of ``blocklist``."""
    VerifyKey(base64.b64decode(public_key_b64)).verify(
        rfc8785.dumps(document["blocklist"]), base64.b64decode(document["signature"])
    )


# --- services ------------------------------------------------------------------------------------


def test_a_block_takes_effect_when_another_reviewer_confirms_it(published, reviewer, second_reviewer):
    release = published()

    entry = block_request(
        package=release.package, release=release, severity="soft", reason="Leaks tokens.", reviewer=reviewer
    )
    assert blocklist.block_status(entry) == "requested"
    assert blocklist_document()["blocklist"] == []

    block_confirm(entry=entry, reviewer=second_reviewer)

    entry.refresh_from_db()
    assert blocklist.block_status(entry) == "confirmed" and entry.confirmed_by == second_reviewer
    [row] = blocklist_document()["blocklist"]
    assert row == {
        "id": "hello-connector",
        "version": "1.0.0",
        "sha256": release.artifact_sha256,
        "severity": "soft",
        "reason": "Leaks tokens.",
        "blocked_at": entry.confirmed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    release.package.refresh_from_db()
    assert release.package.status == ListingStatus.PUBLISHED  # a soft block does not suspend
    actions = list(Decision.objects.filter(package=release.package).values_list("action", flat=True))
    assert Action.BLOCK_REQUEST in actions and Action.BLOCK_CONFIRM in actions


def test_the_requester_cannot_confirm_their_own_block(published, reviewer):
    release = published()
    entry = block_request(package=release.package, severity="hard", reason="Malware.", reviewer=reviewer)

    with pytest.raises(DecisionError, match="other than the one who requested"):
        block_confirm(entry=entry, reviewer=reviewer)
    entry.refresh_from_db()
    assert entry.confirmed_at is None


def test_confirming_needs_the_permission(published, reviewer, django_user_model):
    release = published()
    entry = block_request(package=release.package, severity="soft", reason="Spam.", reviewer=reviewer)
    staff = make_user(django_user_model, "tom", is_staff=True)

    with pytest.raises(DecisionError, match="may not confirm"):
        block_confirm(entry=entry, reviewer=staff)


def test_a_hard_block_suspends_the_listing(published, reviewer, second_reviewer):
    release = published()
    entry = block_request(package=release.package, severity="hard", reason="Steals keys.", reviewer=reviewer)

    block_confirm(entry=entry, reviewer=second_reviewer)

    release.package.refresh_from_db()
    assert release.package.status == ListingStatus.SUSPENDED
    assert release.package.status_reason == "Blocked: Steals keys."
    with pytest.raises(DecisionError, match="confirmed already"):
        block_confirm(entry=entry, reviewer=second_reviewer)


def test_a_whole_package_block_covers_every_published_release(published, reviewer, second_reviewer):
    first = published(version="1.0.0")
    published(version="1.10.0")
    published(version="1.2.0")
    published(identifier="another-connector")
    entry = block_request(package=first.package, severity="hard", reason="Compromised.", reviewer=reviewer)
    block_confirm(entry=entry, reviewer=second_reviewer)

    rows = blocklist_document()["blocklist"]

    assert [(r["id"], r["version"]) for r in rows] == [
        ("hello-connector", "1.0.0"),
        ("hello-connector", "1.2.0"),
        ("hello-connector", "1.10.0"),
    ]


def test_a_release_under_two_blocks_is_listed_once_with_the_hard_one(published, reviewer, second_reviewer):
    release = published()
    soft = block_request(
        package=release.package, release=release, severity="soft", reason="a", reviewer=reviewer
    )
    hard = block_request(package=release.package, severity="hard", reason="b", reviewer=reviewer)
    for entry in (soft, hard):
        block_confirm(entry=entry, reviewer=second_reviewer)

    [row] = blocklist_document()["blocklist"]

    assert (row["severity"], row["reason"]) == ("hard", "b")


def test_lifting_removes_the_block_and_needs_a_note(published, reviewer, second_reviewer):
    release = published()
    entry = block_request(
        package=release.package, release=release, severity="soft", reason="x", reviewer=reviewer
    )
    block_confirm(entry=entry, reviewer=second_reviewer)

    with pytest.raises(DecisionError, match="note"):
        block_lift(entry=entry, reviewer=reviewer, note=" ")
    block_lift(entry=entry, reviewer=reviewer, note="False positive.")

    entry.refresh_from_db()
    assert blocklist.block_status(entry) == "lifted"
    assert blocklist_document()["blocklist"] == []
    lift = Decision.objects.get(action=Action.BLOCK_LIFT)
    assert (lift.status_before, lift.status_after, lift.reviewer) == ("confirmed", "lifted", reviewer)
    with pytest.raises(DecisionError, match="lifted already"):
        block_lift(entry=entry, reviewer=reviewer, note="again")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": " "}, "reason is required"),
        ({"severity": "medium"}, "Unknown block severity"),
    ],
)
def test_block_request_checks_its_input(published, reviewer, changes, message):
    release = published()
    arguments = {"package": release.package, "severity": "soft", "reason": "Bad.", "reviewer": reviewer}

    with pytest.raises(DecisionError, match=message):
        block_request(**{**arguments, **changes})


def test_the_same_target_cannot_be_blocked_twice_nor_another_packages_release(published, reviewer):
    release = published()
    other = published(identifier="another-connector")
    block_request(package=release.package, release=release, severity="soft", reason="x", reviewer=reviewer)

    with pytest.raises(DecisionError, match="requested or in force already"):
        block_request(
            package=release.package, release=release, severity="hard", reason="y", reviewer=reviewer
        )
    with pytest.raises(DecisionError, match="not a published release"):
        block_request(package=release.package, release=other, severity="hard", reason="y", reviewer=reviewer)


# --- the signed document ---------------------------------------------------------------------------


def test_the_signature_verifies_with_the_marketplace_key_and_fails_when_tampered(
    client, published, reviewer, second_reviewer
):
    release = published()
    entry = block_request(
        package=release.package, release=release, severity="hard", reason="x", reviewer=reviewer
    )
    block_confirm(entry=entry, reviewer=second_reviewer)

    response = client.get("/api/v1/blocklist")

    assert response.status_code == 200
    assert "max-age=60" in response["Cache-Control"]
    document = response.json()
    assert document["signed"] == "rfc8785(blocklist)" and document["algorithm"] == "ed25519"
    assert document["generated_at"].endswith("Z")
    public_key = marketplace_public_key()
    assert document["public_key"] == public_key
    assert document["key_fingerprint"] == fingerprint(public_key)
    _verify(document, public_key)  # Raises when the signature is wrong.

    tampered = copy.deepcopy(document)
    tampered["blocklist"][0]["severity"] = "soft"
    with pytest.raises(BadSignatureError):
        _verify(tampered, public_key)
    emptied = {**document, "blocklist": []}
    with pytest.raises(BadSignatureError):
        _verify(emptied, public_key)


def test_an_empty_blocklist_is_signed_too(client):
    document = client.get("/api/v1/blocklist").json()

    assert document["blocklist"] == []
    _verify(document, marketplace_public_key())


def test_the_blocklist_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()

    assert "/api/v1/blocklist" in schema["paths"]


# --- the key ------------------------------------------------------------------------------------------


def test_a_missing_key_is_generated_in_debug_and_refused_otherwise(settings, tmp_path):
    settings.SIGNING_KEY_PATH = tmp_path / "keys" / "generated.key"
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured):
        blocklist.marketplace_signing_key()

    settings.DEBUG = True
    public_key = marketplace_public_key()

    assert (tmp_path / "keys" / "generated.key").stat().st_mode & 0o777 == 0o600
    assert marketplace_public_key() == public_key


def test_settings_refuse_to_start_without_the_key_when_debug_is_off(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SIGNING_KEY_PATH"}}
    env.update(DEBUG="false", SECRET_KEY="x7" * 40, DATA_DIR=str(tmp_path / "data"))

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode != 0
    assert "SIGNING_KEY_PATH" in result.stderr


# --- admin --------------------------------------------------------------------------------------------


def test_admin_request_confirm_and_lift(client, published, reviewer, second_reviewer):
    release = published()
    client.force_login(reviewer)
    changelist = "/admin/moderation/blockentry/"
    assert "Request a block" in client.get(changelist).content.decode()

    response = client.post(
        "/admin/moderation/blockentry/request/",
        {"package": "hello-connector", "version": "1.0.0", "severity": "hard", "reason": "Malware."},
    )
    assert response.status_code == 302
    entry = BlockEntry.objects.get()
    assert entry.release == release and entry.requested_by == reviewer

    # The requester's own confirmation is refused.
    client.post(changelist, {"action": "confirm", "_selected_action": [entry.pk]}, follow=True)
    entry.refresh_from_db()
    assert entry.confirmed_at is None

    client.force_login(second_reviewer)
    page = client.get(changelist, {"block_status": "mine"}).content.decode()
    assert "Malware." in page
    response = client.post(changelist, {"action": "confirm", "_selected_action": [entry.pk]}, follow=True)
    assert "Blocks confirmed: 1." in response.content.decode()
    entry.refresh_from_db()
    assert entry.confirmed_by == second_reviewer

    response = client.post(
        changelist, {"action": "lift", "_selected_action": [entry.pk], "note": ""}, follow=True
    )
    assert "note is required" in response.content.decode()
    client.post(changelist, {"action": "lift", "_selected_action": [entry.pk], "note": "Cleared."})
    entry.refresh_from_db()
    assert entry.lifted_by == second_reviewer
    assert "lifted" in client.get(changelist).content.decode()
    assert "Malware." in client.get(f"{changelist}{entry.pk}/change/").content.decode()
    assert client.get(changelist, {"block_status": "lifted"}).context["cl"].result_count == 1
    assert client.get(changelist, {"block_status": "confirmed"}).context["cl"].result_count == 0


def test_admin_request_form_reports_unknown_packages_and_versions(client, published, reviewer):
    published()
    client.force_login(reviewer)
    url = "/admin/moderation/blockentry/request/"

    assert "hello-connector" in client.get(url, {"package": "hello-connector"}).content.decode()
    response = client.post(url, {"package": "nope", "severity": "soft", "reason": "x"})
    assert "No package" in response.content.decode()
    response = client.post(
        url, {"package": "hello-connector", "version": "9.9.9", "severity": "soft", "reason": "x"}
    )
    assert "no published version" in response.content.decode()
    assert not BlockEntry.objects.exists()
