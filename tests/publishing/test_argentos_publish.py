"""Publishing as the ArgentOS CLI does it (`argent extension package|publish`).

The CLI writes ``SHA256SUMS`` over every file of the source folder (itself included when the
folder already held one), packs the folder with ``tar -czf FILE -C DIR .``, and sends a
detached signature read from ``ID-VERSION.sig`` with no ``authorPublicKey``.
"""

from __future__ import annotations

import hashlib
import json

import argent_pkg as pkgformat
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from nacl.signing import SigningKey

from publishing import services
from publishing.models import Submission
from tests.conftest import default_manifest, default_members, public_key_b64
from tokens import services as token_services

pytestmark = pytest.mark.django_db

PUBLISH = "/api/v1/publish"


@pytest.fixture
def token(author) -> str:
    return token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)[1]


def cli_package(*, self_line: bool = False, **manifest_fields) -> bytes:
    """A package as `argent extension package DIR` makes it: no key in the manifest, no SIGNATURE."""
    manifest = default_manifest(**manifest_fields)
    manifest["author"] = {"name": "Alice Tools"}
    members = default_members(manifest)
    lines = [f"{hashlib.sha256(content).hexdigest()}  {path}" for path, content in members.items()]
    if self_line:
        # The SHA256SUMS left in the folder by an earlier run is listed like any other file.
        lines.append(f"{hashlib.sha256(b'old sums').hexdigest()}  SHA256SUMS")
    members["SHA256SUMS"] = ("\n".join(lines) + "\n").encode()
    return pkgformat.pack_members({f"./{path}": content for path, content in members.items()})


def publish(client, token: str, data: bytes, signature: str | None):
    form = {"package": SimpleUploadedFile("hello-connector-1.0.0.argent-pkg", data)}
    if signature is not None:
        form["metadata"] = json.dumps({"signature": signature})
    return client.post(PUBLISH, form, headers={"Authorization": f"Bearer {token}"})


def codes(response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def test_a_sig_file_and_no_key_uses_the_publishers_registered_key(client, author, token):
    """The registered key verifies the detached signature; the release records it."""
    other = services.signing_key_register(
        publisher=author.publisher, public_key=public_key_b64(SigningKey.generate()), label="old laptop"
    )
    data = cli_package()

    response = publish(client, token, data, pkgformat.detached_signature(author.signing_key, data))

    assert response.status_code == 202, response.content
    release = Submission.objects.get(pk=response.json()["submission"]["id"]).release
    assert release.signing_key == author.key != other
    assert release.key_fingerprint == author.key.fingerprint


def test_without_a_key_a_signature_no_registered_key_verifies_is_invalid(client, author, token):
    data = cli_package()

    response = publish(client, token, data, pkgformat.detached_signature(SigningKey.generate(), data))

    assert response.status_code == 400
    assert codes(response) == ["signature.invalid"]
    assert not Submission.objects.exists()


def test_a_revoked_key_is_not_tried(client, author, token):
    services.signing_key_revoke(key=author.key, reason="lost")
    data = cli_package()

    response = publish(client, token, data, pkgformat.detached_signature(author.signing_key, data))

    assert response.status_code == 400
    assert codes(response) == ["signature.key_missing"]


def test_without_a_key_or_a_signature_it_is_still_unsigned(client, author, token):
    response = publish(client, token, cli_package(), None)

    assert response.status_code == 400
    assert codes(response) == ["signature.missing"]


def test_sha256sums_listing_itself_is_accepted_with_a_warning(client, author, token):
    """The self-line is ignored and named in the answer's warnings."""
    data = cli_package(self_line=True)

    response = publish(client, token, data, pkgformat.detached_signature(author.signing_key, data))

    assert response.status_code == 202, response.content
    warnings = response.json()["warnings"]
    assert ("checksums.self_entry", "SHA256SUMS") in [(w["code"], w["field"]) for w in warnings]


# --- the connector's harness provides the aos-ID command ----------------------------------


def harness(scripts: str) -> dict[str, bytes]:
    return {
        "agent-harness/pyproject.toml": f"[project]\nname = 'hello'\n\n[project.scripts]\n{scripts}".encode()
    }


def test_a_harness_without_the_aos_command_is_warned(
    client, author, build_pkg, token, django_capture_on_commit_callbacks
):
    pkg = build_pkg(harness('hello = "hello.cli:main"\n'))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            PUBLISH,
            {"package": SimpleUploadedFile(pkg.filename, pkg.data)},
            headers={"Authorization": f"Bearer {token}"},
        )

    assert response.status_code == 202, response.content
    warning = next(w for w in response.json()["warnings"] if w["code"] == "connector.harness_command")
    assert warning["field"] == "agent-harness/pyproject.toml" and "aos-hello-connector" in warning["message"]
    submission = Submission.objects.get()
    submission.refresh_from_db()
    assert submission.findings.filter(code="connector.harness_command").count() == 1


@pytest.mark.parametrize(
    "members",
    [
        harness('aos-hello-connector = "hello.cli:main"\nhello = "hello.cli:main"\n'),
        {},  # no harness project: nothing to run
    ],
)
def test_a_harness_with_the_aos_command_or_none_is_not_warned(client, author, build_pkg, token, members):
    pkg = build_pkg(members)
    response = client.post(
        PUBLISH,
        {"package": SimpleUploadedFile(pkg.filename, pkg.data)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 202, response.content
    assert "connector.harness_command" not in [w["code"] for w in response.json()["warnings"]]


@pytest.mark.parametrize("example", ["weather-connector", "csv-tools-connector", "github-issues-connector"])
def test_the_example_connectors_provide_their_aos_command(example, signing_key):
    """The demo catalog (``load_demo`` builds examples/) ships connectors the ArgentOS harness can run."""
    from django.conf import settings

    source = settings.BASE_DIR / "examples" / example
    inspection = pkgformat.inspect_package(pkgformat.build_package(source, signing_key=signing_key))

    assert "connector.harness_command" not in [w.code for w in inspection.warnings]
    connector = json.loads(inspection.members["connector.json"])
    assert connector["runtime"]["command"] == f"aos-{example}"
