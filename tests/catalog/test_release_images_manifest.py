"""The manifest's icon and screenshots are served from the release and shown on cards and the listing."""

from __future__ import annotations

import re

import pytest

from tests.factories import PublishedPackageFactory, ReleaseFactory

#: A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
#: The first bytes of a JPEG (a JFIF header); enough for the type check.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'
IMAGES = {
    "icon.png": PNG,
    "shots/one.png": PNG,
    "shots/two.jpg": JPEG,
    "shots/unnamed.png": PNG,
}


def _package(identifier="pretty", status="published", **manifest_fields):
    fields = {"icon": "./icon.png", "screenshots": ["shots/one.png", "./shots/two.jpg"], **manifest_fields}
    return PublishedPackageFactory(
        identifier=identifier,
        status=status,
        release__stored=True,
        release__manifest_fields=fields,
        release__extra_members=IMAGES,
    )


@pytest.fixture
def package(db):
    return _package()


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("icon.png", PNG, "image/png"),
        ("shots/one.png", PNG, "image/png"),
        ("shots/two.jpg", JPEG, "image/jpeg"),
    ],
)
def test_the_icon_and_screenshots_are_served_with_their_type_and_headers(
    client, package, path, body, content_type
):
    response = client.get(f"/packages/pretty/1.0.0/images/{path}")

    assert response.status_code == 200
    assert response.content == body
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_an_svg_icon_is_served_sandboxed_with_no_script_allowed(client, db):
    PublishedPackageFactory(
        identifier="vector",
        release__stored=True,
        release__manifest_fields={"icon": "logo.svg"},
        release__extra_members={"logo.svg": SVG},
    )

    response = client.get("/packages/vector/1.0.0/images/logo.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy and "script-src" not in policy


@pytest.mark.parametrize(
    "path",
    [
        "shots/unnamed.png",  # in the package, but the manifest does not name it
        "argent.plugin.json",
        "SIGNATURE",
        "README.md",
        "../icon.png",
        "shots/../icon.png",
        "./icon.png",
        "/icon.png",
        "icon.png%00",
        "shots%5cone.png",
        "ICON.PNG",
    ],
)
def test_files_the_manifest_does_not_show_and_hostile_paths_answer_404(client, package, path):
    assert client.get(f"/packages/pretty/1.0.0/images/{path}").status_code == 404


def test_an_icon_whose_bytes_are_not_its_type_answers_404(client, db):
    # The validator refuses such a package now (argent_pkg.images); a release uploaded before that
    # rule can still name one, so the manifest column is written here as such a release has it.
    package = PublishedPackageFactory(
        identifier="fake",
        release__stored=True,
        release__extra_members={"fake.png": b"<svg><script>alert(1)</script></svg>", "fake.svg": PNG},
    )
    release = package.latest_release
    release.manifest = {**release.manifest, "icon": "fake.svg", "screenshots": ["fake.png"]}
    release.save()

    assert client.get("/packages/fake/1.0.0/images/fake.svg").status_code == 404
    assert client.get("/packages/fake/1.0.0/images/fake.png").status_code == 404


def test_a_suspended_listing_serves_no_icon_or_screenshot(client, db):
    _package(identifier="gone", status="suspended")

    assert client.get("/packages/gone/1.0.0/images/icon.png").status_code == 404
    assert client.get("/packages/gone/1.0.0/images/shots/one.png").status_code == 404


def test_a_release_still_in_review_serves_no_images(client, package):
    ReleaseFactory(
        package=package,
        version="2.0.0",
        published_at=None,
        stored=True,
        manifest_fields={"icon": "icon.png"},
        extra_members=IMAGES,
    )

    assert client.get("/packages/pretty/2.0.0/images/icon.png").status_code == 404
    assert client.get("/packages/pretty/1.0.0/images/icon.png").status_code == 200


def test_an_image_read_once_is_served_without_the_artifact_but_not_after_a_suspension(client, package):
    assert client.get("/packages/pretty/1.0.0/images/icon.png").status_code == 200
    package.latest_release.artifact.delete(save=False)  # only the kept bytes can answer now

    assert client.get("/packages/pretty/1.0.0/images/icon.png").content == PNG

    package.status = "suspended"
    package.save()
    assert client.get("/packages/pretty/1.0.0/images/icon.png").status_code == 404


def _card(body: str, identifier: str) -> str:
    match = re.search(
        rf'<article class="package-card[^"]*">(?:(?!</article>).)*?/packages/{identifier}/"', body, re.S
    )
    assert match, f"no card for {identifier}"
    return match.group(0)


def test_cards_show_the_icon_and_fall_back_to_the_letter(client, package):
    PublishedPackageFactory(identifier="plain", display_name="Plain Tool")

    body = client.get("/search/").content.decode()

    icon = _card(body, "pretty")
    assert re.search(
        r'<img class="pkg-icon pkg-icon--image" src="/packages/pretty/1\.0\.0/images/icon\.png" alt="" '
        r'width="48" height="48"',
        icon,
    )
    plain = _card(body, "plain")
    assert "<img" not in plain
    assert re.search(r'<span class="pkg-icon" data-kind="[^"]*" aria-hidden="true">P</span>', plain)


def test_the_listing_header_shows_the_icon(client, package):
    body = client.get("/packages/pretty/").content.decode()

    assert re.search(
        r'<img class="pkg-icon pkg-icon--image pkg-icon-lg" src="/packages/pretty/1\.0\.0/images/icon\.png" alt="" '
        r'width="72" height="72"',
        body,
    )


def test_the_listing_shows_the_screenshots_as_a_gallery_of_links_to_large_views(client, package):
    body = client.get("/packages/pretty/").content.decode()

    thumbs = re.findall(r'<a class="gallery__thumb" id="screenshot-thumb-(\d)" href="#screenshot-(\d)"', body)
    assert thumbs == [("1", "1"), ("2", "2")]
    assert 'src="/packages/pretty/1.0.0/images/shots/one.png" alt="Screenshot 1 of 2 of' in body
    assert 'src="/packages/pretty/1.0.0/images/shots/two.jpg" alt="Screenshot 2 of 2 of' in body
    assert 'width="240" height="150"' in body
    assert body.count('<div class="lightbox" id="screenshot-') == 2
    assert '<a class="btn btn-primary btn-sm" href="#screenshot-thumb-1" data-lightbox-close>Close' in body
    assert '<a class="btn btn-secondary btn-sm" href="#screenshot-2">Next' in body
    assert '<a class="btn btn-secondary btn-sm" href="#screenshot-1">Previous' in body
    assert "shots/unnamed.png" not in body


def test_a_listing_without_screenshots_has_no_gallery(client, db):
    PublishedPackageFactory(identifier="plain")

    body = client.get("/packages/plain/").content.decode()

    assert 'id="screenshots"' not in body
