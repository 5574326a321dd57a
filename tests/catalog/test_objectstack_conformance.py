"""ObjectStack dialect: every response validates against the @objectstack/spec 4.0.4 JSON Schemas.

Responses are checked against the top-level (output) schemas, requests
against ``input/``, with Draft 2020-12 and a ``FormatChecker`` whose
``date-time`` (rfc3339-validator), ``uri`` (rfc3986-validator) and ``email``
checks are really active.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from jsonschema import Draft202012Validator, FormatChecker

from catalog.models import Install, Package
from tests.factories import ConnectedAccountFactory, PublishedPackageFactory, ReleaseFactory
from tokens import services as token_services

SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "objectstack"
FORMATS = FormatChecker()
NAMES = sorted(p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json"))


def validator(name: str, *, io: str = "output") -> Draft202012Validator:
    folder = SCHEMAS / "input" if io == "input" else SCHEMAS
    schema = json.loads((folder / f"{name}.schema.json").read_text())
    return Draft202012Validator(schema, format_checker=FORMATS)


def assert_valid(name: str, instance) -> None:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_format_checks_are_active():
    assert {"date-time", "uri", "email"} <= set(FORMATS.checkers)
    assert not FORMATS.conforms("not a uri", "uri")
    assert not FORMATS.conforms("2026-13-01T00:00:00Z", "date-time")


@pytest.mark.parametrize("name", NAMES)
def test_examples_check_the_validator(name):
    valid = json.loads((SCHEMAS / "examples" / f"{name}.valid.json").read_text())
    invalid = json.loads((SCHEMAS / "examples" / f"{name}.invalid.json").read_text())
    assert validator(name).is_valid(valid)
    assert not validator(name).is_valid(invalid)
    assert validator(name, io="input").is_valid(valid)


@pytest.fixture
def listed(author):
    """hello-connector 1.0.0 and 1.1.0 and a paid sales-sync, with their package files stored."""
    keys = {"signing_key": author.key, "private_key": author.signing_key, "stored": True}
    hello = PublishedPackageFactory(
        identifier="hello-connector",
        display_name="Hello Connector",
        publisher=author.publisher,
        tags=["hello"],
        **{f"release__{name}": value for name, value in keys.items()},
    )
    ReleaseFactory(package=hello, version="1.1.0", **keys)
    ConnectedAccountFactory(publisher=author.publisher)  # Approving a paid release needs one.
    PublishedPackageFactory(
        identifier="sales-sync",
        display_name="Sales Sync",
        publisher=author.publisher,
        category__slug="crm",
        tags=["sales"],
        pricing="pro",
        price_cents=1900,
        **{f"release__{name}": value for name, value in keys.items()},
    )
    return Package.objects.all()


@pytest.mark.django_db
def test_listings_response_conforms(client: Client, listed, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/api/objectstack/v1/listings")
    assert response.status_code == 200
    body = response.json()
    assert_valid("MarketplaceSearchResponse", body)
    assert body["total"] == 2 and body["pageSize"] == 20
    assert {f["category"]: f["count"] for f in body["facets"]["categories"]} == {"crm": 1, "integration": 1}
    assert {f["model"]: f["count"] for f in body["facets"]["pricing"]} == {"free": 1, "subscription": 1}
    for item in body["items"]:
        assert_valid("MarketplaceListing", item)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"query": "sales"}, {"sales-sync"}),
        ({"category": "crm"}, {"sales-sync"}),
        ({"pricing": "subscription"}, {"sales-sync"}),
        ({"pricing": "usage-based"}, set()),
        ({"tags": "hello"}, {"hello-connector"}),
        ({"publisherVerification": "verified"}, set()),
        ({"platformVersion": "2026.5.0"}, {"hello-connector", "sales-sync"}),
        ({"platformVersion": "2025.1.0"}, set()),
        ({"sortBy": "name", "sortDirection": "asc", "pageSize": 1}, {"hello-connector"}),
    ],
)
def test_listings_filters(client: Client, listed, params, expected):
    body = client.get("/api/objectstack/v1/listings", params).json()
    assert_valid("MarketplaceSearchResponse", body)
    assert {i["id"] for i in body["items"]} == expected


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"pageSize": 101}, {"sortBy": "stars"}, {"page": 0}, {"category": "x"}])
def test_listings_refuse_invalid_requests(client: Client, params):
    response = client.get("/api/objectstack/v1/listings", params)
    assert response.status_code == 400
    assert response.json()["ok"] is False


@pytest.mark.django_db
def test_search_request_examples_parse():
    from catalog.api.serializers import SearchRequestSerializer

    valid = json.loads((SCHEMAS / "examples" / "MarketplaceSearchRequest.valid.json").read_text())
    invalid = json.loads((SCHEMAS / "examples" / "MarketplaceSearchRequest.invalid.json").read_text())
    assert validator("MarketplaceSearchRequest", io="input").is_valid(valid)
    assert SearchRequestSerializer(data=valid).is_valid()
    assert not SearchRequestSerializer(data=invalid).is_valid()
    parsed = SearchRequestSerializer(data={}).is_valid()
    assert parsed


@pytest.mark.django_db
def test_listing_detail_and_artifact_conform(client: Client, listed, build_pkg):
    body = client.get("/api/objectstack/v1/listings/hello-connector").json()
    assert_valid("MarketplaceListing", body)
    assert [v["version"] for v in body["versions"]] == ["1.1.0", "1.0.0"]
    assert body["documentationUrl"] == "https://example.com/hello-connector"
    assert body["minPlatformVersion"] == "2026.3.0"
    for version in body["versions"]:
        assert_valid("ArtifactReference", version["artifact"])
    assert client.get("/api/objectstack/v1/listings/nope").status_code == 404
    assert "iconUrl" not in body and "screenshots" not in body  # the manifest names none

    artifact = client.get(
        "/api/objectstack/v1/listings/hello-connector/artifact", {"version": "1.0.0"}
    ).json()
    assert_valid("ArtifactDownloadResponse", artifact)
    release = Package.objects.get(identifier="hello-connector").releases.get(version="1.0.0")
    assert artifact["sha256"] == release.artifact_sha256 and artifact["size"] == release.size
    fetched = client.get(artifact["downloadUrl"].split("testserver", 1)[1])
    data = b"".join(fetched.streaming_content)  # consuming it closes it (and keeps the DB connection)
    with release.artifact.open("rb") as fileobj:
        assert data == fileobj.read()  # the exact uploaded bytes
    paid = client.get("/api/objectstack/v1/listings/sales-sync/artifact")
    assert paid.status_code == 402


@pytest.mark.django_db
def test_a_listing_carries_its_icon_and_screenshots(client: Client):
    png = b"\x89PNG\r\n\x1a\n" + bytes(16)
    PublishedPackageFactory(
        identifier="pretty",
        release__stored=True,
        release__manifest_fields={"icon": "icon.png", "screenshots": ["a.png", "b.png"]},
        release__extra_members={"icon.png": png, "a.png": png, "b.png": png},
    )

    body = client.get("/api/objectstack/v1/listings/pretty").json()

    assert_valid("MarketplaceListing", body)
    assert body["iconUrl"] == "http://testserver/packages/pretty/1.0.0/images/icon.png"
    assert body["screenshots"] == [
        {"url": "http://testserver/packages/pretty/1.0.0/images/a.png"},
        {"url": "http://testserver/packages/pretty/1.0.0/images/b.png"},
    ]
    assert client.get(body["screenshots"][1]["url"]).content == png
    listed = client.get("/api/objectstack/v1/listings").json()["items"]
    assert [item["iconUrl"] for item in listed] == [body["iconUrl"]]


@pytest.mark.django_db
def test_publisher_conforms(client: Client, listed):
    body = client.get("/api/objectstack/v1/publishers/alice-tools").json()
    assert_valid("Publisher", body)
    assert body["id"] == "alice-tools" and body["verification"] == "unverified"
    assert client.get("/api/objectstack/v1/publishers/nobody").status_code == 404


@pytest.fixture
def author_token(author):
    token, raw = token_services.api_token_create(user=author.user, publisher=author.publisher, name="ci")
    return raw


@pytest.mark.django_db
def test_submission_conforms(client: Client, build_pkg, submit, publish, author_token):
    pending = submit(build_pkg())
    approved = publish(build_pkg(id="sales-sync", name="Sales Sync"))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {author_token}"}
    for submission in (pending, approved):
        response = client.get(f"/api/objectstack/v1/submissions/{submission.pk}", **auth)
        assert response.status_code == 200
        assert_valid("PackageSubmission", response.json())
    assert client.get(f"/api/objectstack/v1/submissions/{pending.pk}").status_code == 401


@pytest.mark.django_db
def test_install_conforms_and_records(client: Client, listed, author, author_token):
    request = json.loads((SCHEMAS / "examples" / "MarketplaceInstallRequest.valid.json").read_text())
    request["listingId"] = "hello-connector"
    request["version"] = "1.0.0"
    assert validator("MarketplaceInstallRequest", io="input").is_valid(request)
    response = client.post("/api/objectstack/v1/install", request, content_type="application/json")
    assert response.status_code == 201
    assert_valid("MarketplaceInstallResponse", response.json())
    assert response.json()["version"] == "1.0.0"
    again = client.post("/api/objectstack/v1/install", request, content_type="application/json")
    assert again.status_code == 200
    assert Install.objects.filter(tenant_id="t1").count() == 1

    minimal = {"listingId": "hello-connector"}
    assert validator("MarketplaceInstallRequest", io="input").is_valid(minimal)
    assert (
        client.post("/api/objectstack/v1/install", minimal, content_type="application/json").status_code
        == 400
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {author_token}"}
    response = client.post("/api/objectstack/v1/install", minimal, content_type="application/json", **auth)
    assert response.status_code == 201 and response.json()["version"] == "1.1.0"
    assert Install.objects.filter(user__isnull=False).count() == 1

    paid = {"listingId": "sales-sync", "tenantId": "t1"}
    assert (
        client.post("/api/objectstack/v1/install", paid, content_type="application/json").status_code == 402
    )
    # A real license for it: the install is recorded (plan caps: tests/catalog/test_install_caps.py).
    from licensing.licenses import license_issue

    _, key = license_issue(package=Package.objects.get(identifier="sales-sync"), owner=author.user)
    licensed = client.post(
        "/api/objectstack/v1/install", {**paid, "licenseKey": key}, content_type="application/json"
    )
    assert licensed.status_code == 201
    assert_valid("MarketplaceInstallResponse", licensed.json())


@pytest.mark.django_db
def test_install_examples(client: Client, listed):
    invalid = json.loads((SCHEMAS / "examples" / "MarketplaceInstallRequest.invalid.json").read_text())
    assert not validator("MarketplaceInstallRequest", io="input").is_valid(invalid)
    invalid["tenantId"] = "t1"
    invalid["listingId"] = "hello-connector"
    response = client.post("/api/objectstack/v1/install", invalid, content_type="application/json")
    assert response.status_code == 400
    assert client.post("/api/objectstack/v1/install", {"listingId": "nope", "tenantId": "t"},
                       content_type="application/json").status_code == 404  # fmt: skip
