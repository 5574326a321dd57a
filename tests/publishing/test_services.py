"""The upload service and the verification task, against the database and real packages."""

from __future__ import annotations

import io

import pytest
from django.core.files import File
from django.core.files.storage import storages
from django.utils import timezone

from catalog import cache as catalog_cache
from catalog.constants import ListingStatus
from catalog.models import Package, Release
from publishing import services
from publishing.constants import SubmissionStatus
from publishing.models import ScanFinding, Submission
from tests.conftest import public_key_b64, subscribe

pytestmark = pytest.mark.django_db


def _stored_files(alias: str) -> list[str]:
    storage = storages[alias]
    found, stack = [], [""]
    while stack:
        prefix = stack.pop()
        try:
            dirs, files = storage.listdir(prefix)
        except FileNotFoundError:
            continue
        found += [f"{prefix}{f}" for f in files]
        stack += [f"{prefix}{d}/" for d in dirs]
    return found


def _create(author, pkg, **kwargs) -> Submission:
    return services.submission_create(
        publisher=author.publisher,
        uploader=author.user,
        upload=pkg.file(),
        filename=pkg.filename,
        **kwargs,
    )


def test_valid_upload_is_stored_verified_and_queued_for_review(
    author, build_pkg, django_capture_on_commit_callbacks
):
    pkg = build_pkg()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submission = _create(author, pkg, release_notes="First!")

    ours = [callback for callback in callbacks if callback is not catalog_cache._bump]  # catalog.cache's
    assert len(ours) == 2  # enqueue the verification, e-mail the members
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.IN_REVIEW
    assert submission.checked_at is not None
    assert submission.upload_sha256 == pkg.sha256
    assert submission.upload_size == pkg.size
    assert submission.is_new_package
    with submission.upload.open("rb") as stored:
        assert stored.read() == pkg.data
    release = submission.release
    assert (release.version, release.artifact_sha256, release.signing_key) == (
        "1.0.0",
        pkg.sha256,
        author.key,
    )
    assert release.published_at is None
    assert release.signatures["embedded"]
    assert release.permissions == ["network:api.example.com"]
    package = submission.package
    assert (package.identifier, package.display_name, package.status) == (
        "hello-connector",
        "Hello Connector",
        ListingStatus.IN_REVIEW,
    )
    assert package.kind.slug == "connector" and package.category.slug == "integration"
    assert package.readme.startswith("# Hello Connector")


def test_invalid_package_is_refused_with_every_rule_and_nothing_is_kept(author, build_pkg):
    pkg = build_pkg(version="1.0", tags=["Bad Tag"], permissions=["docker:NET_ADMIN"])

    with pytest.raises(services.SubmissionRejected) as excinfo:
        _create(author, pkg)

    codes = {p.code for p in excinfo.value.problems}
    fields = {p.field for p in excinfo.value.problems}
    assert excinfo.value.status == 400
    assert len(excinfo.value.problems) >= 3
    assert "version" in fields and "permissions[0]" in fields
    assert any(code.startswith("manifest.") for code in codes)
    assert not Submission.objects.exists() and not Package.objects.exists() and not Release.objects.exists()
    assert _stored_files("quarantine") == []


def test_not_a_package_is_refused(author):
    upload = File(io.BytesIO(b"this is not a gzip file"), name="junk.argent-pkg")

    with pytest.raises(services.SubmissionRejected) as excinfo:
        services.submission_create(
            publisher=author.publisher, uploader=author.user, upload=upload, filename="junk"
        )

    assert excinfo.value.problems[0].code.startswith("archive.")
    assert _stored_files("quarantine") == []


def test_key_not_registered_to_the_publisher_is_refused(author, build_pkg):
    from nacl.signing import SigningKey

    pkg = build_pkg(key=SigningKey.generate())

    with pytest.raises(services.SubmissionRejected) as excinfo:
        _create(author, pkg)

    assert [p.code for p in excinfo.value.problems] == ["signature.key_not_registered"]


def test_revoked_key_is_refused(author, build_pkg):
    author.key.revoked_at = timezone.now()
    author.key.save()

    with pytest.raises(services.SubmissionRejected) as excinfo:
        _create(author, build_pkg())

    assert [p.code for p in excinfo.value.problems] == ["signature.key_revoked"]


def test_identifier_of_another_publisher_is_a_conflict(author, build_pkg, django_user_model, signing_key):
    _create(author, build_pkg())
    other_user = django_user_model.objects.create_user("bob", "bob@example.com", "x")
    subscribe(other_user, "pro")
    other = services.publisher_create(user=other_user, name="Bob", slug="bob")
    from nacl.signing import SigningKey

    bob_key = SigningKey.generate()
    services.signing_key_register(publisher=other, public_key=public_key_b64(bob_key), label="bob")

    with pytest.raises(services.SubmissionRejected) as excinfo:
        services.submission_create(
            publisher=other,
            uploader=other_user,
            upload=build_pkg(key=bob_key, version="2.0.0").file(),
            filename="x",
        )

    assert excinfo.value.status == 409
    assert [p.code for p in excinfo.value.problems] == ["package.id_taken"]


def test_a_version_is_never_reused(author, build_pkg):
    _create(author, build_pkg())

    with pytest.raises(services.SubmissionRejected) as excinfo:
        _create(author, build_pkg(description="Same version, other bytes."))

    assert excinfo.value.status == 409
    assert [p.code for p in excinfo.value.problems] == ["release.version_exists"]
    assert Release.objects.count() == 1
    assert len(_stored_files("quarantine")) == 1


def test_scan_finds_undeclared_capabilities(author, build_pkg, django_capture_on_commit_callbacks):
    members = {
        "agent-harness/run.py": b"import subprocess\nsubprocess.run(['ls'])\nopen('out.txt', 'w').write('x')\n",
    }
    pkg = build_pkg(members)

    with django_capture_on_commit_callbacks(execute=True):
        submission = _create(author, pkg)

    findings = {f.code: f for f in ScanFinding.objects.filter(submission=submission)}
    assert findings["scan.undeclared_process"].severity == "high"
    assert findings["scan.undeclared_process"].path == "agent-harness/run.py"
    assert findings["scan.undeclared_process"].excerpt == "agent-harness/run.py:1: import subprocess"
    assert findings["scan.undeclared_fs_write"].severity == "medium"
    assert "scan.undeclared_network" not in findings


def test_verification_is_idempotent(author, build_pkg, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission = _create(author, build_pkg({"x.py": b"import subprocess\n"}))
    count = submission.findings.count()

    again = services.submission_verify(submission=submission)

    assert again.status == SubmissionStatus.IN_REVIEW
    assert again.findings.count() == count


def test_verification_of_a_changed_stored_file_rejects(author, build_pkg, django_capture_on_commit_callbacks):
    submission = _create(author, build_pkg())
    other = build_pkg(version="9.9.9")
    storage = storages["quarantine"]
    storage.delete(submission.upload.name)
    storage.save(submission.upload.name, File(io.BytesIO(other.data)))

    result = services.submission_verify(submission=submission)

    assert result.status == SubmissionStatus.REJECTED
    assert "artifact.digest_changed" in set(result.findings.values_list("code", flat=True))


def test_signing_key_register_rejects_malformed_and_duplicate_keys(author, signing_key):
    with pytest.raises(services.KeyRegistrationError, match="not an Ed25519 public key"):
        services.signing_key_register(publisher=author.publisher, public_key="abc", label="bad")
    with pytest.raises(services.KeyRegistrationError, match="registered already"):
        services.signing_key_register(
            publisher=author.publisher, public_key=public_key_b64(signing_key), label="again"
        )


def test_clean_update_from_a_verified_publisher_is_published_automatically(
    author, build_pkg, publish, submit
):
    publish(build_pkg())
    author.publisher.verification = "verified"
    author.publisher.save()

    update = submit(build_pkg(version="1.1.0"))

    assert update.status == SubmissionStatus.APPROVED
    assert update.decided_by is None
    assert update.release.published_at is not None
    assert update.package.latest_release == update.release
    assert update.decisions.get().note.startswith("Published automatically")


def test_a_new_package_or_an_unverified_publisher_waits_for_review(author, build_pkg, publish, submit):
    new = submit(build_pkg())
    assert (new.status, new.outcome) == (SubmissionStatus.IN_REVIEW, "pending_review")
    publish(build_pkg(version="0.9.0"))

    update = submit(build_pkg(version="1.1.0"))

    assert update.status == SubmissionStatus.IN_REVIEW
    # The audit is recorded; the default package holds no code, so it has no score (publishing/scanning/audit.py).
    assert (update.audit_verdict, update.audit_score) == ("no-code", None)


def test_high_findings_flag_and_are_never_published(author, build_pkg, publish, submit):
    author.publisher.verification = "partner"
    author.publisher.save()
    publish(build_pkg())

    update = submit(build_pkg({"run.py": b"import subprocess\nsubprocess.run(['id'])\n"}, version="1.0.1"))

    assert update.status == SubmissionStatus.IN_REVIEW
    assert update.flagged and update.outcome == "flagged"
    assert any("high" in reason for reason in update.flag_reasons)


def test_look_alike_identifier_of_another_publisher_is_flagged(
    author, build_pkg, django_user_model, django_capture_on_commit_callbacks
):
    from nacl.signing import SigningKey

    other_user = django_user_model.objects.create_user("bob", "bob@example.com", "x")
    subscribe(other_user, "pro")
    other = services.publisher_create(user=other_user, name="Bob", slug="bob")
    bob_key = SigningKey.generate()
    services.signing_key_register(publisher=other, public_key=public_key_b64(bob_key), label="bob")
    services.submission_create(
        publisher=other, uploader=other_user, upload=build_pkg(key=bob_key, id="weather").file(), filename="w"
    )

    with django_capture_on_commit_callbacks(execute=True):
        squat = _create(author, build_pkg(id="aos-weather"))

    squat.refresh_from_db()
    assert squat.similar_to == ["weather"]
    assert squat.flagged and squat.outcome == "flagged"


def test_every_member_is_emailed_about_an_upload(author, build_pkg, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        submission = _create(author, build_pkg(), client_ip="203.0.113.7")

    upload_mails = [m for m in mail.outbox if "was uploaded" in m.subject]
    assert len(upload_mails) == 1
    assert upload_mails[0].to == [author.email]
    assert "203.0.113.7" in upload_mails[0].body
    assert "the web form" in upload_mails[0].body
    assert submission.client_ip == "203.0.113.7"


def test_broker_down_leaves_the_submission_pending_for_the_sweep(author, build_pkg, monkeypatch, settings):
    from publishing import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(tasks.submission_verify, "delay", broker_down)
        assert services.submission_enqueue(submission_id=1) is False
    submission = _create(author, build_pkg())
    Submission.objects.filter(pk=submission.pk).update(
        updated_at=timezone.now() - timezone.timedelta(minutes=5)
    )

    swept = services.submissions_sweep()

    submission.refresh_from_db()
    assert swept == [submission.pk]
    assert submission.status == SubmissionStatus.IN_REVIEW
    assert services.submissions_sweep() == []


def test_scan_timeout_hands_the_submission_to_a_reviewer(author, build_pkg):
    submission = _create(author, build_pkg())

    result = services.submission_scan_timed_out(submission=submission)

    assert result.status == SubmissionStatus.IN_REVIEW and result.flagged
    assert list(result.findings.values_list("code", flat=True)) == ["scan.timeout"]


def test_signing_key_revoke_needs_a_reason_and_happens_once(author):
    with pytest.raises(services.KeyRegistrationError, match="reason"):
        services.signing_key_revoke(key=author.key, reason=" ")
    services.signing_key_revoke(key=author.key, reason="rotated")
    with pytest.raises(services.KeyRegistrationError, match="revoked already"):
        services.signing_key_revoke(key=author.key, reason="again")
