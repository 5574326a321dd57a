"""The upload service and the verification task, against the database and real packages."""

from __future__ import annotations

import io

import pytest
from django.core.files import File
from django.core.files.storage import storages
from django.utils import timezone

from catalog.constants import ListingStatus
from catalog.models import Package, Release
from publishing import services
from publishing.constants import SubmissionStatus
from publishing.models import ScanFinding, Submission
from tests.conftest import public_key_b64

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

    assert len(callbacks) == 1
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
