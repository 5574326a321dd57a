"""Browser fixtures: Playwright's sync API driving Debian's Chromium against ``live_server``.

Playwright never downloads a browser here: ``/usr/bin/chromium`` (Debian's
``chromium`` package) is launched directly. Without it these tests FAIL.
Screenshots go to ``tests/browser/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def chromium():
    """A running Chromium (``playwright.sync_api.Browser``) for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need Debian's chromium "
            "(apt-get install chromium; `make test` installs it).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM
    # refuses to run under one unless told it is safe (it is: one thread).
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


class Screenshots:
    """Numbered full-page screenshots under ``tests/browser/artifacts/<test>/``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    def __call__(self, page, label: str) -> Path:
        self.count += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def widths(self, page, label: str, section=None, widths=(1280, 390)) -> None:
        """Full-page screenshots at each width (px), and of ``section`` (a locator) alone when given;
        the page is left at 1280 px."""
        for width in widths:
            page.set_viewport_size({"width": width, "height": 900})
            self(page, f"{label} {width}")
            if section is not None:
                self.directory.mkdir(parents=True, exist_ok=True)
                section.screenshot(path=str(self.directory / f"{label}-section-{width}.png"))
        page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def screenshot(request) -> Screenshots:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    return Screenshots(ARTIFACTS / name)


#: Reports every Content-Security-Policy violation of a page on its console (Chromium also logs its own
#: "Refused to ..." line), where :func:`watch_csp` collects it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


def watch_csp(context, violations: list[str]) -> None:
    """Append to ``violations`` every CSP violation of the pages of ``context`` (a Playwright context)."""
    context.add_init_script(REPORT_CSP_VIOLATIONS)

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or message.text.startswith("CSP violation"):
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", on_console)


@pytest.fixture
def csp_violations() -> list[str]:
    """The CSP violations seen by the pages of ``new_page``; a test fails when any is left at its end."""
    return []


@pytest.fixture
def new_page(chromium, request, screenshot, csp_violations) -> Iterator:
    """``new_page()`` opens a page in a fresh browser context (its own cookies).

    When the test fails, every page open at the end is saved as a screenshot.
    Any Content-Security-Policy violation on any page fails the test.
    """
    contexts = []

    def open_page():
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        watch_csp(context, csp_violations)
        contexts.append(context)
        return context.new_page()

    yield open_page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for context in contexts:
        for page in context.pages:
            if failed:
                with contextlib.suppress(Exception):  # best effort only
                    screenshot(page, "failure")
        context.close()
    if csp_violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(csp_violations), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
