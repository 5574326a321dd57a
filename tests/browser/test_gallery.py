"""A customer sees a package's icon on the cards and the listing, and walks its screenshots with the keyboard.

The screenshots are the demo Midnight theme's own (``examples/midnight-theme``), served from the release.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import PublishedPackageFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "midnight-theme"
MEMBERS = ["icon.svg", "screenshots/overview.png", "screenshots/chat.png"]


@pytest.fixture
def midnight():
    PublishedPackageFactory(identifier="plain-tool", display_name="Plain Tool", featured=True)
    return PublishedPackageFactory(
        identifier="midnight-shots",
        display_name="Midnight",
        tagline="Deep navy dark theme with violet accents",
        featured=True,
        release__stored=True,
        release__manifest_fields={"icon": "icon.svg", "screenshots": MEMBERS[1:]},
        release__extra_members={path: (EXAMPLE / path).read_bytes() for path in MEMBERS},
    )


def _natural_width(page, locator) -> int:
    """The image's natural width in pixels once it has loaded (0 would mean a broken image)."""
    page.wait_for_function("img => img.complete", arg=locator.element_handle())
    return locator.evaluate("img => img.naturalWidth")


def _tab_to(page, test_id: str, limit: int = 80) -> None:
    """Press Tab until the focused element carries ``data-testid=test_id``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.dataset.testid") == test_id:
            return
    raise AssertionError(f"Tab never reached [data-testid={test_id}]")


def test_cards_and_listing_show_the_icon_and_the_gallery_works_with_the_keyboard(
    live_server, new_page, screenshot, midnight
):
    page = new_page()
    page.goto(f"{live_server.url}/")
    card = page.locator("article.package-card", has=page.get_by_role("link", name="Midnight"))
    icon = card.first.get_by_test_id("package-icon")
    expect(icon).to_be_visible()
    assert _natural_width(page, icon) > 0
    plain = page.locator("article.package-card", has=page.get_by_role("link", name="Plain Tool")).first
    expect(plain.locator(".pkg-icon")).to_have_text("P")
    screenshot(page, "home cards 1280")
    page.goto(f"{live_server.url}/search/")
    expect(page.get_by_role("heading", name="Midnight")).to_be_visible()
    screenshot(page, "search cards 1280")
    page.set_viewport_size({"width": 390, "height": 900})
    screenshot(page, "search cards 390")
    page.goto(f"{live_server.url}/")
    screenshot(page, "home cards 390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/packages/midnight-shots/")
    header_icon = page.locator(".pkg-header").get_by_test_id("package-icon")
    assert _natural_width(page, header_icon) > 0
    gallery = page.get_by_test_id("gallery")
    expect(gallery.get_by_role("heading", name="Screenshots")).to_be_visible()
    expect(gallery.get_by_test_id("screenshot-thumb")).to_have_count(2)
    screenshot(page, "listing gallery 1280")

    # Keyboard only: Tab to the first screenshot, see its focus ring, open it.
    _tab_to(page, "screenshot-thumb")
    first = gallery.get_by_role("link", name=re.compile("Screenshot 1 of 2"))
    expect(first).to_be_focused()
    assert first.evaluate("a => getComputedStyle(a).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#screenshot-1$"))
    lightbox = page.locator("#screenshot-1")
    large = lightbox.get_by_role("img", name="Screenshot 1 of 2 of Midnight")
    expect(large).to_be_visible()
    assert _natural_width(page, large) == 960  # the full image, not a thumbnail
    expect(lightbox.get_by_text("Screenshot 1 of 2", exact=True)).to_be_visible()
    screenshot(page, "listing lightbox 1280")

    # Next, then Escape closes it and puts the focus back on that screenshot's thumbnail.
    next_link = lightbox.get_by_role("link", name="Next screenshot")
    next_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#screenshot-2$"))
    expect(page.locator("#screenshot-2").get_by_role("img")).to_be_visible()
    expect(lightbox).to_be_hidden()
    page.keyboard.press("Escape")
    expect(page.locator("#screenshot-2")).to_be_hidden()
    expect(gallery.get_by_role("link", name=re.compile("Screenshot 2 of 2"))).to_be_focused()

    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/packages/midnight-shots/")
    gallery.scroll_into_view_if_needed()
    assert _natural_width(page, gallery.get_by_role("img").first) == 960  # thumbnails load when scrolled to
    screenshot(page, "listing gallery 390")
    gallery.get_by_test_id("screenshot-thumb").first.click()
    expect(page.locator("#screenshot-1").get_by_role("img")).to_be_visible()
    screenshot(page, "listing lightbox 390")


def test_the_gallery_works_without_javascript(live_server, chromium, midnight):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/packages/midnight-shots/")
        page.get_by_test_id("screenshot-thumb").last.click()
        lightbox = page.locator("#screenshot-2")
        large = lightbox.get_by_role("img")
        expect(large).to_be_visible()
        assert _natural_width(page, large) > 0
        lightbox.get_by_role("link", name="Close screenshot").click()
        expect(lightbox).to_be_hidden()
    finally:
        context.close()
