"""The ArgentOS dialect as the ArgentOS client reads it.

Its installer takes a connector only from one top-level ``aos-*`` directory holding
``connector.json`` and reads only the 100-byte ustar name field; its ``details`` command
reads list items only; its ``search --limit 0`` sends ``limit=0``.
"""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest
from django.core.management import call_command
from django.test import Client

from api.serializers import utc_z
from catalog import artifacts
from catalog.models import Release

pytestmark = pytest.mark.django_db


def download(client: Client, identifier: str) -> bytes:
    response = client.get(f"/api/v1/catalog/{identifier}/download")
    assert response.status_code == 302, response.content
    fetched = client.get(response["Location"])
    assert fetched.status_code == 200
    return b"".join(fetched.streaming_content)


def headers(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data)), mode="r:") as tar:
        return tar.getmembers()


def name_fields(data: bytes) -> list[str]:
    """The ustar name field of every header, read as the ArgentOS installer reads it (nothing else)."""
    raw, names, offset = gzip.decompress(data), [], 0
    while offset + 512 <= len(raw) and any(raw[offset : offset + 512]):
        header = raw[offset : offset + 512]
        names.append(header[:100].split(b"\0", 1)[0].decode())
        size = int(header[124:136].strip(b"\0 ") or b"0", 8)
        offset += 512 + (size + 511) // 512 * 512
    return names


def skill_pkg(build_pkg, **fields):
    return build_pkg(
        {"skills/notes/SKILL.md": b"---\nname: notes\n---\n# Notes\n"},
        id="notes-skill",
        kind="skill",
        category="collaboration",
        permissions=[],
        **fields,
    )


# --- the download layout ---------------------------------------------------------------


def test_a_connector_downloads_under_aos_id_with_connector_json(client, build_pkg, publish):
    pkg = build_pkg()
    publish(pkg)

    data = download(client, "hello-connector")

    names = name_fields(data)
    assert {name.split("/", 1)[0] for name in names} == {"aos-hello-connector"}
    assert "aos-hello-connector/connector.json" in names
    assert set(names) == {f"aos-hello-connector/{p}" for p in [*pkg.members, "SHA256SUMS", "SIGNATURE"]}
    # Plain ustar headers only: every name is whole in the 100-byte field.
    assert [info.name for info in headers(data)] == names
    assert all(info.isreg() for info in headers(data))


def test_an_identifier_starting_with_aos_is_not_prefixed_twice(client, build_pkg, publish):
    publish(build_pkg(id="aos-weather"))

    assert {name.split("/", 1)[0] for name in name_fields(download(client, "aos-weather"))} == {"aos-weather"}


def test_other_kinds_keep_package(client, build_pkg, publish):
    publish(skill_pkg(build_pkg))

    names = name_fields(download(client, "notes-skill"))

    assert "package/skills/notes/SKILL.md" in names
    assert {name.split("/", 1)[0] for name in names} == {"package"}


def test_a_member_that_does_not_fit_under_aos_id_makes_the_release_unwrappable(client, build_pkg, publish):
    # 8 + 90 bytes would fit under package/, 20 + 90 does not under aos-hello-connector/.
    publish(build_pkg({"d/" + "x" * 88: b"x"}))

    response = client.get("/api/v1/catalog/hello-connector/download")

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "artifact.unwrappable"


def test_rewrap_artifacts_replaces_package_copies_of_connectors(client, build_pkg, publish, capsys):
    """Copies made before the change (connectors under package/) are made again, once."""
    publish(build_pkg())
    publish(skill_pkg(build_pkg))
    connector = Release.objects.get(package__identifier="hello-connector")
    with connector.artifact.open("rb") as fileobj:
        old_copy = artifacts.wrap_artifact(fileobj.read(), prefix="package/")
    from django.core.files.base import ContentFile

    connector.wrapped_artifact.save("old.argent-pkg", ContentFile(old_copy), save=False)
    connector.wrapped_sha256, connector.wrapped_size = "0" * 64, len(old_copy)
    connector.save()
    artifacts.release_store_wrapped(release=Release.objects.get(package__identifier="notes-skill"))

    call_command("rewrap_artifacts")

    assert capsys.readouterr().out.strip() == "1 made, 1 kept, 0 unwrappable"
    connector.refresh_from_db()
    assert connector.wrapped_sha256 != "0" * 64
    assert {n.split("/", 1)[0] for n in name_fields(download(client, "hello-connector"))} == {
        "aos-hello-connector"
    }
    call_command("rewrap_artifacts")
    assert capsys.readouterr().out.strip() == "0 made, 2 kept, 0 unwrappable"


# --- list items carry what `details` shows --------------------------------------------


def test_list_items_carry_version_count_and_a_short_latest(client, build_pkg, publish):
    publish(build_pkg())
    publish(build_pkg(version="1.1.0"))
    release = Release.objects.get(version="1.1.0")
    artifacts.release_store_wrapped(release=release)
    release.refresh_from_db()

    for path in ("/api/v1/catalog", "/api/v1/catalog?q=hello"):
        item = client.get(path).json()["items"][0]
        assert item["version_count"] == 2
        assert item["latest"] == {
            "version": "1.1.0",
            "published_at": utc_z(release.published_at),
            "sha256": release.wrapped_sha256,
            "size": release.wrapped_size,
        }
    detail = client.get("/api/v1/catalog/hello-connector").json()
    assert detail["version_count"] == 2 and detail["latest"]["sha256"] == release.wrapped_sha256


# --- limit is clamped ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "read"), [("0", 1), ("-3", 1), ("1", 1), ("50", 50), ("51", 50), ("500", 50)]
)
def test_limit_is_clamped_into_1_to_50(client, build_pkg, publish, sent, read):
    publish(build_pkg())

    response = client.get("/api/v1/catalog", {"limit": sent})

    assert response.status_code == 200, response.content
    assert response.json()["limit"] == read
    assert len(response.json()["items"]) == 1
