"""README images come from the package itself, served by ``catalog:release-image``."""

from __future__ import annotations

import random

import pytest

from catalog.release_images import MAX_IMAGE_BYTES
from tests.factories import PublishedPackageFactory

#: A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
README = (
    "# Shots\n\n![shot](docs/shot.png)\n\n![remote](https://evil.example/p.png)\n\n"
    "![fake](docs/fake.png)\n\n![missing](docs/missing.png)\n\n![big](big.gif)\n\n![vector](logo.svg)\n"
)


@pytest.fixture
def package(db):
    return PublishedPackageFactory(
        identifier="shots",
        readme=README,
        release__stored=True,
        release__extra_members={
            "docs/shot.png": PNG,
            "docs/fake.png": b"<html><script>alert(1)</script></html>",
            "docs/unshown.png": PNG,
            "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        },
    )


def test_the_listing_shows_package_images_from_this_site_and_remote_ones_as_links(client, package):
    body = client.get("/packages/shots/").content.decode()

    assert '<img src="/packages/shots/1.0.0/images/docs/shot.png" alt="shot">' in body
    assert 'src="https://evil.example' not in body
    assert '<a href="https://evil.example/p.png" rel="nofollow noopener noreferrer">remote</a>' in body


def test_a_package_image_is_served_with_its_bytes_and_type(client, package):
    response = client.get("/packages/shots/1.0.0/images/docs/shot.png")

    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    [
        "../docs/shot.png",
        "docs/../docs/shot.png",
        "..%2fdocs%2fshot.png",
        "./docs/shot.png",
        "/docs/shot.png",
        "/etc/passwd",
        "docs/shot.png%00",
        "docs/shot%00.png",
        "docs%5cshot.png",
        "docs/unshown.png",  # in the package, but the README does not show it
        "docs/fake.png",  # named .png, not a PNG
        "docs/missing.png",
        "logo.svg",
        "argent.plugin.json",
        "SIGNATURE",
    ],
)
def test_hostile_or_unshown_paths_answer_404(client, package, path):
    assert client.get(f"/packages/shots/1.0.0/images/{path}").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/packages/shots/9.9.9/images/docs/shot.png", "/packages/sh%00ots/1.0.0/images/docs/shot.png"],
)
def test_unknown_releases_answer_404(client, package, url):
    assert client.get(url).status_code == 404


def test_a_suspended_listing_serves_no_images(client, db):
    PublishedPackageFactory(
        identifier="gone",
        status="suspended",
        readme=README,
        release__stored=True,
        release__extra_members={"docs/shot.png": PNG},
    )

    assert client.get("/packages/gone/1.0.0/images/docs/shot.png").status_code == 404


def test_an_image_over_the_size_cap_answers_404(client, db):
    noise = random.Random(12).randbytes(MAX_IMAGE_BYTES)  # incompressible, so the archive limits let it in
    PublishedPackageFactory(
        identifier="big",
        readme="![big](big.gif) ![ok](ok.gif)",
        release__stored=True,
        release__extra_members={"big.gif": b"GIF89a" + noise, "ok.gif": b"GIF89a" + noise[:100]},
    )

    assert client.get("/packages/big/1.0.0/images/ok.gif")["Content-Type"] == "image/gif"
    assert client.get("/packages/big/1.0.0/images/big.gif").status_code == 404
