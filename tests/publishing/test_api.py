"""The publishing API: POST /api/v1/publish, the Cloud OS submit path, GET /api/v1/submissions/{id}."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import argent_pkg as pkgformat
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from nacl.signing import SigningKey

from publishing import services
from publishing.models import Submission
from tests.conftest import make_user, public_key_b64
from tokens import services as token_services
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db

PUBLISH = "/api/v1/publish"


@pytest.fixture
def token(author) -> str:
    """A raw author token of ``author``'s publisher, any package."""
    return token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)[1]


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def upload(pkg) -> SimpleUploadedFile:
    return SimpleUploadedFile(pkg.filename, pkg.data, content_type="application/gzip")


def post_package(client, raw: str, pkg, path: str = PUBLISH, **fields):
    data = {"package": upload(pkg), **{k: json.dumps(v) for k, v in fields.items()}}
    return client.post(path, data, headers=bearer(raw))


def quarantine_listing() -> list[str]:
    """Every file in the quarantine storage (recursively)."""
    storage = storages["quarantine"]

    def walk(prefix: str) -> list[str]:
        try:
            dirs, files = storage.listdir(prefix)
        except FileNotFoundError:
            return []
        return [f"{prefix}{f}" for f in files] + [name for d in dirs for name in walk(f"{prefix}{d}/")]

    return sorted(walk(""))


def inside_manifest(pkg) -> dict:
    return json.loads(pkgformat.read_archive(pkg.data).members["argent.plugin.json"])


def codes(response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def assert_error_format(response) -> None:
    body = response.json()
    assert body["ok"] is False and body["errors"]
    for entry in body["errors"]:
        assert set(entry) == {"code", "field", "message"}


# --- success -------------------------------------------------------------------------


def test_argentos_cli_request_shape_is_accepted(client, author, build_pkg, token, mailoutbox):
    """The exact multipart body `argent extension publish --sign KEY --changelog TEXT` sends."""
    pkg = build_pkg()
    metadata = {
        "changelog": "First release.",
        "signature": pkgformat.detached_signature(author.signing_key, pkg.data),
        "authorPublicKey": public_key_b64(author.signing_key),
    }
    boundary = "----ArgentPkg1767225600000"
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="package"; '
            f'filename="{pkg.filename}"\r\nContent-Type: application/gzip\r\n\r\n'.encode(),
            pkg.data,
            b"\r\n",
            f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n'
            "Content-Type: application/json\r\n\r\n".encode(),
            json.dumps(metadata).encode(),
            b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
    )

    response = client.post(
        PUBLISH,
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=bearer(token),
        REMOTE_ADDR="198.51.100.4",
    )

    assert response.status_code == 202, response.content
    reply = response.json()
    assert reply["ok"] is True
    assert reply["packageId"] == "hello-connector"
    assert reply["version"] == "1.0.0"
    assert reply["fileHash"] == hashlib.sha256(pkg.data).hexdigest()
    assert reply["status"] == "scanning"
    submission = Submission.objects.get(pk=reply["submission"]["id"])
    assert reply["submission"]["url"].endswith(f"/submissions/{submission.pk}/")
    assert submission.detached_signature == metadata["signature"]
    assert submission.release_notes == "First release."
    assert submission.release.signatures["detached"] == metadata["signature"]
    assert submission.api_token.token_hash == token_services.token_hash(token)
    assert submission.client_ip == "198.51.100.4"
    assert submission.submitted_by == author.user


def test_publish_reports_inspection_warnings(client, author, build_pkg, token):
    response = post_package(client, token, build_pkg(license=None))

    assert response.status_code == 202
    warnings = response.json()["warnings"]
    assert "manifest.no_license" in [w["code"] for w in warnings]
    assert all(set(w) == {"code", "field", "message"} for w in warnings)


def test_publish_with_matching_manifest_part(client, author, build_pkg, token):
    pkg = build_pkg()

    response = post_package(client, token, pkg, manifest=inside_manifest(pkg))

    assert response.status_code == 202, response.content


@pytest.fixture(scope="module")
def _reseed_after_flush(django_db_blocker):
    """Restore the migrations' seed rows once this module's transactional test has flushed them.

    A transactional test ends with a flush of every table; later transactional
    tests in other modules (``test_load_demo``) expect the seeded kinds,
    categories and scan rules. Module scope runs this after that flush.
    """
    yield
    import importlib

    from django.apps import apps

    with django_db_blocker.unblock():
        importlib.import_module("catalog.migrations.0003_seed_kinds_categories").seed(apps, None)
        importlib.import_module("publishing.migrations.0003_starter_scan_rules").load_rules(apps, None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_reseed_after_flush", "migrated_data")
def test_wait_returns_201_with_the_outcome(client, author, build_pkg, token):
    """Committed for real, so eager Celery verifies the upload before the reply."""
    response = client.post(f"{PUBLISH}?wait=5", {"package": upload(build_pkg())}, headers=bearer(token))

    assert response.status_code == 201, response.content
    reply = response.json()
    submission = Submission.objects.get(pk=reply["submission"]["id"])
    assert submission.checked_at is not None
    assert reply["status"] == submission.outcome != "scanning"


def test_wait_gives_up_after_n_seconds_with_202(client, author, build_pkg, token):
    """Here the verification task never runs (its on-commit hook is never called)."""
    response = client.post(f"{PUBLISH}?wait=1", {"package": upload(build_pkg())}, headers=bearer(token))

    assert response.status_code == 202
    assert response.json()["status"] == "scanning"


def test_wait_must_be_0_to_60(client, author, build_pkg, token):
    response = client.post(f"{PUBLISH}?wait=61", {"package": upload(build_pkg())}, headers=bearer(token))

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "wait"
    assert not Submission.objects.exists()


# --- 400 ---------------------------------------------------------------------------------


def test_400_lists_every_broken_rule_and_stores_nothing(client, author, build_pkg, token):
    pkg = build_pkg(version="1.0", tags="not-a-list")
    declared = {**inside_manifest(pkg), "name": "Something Else"}
    before = quarantine_listing()

    response = post_package(client, token, pkg, manifest=declared)

    assert response.status_code == 400
    assert_error_format(response)
    found = codes(response)
    assert "manifest.mismatch" in found
    assert len([c for c in found if c.startswith("manifest.") and c != "manifest.mismatch"]) >= 2
    assert quarantine_listing() == before
    assert not Submission.objects.exists()


def test_400_for_a_broken_package_lists_several_codes(client, author, build_pkg, token):
    before = quarantine_listing()

    response = post_package(client, token, build_pkg(version="one", id="Not An Id"))

    assert response.status_code == 400
    assert len(set(codes(response))) >= 2
    assert quarantine_listing() == before
    assert not Submission.objects.exists()


def test_400_for_missing_file_and_bad_json(client, token):
    response = client.post(PUBLISH, {"metadata": "{not json", "manifest": "[1]"}, headers=bearer(token))

    assert response.status_code == 400
    assert_error_format(response)
    fields = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert fields["package"] == "request.required"
    assert "metadata" in fields
    assert fields["manifest"] == "manifest.invalid"


def test_400_for_a_detached_signature_that_does_not_verify(client, author, build_pkg, token):
    pkg = build_pkg()
    other = pkgformat.detached_signature(SigningKey.generate(), pkg.data)

    response = post_package(client, token, pkg, metadata={"signature": other})

    assert response.status_code == 400
    assert any(code.startswith("signature.") for code in codes(response))


# --- 401 ----------------------------------------------------------------------------------


def test_401_without_a_token(client, author, build_pkg):
    response = client.post(PUBLISH, {"package": upload(build_pkg())})

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert codes(response) == ["auth.required"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (None, "token.unknown"),
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, "token.expired"),
        ({"revoked_at": timezone.now()}, "token.revoked"),
    ],
)
def test_401_for_unknown_expired_or_revoked_tokens(client, author, build_pkg, token, change, code):
    if change is None:
        token = token[:-3] + "xyz"
    else:
        ApiToken.objects.update(**change)

    response = client.post(PUBLISH, {"package": upload(build_pkg())}, headers=bearer(token))

    assert response.status_code == 401
    assert_error_format(response)
    assert codes(response) == [code]
    assert not Submission.objects.exists()


def test_401_for_a_malformed_header(client, token):
    response = client.post(PUBLISH, {}, headers={"Authorization": "Bearer two parts"})

    assert response.status_code == 401
    assert codes(response) == ["token.malformed"]


# --- 403 ---------------------------------------------------------------------------------


def test_403_when_a_package_scoped_token_uploads_another_identifier(client, author, build_pkg, submit):
    first = submit(build_pkg())
    _, scoped = token_services.api_token_create(
        user=author.user, name="one", publisher=author.publisher, package=first.package
    )
    before = quarantine_listing()

    response = post_package(client, scoped, build_pkg(id="other-connector"))

    assert response.status_code == 403
    assert codes(response) == ["token.package_scope"]
    assert quarantine_listing() == before
    assert post_package(client, scoped, build_pkg(version="1.0.1")).status_code == 202


def test_403_for_a_staff_token(client, reviewer, build_pkg):
    _, raw = token_services.api_token_create(user=reviewer, name="staff", staff=True)

    response = post_package(client, raw, build_pkg())

    assert response.status_code == 403
    assert codes(response) == ["token.not_author"]


# --- 409 --------------------------------------------------------------------------------


def test_409_when_the_identifier_belongs_to_another_publisher(
    client, author, build_pkg, token, django_user_model
):
    bob = make_user(django_user_model, "bob", plan="pro")
    bob_key = SigningKey.generate()
    other = services.publisher_create(user=bob, name="Bob", slug="bob")
    services.signing_key_register(publisher=other, public_key=public_key_b64(bob_key), label="bob")
    bobs = build_pkg(key=bob_key)
    services.submission_create(publisher=other, uploader=bob, upload=bobs.file(), filename=bobs.filename)

    response = post_package(client, token, build_pkg(version="2.0.0"))

    assert response.status_code == 409
    assert codes(response) == ["package.id_taken"]


def test_409_when_a_version_is_reused(client, author, build_pkg, token):
    assert post_package(client, token, build_pkg()).status_code == 202

    response = post_package(client, token, build_pkg(description="The same version, rebuilt with changes."))

    assert response.status_code == 409
    assert codes(response) == ["release.version_exists"]
    assert Submission.objects.count() == 1


# --- 413 -------------------------------------------------------------------------------


def test_413_over_the_cap_while_streaming(client, author, build_pkg, token, settings):
    pkg = build_pkg({"assets/blob.bin": bytes(range(256)) * 64})
    settings.PACKAGE_MAX_COMPRESSED_BYTES = len(pkg.data) - 1
    before = quarantine_listing()

    response = post_package(client, token, pkg)

    assert response.status_code == 413
    assert codes(response) == ["archive.too_large"]
    assert quarantine_listing() == before
    assert not Submission.objects.exists()


def test_413_for_a_declared_content_length_over_the_cap(client, token, settings):
    settings.PACKAGE_MAX_COMPRESSED_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post(
        PUBLISH,
        b"x",
        content_type="multipart/form-data; boundary=x",
        headers=bearer(token),
        CONTENT_LENGTH=str(10**9),
    )

    assert response.status_code == 413
    assert codes(response) == ["archive.too_large"]


# --- 429 --------------------------------------------------------------------------------


def test_429_after_the_rate_per_token(client, author, build_pkg, token, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"publish": "2/hour"}}
    _, other_token = token_services.api_token_create(
        user=author.user, name="other", publisher=author.publisher
    )

    statuses = [post_package(client, token, build_pkg(version=f"1.0.{n}")).status_code for n in range(3)]

    assert statuses == [202, 202, 429]
    response = post_package(client, token, build_pkg(version="1.0.9"))
    assert codes(response) == ["rate_limited"]
    assert int(response["Retry-After"]) > 0
    assert post_package(client, other_token, build_pkg(version="1.0.9")).status_code == 202


# --- other errors --------------------------------------------------------------------------


def test_405_and_404_are_in_the_error_format(client, token):
    response = client.get(PUBLISH, headers=bearer(token))
    assert response.status_code == 405
    assert codes(response) == ["request.method_not_allowed"]

    response = client.get("/api/v1/submissions/999999", headers=bearer(token))
    assert response.status_code == 404
    assert codes(response) == ["not_found"]


def test_415_for_a_json_body(client, token):
    response = client.post(PUBLISH, {"package": "x"}, content_type="application/json", headers=bearer(token))

    assert response.status_code == 415
    assert codes(response) == ["request.unsupported_media_type"]


# --- Cloud OS path -----------------------------------------------------------------------


def test_cloud_os_submit_path(client, author, build_pkg, token):
    response = post_package(client, token, build_pkg(), path="/api/v1/marketplace/connectors/items")

    assert response.status_code == 202, response.content
    reply = response.json()
    assert reply["ok"] is True and reply["packageId"] == "hello-connector" and reply["status"] == "scanning"


def test_cloud_os_kind_mismatch_stores_nothing(client, author, build_pkg, token):
    before = quarantine_listing()

    response = post_package(client, token, build_pkg(), path="/api/v1/marketplace/skills/items")

    assert response.status_code == 400
    assert codes(response) == ["package.kind_mismatch"]
    assert quarantine_listing() == before
    assert not Submission.objects.exists()


def test_cloud_os_unknown_category(client, author, build_pkg, token):
    response = post_package(client, token, build_pkg(), path="/api/v1/marketplace/gizmos/items")

    assert response.status_code == 404
    assert codes(response) == ["category.unknown"]


# --- GET /api/v1/submissions/{id} -------------------------------------------------------------


def test_submission_detail_for_its_publisher(client, author, build_pkg, submit, token):
    submission = submit(build_pkg(license=None))

    response = client.get(f"/api/v1/submissions/{submission.pk}", headers=bearer(token))

    assert response.status_code == 200
    reply = response.json()
    assert reply["ok"] is True and reply["id"] == submission.pk
    assert reply["packageId"] == "hello-connector" and reply["version"] == "1.0.0"
    assert reply["status"] == submission.outcome and reply["reviewStatus"] == submission.status
    assert reply["fileHash"] == submission.upload_sha256
    assert reply["createdAt"].endswith("Z") and reply["checkedAt"].endswith("Z")
    assert {"auditScore", "auditVerdict", "reviewerNotes", "flagged", "flagReasons", "decidedAt"} <= set(
        reply
    )
    assert "manifest.no_license" in [f["code"] for f in reply["findings"]]
    assert set(reply["findings"][0]) == {"code", "severity", "message", "path", "field", "line", "excerpt"}


def test_submission_detail_visibility(client, author, build_pkg, submit, reviewer, django_user_model):
    submission = submit(build_pkg())
    url = f"/api/v1/submissions/{submission.pk}"
    bob = make_user(django_user_model, "bob")
    other = services.publisher_create(user=bob, name="Bob", slug="bob")
    _, bobs = token_services.api_token_create(user=bob, name="bob", publisher=other)
    _, staff = token_services.api_token_create(user=reviewer, name="staff", staff=True)
    second = submit(build_pkg(id="second-connector"))
    _, scoped = token_services.api_token_create(
        user=author.user, name="scoped", publisher=author.publisher, package=second.package
    )

    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(bobs)).status_code == 404
    assert client.get(url, headers=bearer(scoped)).status_code == 404
    assert client.get(f"/api/v1/submissions/{second.pk}", headers=bearer(scoped)).status_code == 200
    assert client.get(url, headers=bearer(staff)).status_code == 200


def test_token_use_is_recorded(client, author, token):
    client.get("/api/v1/submissions/1", headers=bearer(token), REMOTE_ADDR="192.0.2.9")

    stored = ApiToken.objects.get()
    assert stored.last_used_ip == "192.0.2.9" and stored.last_used_at is not None


# --- schema -----------------------------------------------------------------------------------


def test_openapi_schema_and_docs_are_served(client):
    response = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/publish", "/api/v1/submissions/{id}", "/api/v1/marketplace/{category}/items"} <= set(
        schema["paths"]
    )
    publish = schema["paths"]["/api/v1/publish"]["post"]
    assert {"201", "202", "400", "401", "403", "409", "413", "429"} <= set(publish["responses"])
    assert "multipart/form-data" in publish["requestBody"]["content"]

    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"/api/v1/publish" in docs.content


# --- account plans: publishing needs a plan that includes it ----------------------------------


def test_a_free_plan_author_cannot_publish_and_nothing_is_stored(client, author, token, build_pkg, settings):
    from licensing.models import Subscription

    Subscription.objects.filter(user=author.user).delete()  # Back on Free.

    response = post_package(client, token, build_pkg())

    assert response.status_code == 403
    assert_error_format(response)
    assert codes(response) == ["plan.cannot_publish"]
    message = response.json()["errors"][0]["message"]
    assert message == (
        f"Your Free plan does not include publishing: upgrade to Pro at {settings.SITE_URL}/account/plan/ "
        "to publish packages."
    )
    assert Submission.objects.count() == 0 and quarantine_listing() == []

    settings.PLANS_ENFORCE_PUBLISHING = False
    assert post_package(client, token, build_pkg()).status_code in (201, 202)


def test_staff_publish_without_a_plan(client, author, build_pkg, reviewer):
    from catalog.constants import MemberRole
    from catalog.models import PublisherMember

    PublisherMember.objects.create(publisher=author.publisher, user=reviewer, role=MemberRole.MEMBER)
    raw = token_services.api_token_create(user=reviewer, name="staff author", publisher=author.publisher)[1]
    assert post_package(client, raw, build_pkg()).status_code in (201, 202)
