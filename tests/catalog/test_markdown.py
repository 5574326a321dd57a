"""README rendering is CommonMark, sanitized."""

from urllib.parse import quote

from catalog.markdown import render_markdown


def test_renders_commonmark_with_tables_and_code():
    html = render_markdown("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode <b>\n```\n")

    assert "<h1>Title</h1>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<pre><code>code &lt;b&gt;\n</code></pre>" in html


def test_strips_scripts_event_handlers_and_unsafe_links():
    html = render_markdown(
        '<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n[x](javascript:alert(1)) [y](https://example.com)'
    )

    assert "<script" not in html
    assert "onerror" not in html.replace("&lt;img src=x onerror=", "")
    assert 'href="javascript' not in html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">y</a>' in html


# README images: a visitor's browser loads an image only from this site or
# from a host of README_IMAGE_HOSTS; any other image is a link to it.


def test_a_remote_image_becomes_a_link_not_an_image():
    html = render_markdown("![x](https://evil.example/p.png)")

    assert "<img" not in html
    assert '<a href="https://evil.example/p.png" rel="nofollow noopener noreferrer">x</a>' in html


def test_remote_images_that_are_not_allowed_hosts_load_nothing(settings):
    settings.README_IMAGE_HOSTS = ["img.shields.io"]
    sources = [
        "//evil.example/p.png",
        "http://img.shields.io/badge.png",
        "https://img.shields.io.evil.example/badge.png",
        "https://user@img.shields.io/badge.png",
        "https://img.shields.io:8443/badge.png",
        "data:image/png;base64,iVBORw0KGgo=",
    ]
    html = render_markdown("\n\n".join(f"![b]({src})" for src in sources))

    assert "<img" not in html


def test_an_image_on_an_allowed_host_is_shown(settings):
    settings.README_IMAGE_HOSTS = ["img.shields.io"]

    html = render_markdown("![build](https://IMG.shields.io/badge/build-passing-green.png)")

    assert '<img src="https://IMG.shields.io/badge/build-passing-green.png" alt="build">' in html


def test_an_image_inside_a_link_keeps_the_link_and_shows_its_alt_text():
    html = render_markdown("[![ci](https://evil.example/ci.png)](https://ci.example/run)")

    assert "<img" not in html
    assert '<a href="https://ci.example/run" rel="nofollow noopener noreferrer">ci</a>' in html


def test_a_package_image_is_shown_from_the_address_the_caller_gives():
    html = render_markdown(
        "![shot](./docs/my%20shot.png) ![up](../x.png) ![abs](/etc/x.png) ![v](logo.svg)",
        image_url=lambda path: f"/served/{quote(path)}",
    )

    assert '<img src="/served/docs/my%20shot.png" alt="shot">' in html
    assert html.count("<img") == 1
    assert "up" in html and "abs" in html and "v" in html


def test_without_an_image_address_a_package_image_is_its_alt_text():
    html = render_markdown("![shot](docs/shot.png)")

    assert "<img" not in html and "shot" in html
