"""The transparency log: entries at each event, integration, the served files, proofs, monitors, audit.

Every proof the server serves is checked with ``argent_pkg.tlog``'s verifiers (themselves tested
against the RFC 9162 vectors and pymerkle in tests/argent_pkg/test_tlog.py), as a client would.
"""

from __future__ import annotations

import base64
import itertools
import json

import pytest
from argent_pkg import tlog
from django.core import mail
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Release
from moderation.blocklist import block_confirm, block_lift, block_request
from moderation.services import release_yank
from publishing import services as publishing_services
from tests.conftest import make_user, public_key_b64
from transparency import services, tree
from transparency.models import Checkpoint, LogEntry, TreeNode

pytestmark = pytest.mark.django_db


def _entries(kind: str | None = None) -> list[dict]:
    rows = LogEntry.objects.order_by("index")
    if kind:
        rows = rows.filter(kind=kind)
    return [json.loads(bytes(row.body)) for row in rows]


def _public_key() -> bytes:
    return bytes(tree.log_signing_key().verify_key)


def _open(note: str) -> tlog.Checkpoint:
    return tlog.open_checkpoint(note, tree.settings.LOG_ORIGIN, _public_key())


def _integrate() -> None:
    while tree.integrate().after != tree.integrate().before:
        pass


def _append_many(count: int) -> None:
    with transaction.atomic():
        for i in range(count):
            services.append(
                "key.revoked", {"publisher": "bulk", "key_fingerprint": f"SHA256:{i}", "public_key": ""}
            )


# --- the events ----------------------------------------------------------------------------------


def test_publishing_a_release_logs_it_with_its_key_and_signature(published, author, client):
    release = published()
    release.refresh_from_db()
    (entry,) = _entries("release.published")
    assert entry["id"] == "hello-connector" and entry["version"] == "1.0.0"
    assert entry["sha256"] == release.artifact_sha256
    assert entry["key_fingerprint"] == author.key.fingerprint
    assert entry["public_key"] == author.key.public_key
    assert entry["signature"] in release.signatures.values() and entry["signature"]
    assert entry["publisher"] == "alice-tools"
    row = LogEntry.objects.get(kind="release.published")
    assert release.log_index == row.index
    # The key registered by the fixture came first.
    assert _entries()[0]["kind"] == "key.registered"
    assert _entries()[0]["key_fingerprint"] == author.key.fingerprint


def test_the_catalog_detail_names_the_log_index(published, client):
    release = published()
    release.refresh_from_db()
    body = client.get("/api/v1/catalog/hello-connector").json()
    assert body["latest"]["log_index"] == release.log_index
    assert body["versions"][0]["log_index"] == release.log_index


def test_yank_block_and_lift_are_logged(
    published, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    release = published()
    with django_capture_on_commit_callbacks(execute=True):
        release_yank(release=Release.objects.get(pk=release.pk), reviewer=reviewer, reason="Broken build.")
    (yanked,) = _entries("release.yanked")
    assert (yanked["id"], yanked["version"], yanked["reason"]) == (
        "hello-connector",
        "1.0.0",
        "Broken build.",
    )

    withdrawn = block_request(
        package=release.package, release=None, severity="soft", reason="Typo.", reviewer=reviewer
    )
    with django_capture_on_commit_callbacks(execute=True):
        block_lift(entry=withdrawn, reviewer=reviewer, note="Withdrawn.")
    assert _entries("block.added") == _entries("block.lifted") == []  # never in force: nothing to log
    block = block_request(
        package=release.package, release=None, severity="hard", reason="Malware.", reviewer=reviewer
    )
    assert _entries("block.added") == []  # a request is not in force
    with django_capture_on_commit_callbacks(execute=True):
        block_confirm(entry=block, reviewer=second_reviewer)
    (added,) = _entries("block.added")
    assert (added["id"], added["version"], added["severity"]) == ("hello-connector", None, "hard")
    with django_capture_on_commit_callbacks(execute=True):
        block_lift(entry=block, reviewer=reviewer, note="False positive.")
    (lifted,) = _entries("block.lifted")
    assert lifted["id"] == "hello-connector"


def test_key_registration_and_revocation_are_logged(author, signing_key):
    from nacl.signing import SigningKey

    other = SigningKey.generate()
    key = publishing_services.signing_key_register(
        publisher=author.publisher, public_key=public_key_b64(other), label="CI", user=author.user
    )
    publishing_services.signing_key_revoke(key=key, reason="Left on a build server.", user=author.user)
    registered = _entries("key.registered")
    assert [e["key_fingerprint"] for e in registered] == [author.key.fingerprint, key.fingerprint]
    (revoked,) = _entries("key.revoked")
    assert revoked == {**revoked, "publisher": "alice-tools", "public_key": key.public_key}


# --- appending -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_append_refuses_to_run_outside_the_events_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.append("key.revoked", {"publisher": "x", "key_fingerprint": "f", "public_key": ""})


def test_a_rolled_back_event_leaves_no_entry_and_no_gap(db):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        services.append("key.revoked", {"publisher": "x", "key_fingerprint": "1", "public_key": ""})
        1 / 0  # noqa: B018 - the event fails after its entry was appended
    _append_many(2)
    assert list(LogEntry.objects.values_list("index", flat=True)) == [0, 1]


def test_unknown_kinds_and_reserved_fields_are_refused(db):
    with transaction.atomic():
        with pytest.raises(ValueError, match="Unknown"):
            services.append("release.deleted", {})
        with pytest.raises(ValueError, match="kind or time"):
            services.append("key.revoked", {"kind": "release.published"})


# --- integration, files and proofs ---------------------------------------------------------------


def test_integration_signs_checkpoints_that_prove_inclusion_and_consistency(db):
    sizes = [1, 5, 250, 7, 300]  # crosses a full tile (256) and a level-1 tile
    for count in sizes:
        _append_many(count)
        _integrate()
    total = sum(sizes)
    checkpoints = list(Checkpoint.objects.order_by("size"))
    assert [c.size for c in checkpoints] == [1, 6, 256, 263, 563]
    leaves = [bytes(h) for h in LogEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
    for checkpoint in checkpoints:
        signed = _open(checkpoint.note)
        assert signed.size == checkpoint.size and signed.root == tlog.root_of(leaves[: checkpoint.size])
    last = _open(checkpoints[-1].note)
    for index in (0, 1, 255, 256, 300, total - 1):
        tlog.verify_inclusion(leaves[index], index, total, tree.inclusion(index, total), last.root)
    for old in checkpoints[:-1]:
        first = _open(old.note)
        tlog.verify_consistency(first.size, total, tree.consistency(first.size, total), first.root, last.root)
    # Two nodes per leaf at most: the stored tree does not grow faster than the log.
    assert TreeNode.objects.count() < 2 * total


def test_the_files_are_tlog_tiles_a_client_can_read(db, client):
    _append_many(300)
    _integrate()
    note = client.get("/log/checkpoint")
    assert note.status_code == 200 and note["Cache-Control"] == "no-cache"
    assert note["Content-Type"] == "text/plain; charset=utf-8"
    checkpoint = _open(note.content.decode())
    assert checkpoint.size == 300

    def fetch(path: str) -> bytes:
        answer = client.get(f"/log/{path}")
        assert answer.status_code == 200, path
        assert answer["Cache-Control"] == "public, max-age=31536000, immutable"
        assert answer["Content-Type"] == "application/octet-stream"
        return answer.content

    reader = tlog.TileReader(fetch, checkpoint.size)
    assert reader.root() == checkpoint.root
    proof = tlog.inclusion_proof(reader, 299, 300)
    bundle = tlog.decode_bundle(fetch(tlog.entries_path(1, 44)))
    assert len(bundle) == 44 and json.loads(bundle[-1])["key_fingerprint"] == "SHA256:299"
    tlog.verify_inclusion(tlog.leaf_hash(bundle[-1]), 299, 300, proof, checkpoint.root)
    assert fetch("tile/0/000") and fetch("tile/entries/000")  # the full tile and bundle
    stored = storages["packages"]
    assert stored.exists("log/tile/1/000.p/1")


@pytest.mark.parametrize(
    "path",
    ["../settings.py", "tile/0/../../x", "tile/64/000", "tile/0/0000", "tile/0/000.p/0", "tile/0/000.p/256x",
     "tile/0/x1/000", "checkpoint/", "tile/0/999", "tile/entries/001.p/3", "tile", "%00", "tile/0/000.p/07"],
)  # fmt: skip
def test_other_log_paths_answer_404(db, client, path):
    _append_many(3)
    _integrate()
    assert client.get(f"/log/{path}").status_code == 404


def test_the_release_proof_endpoint_proves_inclusion(published, client):
    release = published()
    release.refresh_from_db()
    answer = client.get("/api/v1/log/releases/hello-connector/1.0.0")
    assert answer.status_code == 200
    body = answer.json()
    assert body["log_index"] == release.log_index
    entry = base64.b64decode(body["entry"])
    assert json.loads(entry)["sha256"] == release.artifact_sha256
    checkpoint = tlog.open_checkpoint(body["checkpoint"], body["log"]["origin"], _public_key())
    assert tlog.parse_verifier_key(body["log"]["verifier_key"]) == (body["log"]["origin"], _public_key())
    assert body["tree_size"] == checkpoint.size
    tlog.verify_inclusion(
        tlog.leaf_hash(entry), body["log_index"], checkpoint.size,
        [base64.b64decode(p) for p in body["inclusion_proof"]], checkpoint.root,
    )  # fmt: skip
    info = client.get("/api/v1/log").json()
    assert info == body["log"]


@pytest.mark.parametrize(
    "path",
    ["hello-connector/9.9.9", "nobody/1.0.0", "hello-connector/%20", "x" * 300 + "/1", "h%C3%A9/1.0.0",
     "hello-connector/1.0.0%0A", "'%3B--/1"],
)  # fmt: skip
def test_unknown_releases_answer_404(published, client, path):
    published()
    answer = client.get(f"/api/v1/log/releases/{path}")
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["code"] == "not_found"


def test_an_entry_not_yet_integrated_has_no_proof_yet(published, client):
    published()
    with transaction.atomic():  # appended, but the integration task has not run (no commit hook here)
        services.append("key.revoked", {"publisher": "x", "key_fingerprint": "f", "public_key": ""})
    LogEntry.objects.filter(kind="release.published").update(index=10_000)
    body = client.get("/api/v1/log/releases/hello-connector/1.0.0").json()
    assert body["inclusion_proof"] is None and body["tree_size"] is None


# --- monitors ------------------------------------------------------------------------------------


def test_every_member_hears_of_every_entry_naming_the_publisher(published, author, django_user_model):
    from catalog.constants import MemberRole
    from catalog.models import PublisherMember

    colleague = make_user(django_user_model, "carol")
    PublisherMember.objects.create(publisher=author.publisher, user=colleague, role=MemberRole.MEMBER)
    mail.outbox.clear()
    published()
    logged = [m for m in mail.outbox if "Transparency log" in m.subject]
    assert sorted(m.to[0] for m in logged) == sorted([author.email, colleague.email])
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in logged)  # no one sees another's address
    message = logged[0]
    assert "a release was published" in message.subject and "Alice Tools" in message.subject
    assert "hello-connector" in message.body and author.key.fingerprint in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html" and "hello-connector" in html


# --- the audit -----------------------------------------------------------------------------------


def test_log_audit_passes_on_an_untouched_log_and_names_an_edited_entry(db, capsys):
    _append_many(40)
    _integrate()
    _append_many(3)
    _integrate()
    call_command("log_audit")
    assert "43 entries match" in capsys.readouterr().out
    with connection.cursor() as cursor:  # a raw UPDATE, as someone with database access would
        cursor.execute('UPDATE transparency_logentry SET body = %s WHERE "index" = 17', [b'{"x":1}'])
    with pytest.raises(CommandError, match="Entry 17"):
        call_command("log_audit")


def test_log_audit_finds_an_entry_edited_with_its_hashes(db):
    _append_many(10)
    _integrate()
    forged = b'{"kind":"key.revoked"}'
    LogEntry.objects.filter(index=4).update(body=forged, leaf_hash=tlog.leaf_hash(forged))
    TreeNode.objects.filter(level=0, index=4).update(hash=tlog.leaf_hash(forged))
    with pytest.raises(CommandError, match="entries 0 to 9 do not hash to the signed checkpoint at size 10"):
        call_command("log_audit")


def test_the_openapi_document_describes_the_log_endpoints(db, client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    proof = paths["/api/v1/log/releases/{identifier}/{version}"]["get"]
    assert set(proof["responses"]) == {"200", "404"}
    assert "/api/v1/log" in paths


def test_a_run_that_stopped_half_way_is_completed_by_the_next(db):
    _append_many(300)
    _integrate()
    stored = storages["packages"]
    for name in ("log/checkpoint", "log/tile/0/001.p/44", "log/tile/entries/001.p/44", "log/tile/1/000.p/1"):
        stored.delete(name)  # as if the worker died after writing the full tiles

    assert tree.integrate().after == 300  # nothing new to integrate: the files are written again
    for name in ("log/checkpoint", "log/tile/0/001.p/44", "log/tile/entries/001.p/44", "log/tile/1/000.p/1"):
        assert stored.exists(name), name
    with stored.open("log/checkpoint") as handle:
        assert _open(handle.read().decode()).size == 300


class _Rollback(Exception):
    """Ends a hypothesis example: its rows are rolled back so the next starts from an empty log."""


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.integers(1, 300), min_size=1, max_size=4), data=st.data())
def test_every_proof_the_server_gives_verifies(db, batches, data):
    with pytest.raises(_Rollback), transaction.atomic():
        for count in batches:
            _append_many(count)
            _integrate()
        leaves = [bytes(h) for h in LogEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]
        signed = [_open(c.note) for c in Checkpoint.objects.order_by("size")]
        assert [c.size for c in signed] == list(itertools.accumulate(batches))
        for checkpoint in signed:
            assert checkpoint.root == tlog.root_of(leaves[: checkpoint.size])
            index = data.draw(st.integers(0, checkpoint.size - 1))
            proof = tree.inclusion(index, checkpoint.size)
            tlog.verify_inclusion(leaves[index], index, checkpoint.size, proof, checkpoint.root)
            if proof:  # a tampered proof fails
                with pytest.raises(tlog.ProofError):
                    tlog.verify_inclusion(
                        leaves[index],
                        index,
                        checkpoint.size,
                        [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]],
                        checkpoint.root,
                    )
        for old, new in itertools.pairwise(signed):
            tlog.verify_consistency(
                old.size, new.size, tree.consistency(old.size, new.size), old.root, new.root
            )
        raise _Rollback
