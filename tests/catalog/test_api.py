"""The catalog API: ArgentOS and Cloud OS dialects, downloads, licensing hook, query counts."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from unittest import mock

import argent_pkg as pkgformat
import pytest
from django.core import signing
from django.test import Client

from catalog import artifacts
from catalog.constants import ListingStatus
from catalog.models import Download, Package, Release
from licensing import licenses
from tests.factories import PublishedPackageFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

ITEM_FIELDS = {
    "id", "name", "display_name", "description", "kind", "category", "topic", "tags", "author_name",
    "author_verified", "publisher", "latest_version", "total_downloads", "rating", "rating_count",
    "pricing", "price_cents", "listed", "updated_at",
}  # fmt: skip
#: An ArgentOS list item adds these (the detail has its own, longer ``latest``).
LIST_ITEM_FIELDS = ITEM_FIELDS | {"version_count", "latest"}
LATEST_FIELDS = {
    "version", "changelog", "min_argent_version", "tools", "permissions", "sha256", "size",
    "published_at", "signature", "public_key", "key_fingerprint", "log_index",
}  # fmt: skip


def _read(field) -> bytes:
    with field.open("rb") as fileobj:
        return fileobj.read()


@pytest.fixture
def published(author):
    """Three published packages: two connectors and a skill (rows only, see tests/factories.py)."""
    PublishedPackageFactory(
        identifier="hello-connector",
        display_name="Hello Connector",
        publisher=author.publisher,
        tags=["hello", "greeting"],
    )
    PublishedPackageFactory(
        identifier="sales-sync",
        display_name="Sales Sync",
        publisher=author.publisher,
        category__slug="crm",
        tags=["sales"],
    )
    PublishedPackageFactory(
        identifier="write-skill",
        display_name="Write Skill",
        publisher=author.publisher,
        kind__slug="skill",
        category__slug="ai",
        tags=["writing"],
        release__extra_members={"SKILL.md": b"# Skill\n"},
        release__manifest_fields={"permissions": []},
    )
    return {p.identifier: p for p in Package.objects.all()}


def test_catalog_list_fields_and_paging(client: Client, published):
    response = client.get("/api/v1/catalog", {"limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "total", "page", "limit"}
    assert (body["total"], body["page"], body["limit"]) == (3, 1, 2)
    assert len(body["items"]) == 2
    item = body["items"][0]
    assert set(item) == LIST_ITEM_FIELDS
    assert item["updated_at"].endswith("Z")
    page2 = client.get("/api/v1/catalog", {"limit": 2, "page": 2}).json()
    assert len(page2["items"]) == 1


def test_catalog_item_values(client: Client, published):
    item = client.get("/api/v1/catalog", {"q": "hello"}).json()["items"][0]
    assert item["id"] == item["name"] == "hello-connector"
    assert item["display_name"] == "Hello Connector"
    assert (item["kind"], item["category"], item["topic"]) == ("connector", "connectors", "integration")
    assert item["author_name"] == "Alice Tools" and item["publisher"] == "alice-tools"
    assert item["author_verified"] is False
    assert item["latest_version"] == "1.0.0"
    assert item["rating"] == 0.0 and item["listed"] is True
    assert item["pricing"] == "free" and item["price_cents"] == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "skills"}, {"write-skill"}),
        ({"category": "connectors"}, {"hello-connector", "sales-sync"}),
        ({"category": "crm"}, {"sales-sync"}),
        ({"tags": "greeting"}, {"hello-connector"}),
        ({"tags": "greet"}, set()),
        ({"q": "sync"}, {"sales-sync"}),
        ({"pricing": "free"}, {"hello-connector", "sales-sync", "write-skill"}),
        ({"category": "nothing"}, set()),
    ],
)
def test_catalog_filters(client: Client, published, params, expected):
    body = client.get("/api/v1/catalog", params).json()
    assert {item["id"] for item in body["items"]} == expected
    assert body["total"] == len(expected)


def test_catalog_sorts(client: Client, published):
    Package.objects.filter(identifier="sales-sync").update(
        installs_30d=50, rating_average=4.5, rating_count=2
    )
    ids = lambda sort: [i["id"] for i in client.get("/api/v1/catalog", {"sort": sort}).json()["items"]]  # noqa: E731
    assert ids("name") == ["hello-connector", "sales-sync", "write-skill"]
    assert ids("popularity")[0] == "sales-sync"
    assert ids("rating")[0] == "sales-sync"
    assert ids("newest")[0] == "write-skill"
    assert (
        client.get("/api/v1/catalog", {"q": "hello connector"}).json()["items"][0]["id"] == "hello-connector"
    )
    assert client.get("/api/v1/catalog", {"sort": "rating"}).json()["items"][0]["rating"] == 4.5


def test_catalog_limit_is_capped_and_bad_input_is_400(client: Client, published):
    assert client.get("/api/v1/catalog", {"limit": 500}).json()["limit"] == 50
    response = client.get("/api/v1/catalog", {"sort": "stars"})
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["errors"][0]["field"] == "sort"


def test_unlisted_and_suspended(client: Client, published):
    Package.objects.filter(identifier="sales-sync").update(status=ListingStatus.UNLISTED)
    Package.objects.filter(identifier="write-skill").update(status=ListingStatus.SUSPENDED)
    assert {i["id"] for i in client.get("/api/v1/catalog").json()["items"]} == {"hello-connector"}
    detail = client.get("/api/v1/catalog/sales-sync").json()
    assert detail["listed"] is False
    assert client.get("/api/v1/catalog/write-skill").status_code == 404


def test_licensed_adds_what_the_key_unlocks(client: Client, published, user):
    assert client.get("/api/v1/catalog/licensed").status_code == 400
    unlisted = Package.objects.get(identifier="sales-sync")
    Package.objects.filter(pk=unlisted.pk).update(
        status=ListingStatus.UNLISTED, pricing="pro", price_cents=1900
    )
    unlisted.refresh_from_db()
    _, key = licenses.license_issue(package=unlisted, owner=user)
    assert client.get("/api/v1/catalog/licensed", {"key": "K"}).json()["total"] == 2
    body = client.get("/api/v1/catalog/licensed", HTTP_X_LICENSE_KEY=key).json()
    assert body["total"] == 3
    assert {i["id"]: i["listed"] for i in body["items"]}["sales-sync"] is False


def test_detail(client: Client, author):
    keys = {"signing_key": author.key, "private_key": author.signing_key}
    package = PublishedPackageFactory(
        identifier="hello-connector",
        display_name="Hello Connector",
        publisher=author.publisher,
        release__manifest_fields={"tools": ["greet", "wave"]},
        **{f"release__{name}": value for name, value in keys.items()},
    )
    second = ReleaseFactory(package=package, version="1.1.0", **keys)
    second.release_notes = "Better greetings."
    second.save()
    body = client.get("/api/v1/catalog/hello-connector").json()
    assert set(body) == ITEM_FIELDS | {"latest", "versions", "version_count"}
    latest = body["latest"]
    assert set(latest) == LATEST_FIELDS
    assert latest["version"] == "1.1.0" and latest["changelog"] == "Better greetings."
    assert latest["min_argent_version"] == "2026.3.0"
    assert latest["permissions"] == ["network:api.example.com"]
    assert latest["public_key"] == author.key.public_key
    assert latest["key_fingerprint"] == author.key.fingerprint
    assert latest["signature"]
    assert latest["published_at"].endswith("Z")
    assert body["version_count"] == 2
    assert [v["version"] for v in body["versions"]] == ["1.1.0", "1.0.0"]
    assert body["versions"][0] == {
        "version": "1.1.0",
        "published_at": latest["published_at"],
        "yanked": False,
        "changelog": "Better greetings.",
        "public_key": author.key.public_key,
        "key_fingerprint": author.key.fingerprint,
        "log_index": latest["log_index"],
    }
    assert body["versions"][1]["changelog"] == ""
    assert client.get("/api/v1/catalog/nope").status_code == 404


def test_each_version_names_the_key_that_signed_it(client: Client, build_pkg, publish, author):
    from nacl.signing import SigningKey

    from publishing import services
    from tests.conftest import public_key_b64

    publish(build_pkg(version="1.0.0"))
    new_key = SigningKey.generate()
    rotated = services.signing_key_register(
        publisher=author.publisher, public_key=public_key_b64(new_key), label="new laptop", user=author.user
    )
    publish(build_pkg(version="2.0.0", key=new_key))

    versions = {v["version"]: v for v in client.get("/api/v1/catalog/hello-connector").json()["versions"]}

    assert versions["2.0.0"]["public_key"] == rotated.public_key != author.key.public_key
    assert versions["2.0.0"]["key_fingerprint"] == rotated.fingerprint
    assert versions["1.0.0"]["public_key"] == author.key.public_key
    assert versions["1.0.0"]["key_fingerprint"] == author.key.fingerprint


def test_detail_tools_from_manifest(client: Client, author):
    PublishedPackageFactory(
        identifier="hello-connector",
        display_name="Hello Connector",
        publisher=author.publisher,
        release__manifest_fields={"tools": ["greet", "wave"]},
    )
    assert client.get("/api/v1/catalog/hello-connector").json()["latest"]["tools"] == ["greet", "wave"]


def test_list_query_counts(client: Client, published, django_assert_max_num_queries):
    # A page of ids with the total, then those packages; on PostgreSQL a text query sorted by relevance
    # counts first (up to catalog.search.MAX_RESULTS + 1), to know whether to rank every match.
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/catalog", {"q": "s", "sort": "relevance"}).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/catalog/licensed", {"key": "x"}).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/marketplace/connectors/items").status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get("/api/v1/marketplace/categories").status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/catalog/hello-connector").status_code == 200


# --- downloads ------------------------------------------------------------------------------------


def test_download_redirects_to_signed_wrapped_copy(client: Client, build_pkg, publish, author):
    publish(build_pkg())
    release = Release.objects.get()
    response = client.get("/api/v1/catalog/hello-connector/download")
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.wrapped_artifact and release.wrapped_size > 0
    fetched = client.get(response["Location"])
    assert fetched.status_code == 200
    data = b"".join(fetched.streaming_content)  # consuming it closes it (and keeps the DB connection)
    assert hashlib.sha256(data).hexdigest() == release.wrapped_sha256
    # A connector's copy is under aos-ID/, each file and its bytes unchanged (tests/catalog/test_argentos_dialect.py).
    original = pkgformat.read_archive(_read(release.artifact)).members
    assert pkgformat.read_archive(data).members == {
        f"aos-hello-connector/{p}": c for p, c in original.items()
    }
    assert Download.objects.filter(release=release, dialect="argentos").count() == 1
    assert Package.objects.get().total_downloads == 1
    # The detail reports the wrapped copy's digest.
    assert client.get("/api/v1/catalog/hello-connector").json()["latest"]["sha256"] == release.wrapped_sha256


def test_download_json_and_version(client: Client, build_pkg, publish):
    publish(build_pkg())
    publish(build_pkg(version="1.1.0"))
    body = client.get(
        "/api/v1/catalog/hello-connector/download", {"version": "1.0.0"}, HTTP_ACCEPT="application/json"
    ).json()
    release = Release.objects.get(version="1.0.0")
    assert body["sha256"] == release.wrapped_sha256 and body["size"] == release.wrapped_size
    assert body["format"] == "tgz" and body["expiresAt"].endswith("Z")
    assert client.get("/api/v1/catalog/hello-connector/download", {"version": "9.9.9"}).status_code == 404


def test_signed_url_expires_and_tamper_fails(client: Client, build_pkg, publish):
    publish(build_pkg())
    url = client.get("/api/v1/catalog/hello-connector/download")["Location"]
    path = url.split("testserver", 1)[1]
    token = path.rsplit("/", 1)[1]
    assert client.get(path[: -len(token)] + token[:-2] + "xx").status_code == 403
    assert client.get(path[: -len(token)] + "garbage").status_code == 403
    other = signing.TimestampSigner(salt="other").sign_object({"r": 1, "a": "original"})
    assert client.get(path[: -len(token)] + other).status_code == 403
    later = signing.time.time() + artifacts.LOCAL_URL_MAX_AGE + 5
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert client.get(path).status_code == 403
    response = client.get(path)
    assert response.status_code == 200
    b"".join(response.streaming_content)  # closes the file; close() would end the DB connection


def test_paid_package_needs_license(client: Client, build_pkg, publish, user):
    publish(build_pkg(pricing="pro", price_cents=1900))
    response = client.get("/api/v1/catalog/hello-connector/download")
    assert response.status_code == 402
    assert response.json()["errors"][0]["code"] == "license.required"
    assert client.get("/api/v1/catalog/hello-connector/download", {"key": "K"}).status_code == 402
    _, key = licenses.license_issue(package=Package.objects.get(identifier="hello-connector"), owner=user)
    response = client.get("/api/v1/catalog/hello-connector/download", HTTP_X_LICENSE_KEY=key)
    assert response.status_code == 302
    assert Download.objects.count() == 1


def test_unwrappable_release_is_409(client: Client, build_pkg, publish):
    long_name = "d/" + "x" * 95
    publish(build_pkg({long_name: b"x"}))
    response = client.get("/api/v1/catalog/hello-connector/download")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "artifact.unwrappable"


# --- the wrapped copy -----------------------------------------------------------------------------


def test_wrap_artifact_is_deterministic_and_verifies(build_pkg, author):
    pkg = build_pkg()
    wrapped = artifacts.wrap_artifact(pkg.data)
    assert wrapped == artifacts.wrap_artifact(pkg.data) == artifacts.wrap_artifact(wrapped)
    import gzip
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(wrapped))) as tar:
        infos = tar.getmembers()
    assert all(i.isreg() and i.name.startswith("package/") and len(i.name.encode()) <= 100 for i in infos)
    assert all(i.mtime == 0 and i.uid == 0 and i.uname == "" for i in infos)
    inspection = pkgformat.inspect_package(wrapped, public_key=author.key.public_key)
    assert inspection.key_fingerprint == author.key.fingerprint
    assert inspection.members == pkgformat.inspect_package(pkg.data).members


def test_wrap_refuses_long_names_and_bad_archives(build_pkg):
    with pytest.raises(artifacts.WrapImpossible):
        artifacts.wrap_artifact(build_pkg({"a/" + "b" * 97: b"x"}).data)
    with pytest.raises(artifacts.WrapImpossible):
        artifacts.wrap_artifact(b"not a package")


def test_release_store_wrapped_is_idempotent(build_pkg, publish):
    publish(build_pkg())
    release = Release.objects.get()
    artifacts.release_store_wrapped(release=release)
    name, digest = release.wrapped_artifact.name, release.wrapped_sha256
    artifacts.release_store_wrapped(release=release)
    release.refresh_from_db()
    assert (release.wrapped_artifact.name, release.wrapped_sha256) == (name, digest)
    assert _read(release.wrapped_artifact) == artifacts.wrap_artifact(
        _read(release.artifact), prefix="aos-hello-connector/"
    )


def test_s3_like_storage_uses_storage_url(build_pkg, publish, rf):
    publish(build_pkg())
    release = Release.objects.get()
    artifacts.release_store_wrapped(release=release)

    class FakeS3:
        querystring_expire = 600

        def url(self, name):
            return f"https://bucket.example/{name}?X-Amz-Signature=abc"

    release.wrapped_artifact.storage = FakeS3()
    url, expires = artifacts.artifact_url(release=release, which=artifacts.WRAPPED, request=rf.get("/"))
    assert url.startswith("https://bucket.example/") and "X-Amz-Signature" in url
    from django.utils import timezone

    assert timedelta(seconds=590) < expires - timezone.now() <= timedelta(seconds=600)


# --- Cloud OS -------------------------------------------------------------------------------------


def test_marketplace_categories(client: Client):
    body = client.get("/api/v1/marketplace/categories").json()
    ids = [c["id"] for c in body["categories"]]
    assert "connectors" in ids and "skills" in ids
    assert set(body["categories"][0]) == {"id", "name", "description", "icon"}


def test_marketplace_items_and_detail(client: Client, published):
    body = client.get("/api/v1/marketplace/connectors/items", {"q": "sales", "sort": "name"}).json()
    assert [i["slug"] for i in body["items"]] == ["sales-sync"]
    assert body["page"] == 1 and body["page_size"] == 20 and body["total"] == 1
    assert client.get("/api/v1/marketplace/gizmos/items").status_code == 404
    detail = client.get("/api/v1/marketplace/connectors/items/sales-sync").json()
    assert detail["manifest"]["id"] == "sales-sync"
    assert detail["permissions"] == ["network:api.example.com"]
    assert client.get("/api/v1/marketplace/skills/items/sales-sync").status_code == 404


def test_marketplace_items_post_still_needs_token(client: Client):
    response = client.post("/api/v1/marketplace/connectors/items")
    assert response.status_code == 401
