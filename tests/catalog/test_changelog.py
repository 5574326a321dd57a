"""Release notes: Markdown rendered and sanitized on the submission page and on the listing (each
version, the latest open), the same notes in every API dialect, and in the watchers' e-mail."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import watch
from catalog.models import Package
from tests.conftest import make_user
from tests.factories import PublishedPackageFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

NOTES_1_0 = "First release.\n\n- reads **CSV**\n- writes JSON\n"
NOTES_1_1 = "Adds *Italian*.\n\n1. `--lang it`\n2. fixes [#4](https://example.com/issues/4)\n"
NOTES_2_0 = "## Breaking\n\n**Drops Python 3.9.**\n\n- new `run` command\n"

#: Release notes an attacker might write: raw HTML, handlers, script links in every Markdown form.
HOSTILE_NOTES = (
    "**Fine** release.\n\n"
    "<script>alert('raw')</script>\n\n"
    '<img src="x" onerror="alert(1)">\n\n'
    '<a href="javascript:alert(\'html\')" onclick="alert(2)">html link</a>\n\n'
    "[markdown link](javascript:alert('md'))\n\n"
    "[spaced](  JaVaScRiPt:alert('case')  )\n\n"
    "<javascript:alert('autolink')>\n\n"
    "![img](javascript:alert('img'))\n\n"
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)\n"
)


class _Tags(HTMLParser):
    """The start tags of an HTML fragment, with their attributes, as a browser's parser sees them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def assert_harmless(html: str) -> None:
    """No script element, event handler or script/data address from the notes is a real tag of ``html``."""
    for tag, attrs in _Tags(html).tags:
        assert tag not in {"script", "iframe", "object", "embed", "style"}, tag
        for name, value in attrs:
            assert not name.startswith("on"), f"<{tag} {name}> reached the page"
            if name in {"href", "src"}:
                scheme = (value or "").strip().lower().split(":", 1)[0]
                assert scheme in {"http", "https", "mailto"} or ":" not in (value or ""), (
                    f"<{tag} {name}={value!r}>"
                )


def versions_of(html: str) -> dict[str, str]:
    """Each ``<details>`` of the listing's versions section by version: its whole element."""
    section = html[html.index('id="versions"') :]
    return {
        m.group(2): m.group(0)
        for m in re.finditer(
            r'<details class="changelog-entry"( open)? data-testid="version-([^"]+)">.*?</details>',
            section,
            re.S,
        )
    }


@pytest.fixture
def three_versions(author) -> Package:
    """csv-tools 1.0.0, 1.1.0 (yanked, with a reason) and 2.0.0, each with Markdown notes."""
    now = timezone.now()
    package = PublishedPackageFactory(
        identifier="csv-tools",
        display_name="CSV Tools",
        publisher=author.publisher,
        published_at=now - dt.timedelta(days=30),
        release__release_notes=NOTES_1_0,
    )
    ReleaseFactory(
        package=package,
        version="1.1.0",
        release_notes=NOTES_1_1,
        published_at=now - dt.timedelta(days=10),
        yanked=True,
        yanked_reason="Corrupts files with a BOM.",
    )
    ReleaseFactory(package=package, version="2.0.0", release_notes=NOTES_2_0, published_at=now)
    package.refresh_from_db()
    assert package.latest_release.version == "2.0.0"
    return package


# --- the listing -------------------------------------------------------------------------------------


def test_the_listing_shows_every_version_with_its_notes_the_latest_open(client, three_versions):
    html = client.get(three_versions.get_absolute_url()).content.decode()

    versions = versions_of(html)
    assert list(versions) == ["2.0.0", "1.1.0", "1.0.0"]  # newest first
    latest, yanked, first = versions["2.0.0"], versions["1.1.0"], versions["1.0.0"]
    assert latest.startswith('<details class="changelog-entry" open')
    assert "<strong>Drops Python 3.9.</strong>" in latest and "<h2>Breaking</h2>" in latest
    assert ">latest<" in latest
    # Older versions are collapsed, their notes rendered inside the closed <details>.
    assert not yanked.startswith('<details class="changelog-entry" open')
    assert not first.startswith('<details class="changelog-entry" open')
    assert "<li>reads <strong>CSV</strong></li>" in first
    assert "<em>Italian</em>" in yanked and "<code>--lang it</code>" in yanked
    assert '<a href="https://example.com/issues/4" rel="nofollow noopener noreferrer">#4</a>' in yanked
    # The yanked version says so, and why.
    assert ">yanked<" in yanked and "Corrupts files with a BOM." in yanked
    assert ">yanked<" not in latest and ">yanked<" not in first
    assert '<time class="changelog-entry__date small muted" datetime="' in first


def test_a_version_without_notes_says_so(client, author):
    package = PublishedPackageFactory(publisher=author.publisher, release__release_notes="")

    html = client.get(package.get_absolute_url()).content.decode()

    assert "No release notes for this version." in versions_of(html)["1.0.0"]


def test_more_versions_with_notes_cost_no_more_queries(client, author):
    """The notes come with the versions, in the same query: the listing's cost does not grow with them."""
    now = timezone.now()
    package = PublishedPackageFactory(
        publisher=author.publisher, published_at=now - dt.timedelta(days=20), release__release_notes=NOTES_1_0
    )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(package.get_absolute_url())
        assert response.status_code == 200
        return len(captured.captured_queries)

    one = queries()
    for minor in range(1, 8):
        ReleaseFactory(
            package=package,
            version=f"1.{minor}.0",
            release_notes=f"Change **{minor}**.",
            published_at=now - dt.timedelta(days=20 - minor),
        )
    eight = queries()

    assert eight == one
    assert len(versions_of(client.get(package.get_absolute_url()).content.decode())) == 8


def test_hostile_release_notes_do_not_reach_the_listing(client, author):
    package = PublishedPackageFactory(publisher=author.publisher, release__release_notes=HOSTILE_NOTES)

    html = client.get(package.get_absolute_url()).content.decode()
    notes = versions_of(html)["1.0.0"]

    assert "<strong>Fine</strong>" in notes  # the notes are rendered ...
    assert_harmless(notes)  # ... without anything that runs
    assert "&lt;script&gt;" in notes  # raw HTML is shown as text, not dropped silently


# --- the submission page -----------------------------------------------------------------------------


def upload_with_notes(author, build_pkg, django_capture_on_commit_callbacks, notes: str, **manifest):
    from publishing import services

    pkg = build_pkg(**manifest)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(
            publisher=author.publisher,
            uploader=author.user,
            upload=pkg.file(),
            filename=pkg.filename,
            release_notes=notes,
        )
    return submission


def test_the_submission_page_renders_the_notes_as_markdown(
    client, author, build_pkg, django_capture_on_commit_callbacks
):
    submission = upload_with_notes(author, build_pkg, django_capture_on_commit_callbacks, NOTES_2_0)
    client.force_login(author.user)

    html = client.get(submission.get_absolute_url()).content.decode()
    notes = html[html.index('id="notes-title"') :]

    assert "<h2>Breaking</h2>" in notes
    assert "<strong>Drops Python 3.9.</strong>" in notes
    assert "<li>new <code>run</code> command</li>" in notes
    assert "## Breaking" not in notes and "**" not in notes


def test_hostile_release_notes_do_not_reach_the_submission_page(
    client, author, build_pkg, django_capture_on_commit_callbacks
):
    submission = upload_with_notes(author, build_pkg, django_capture_on_commit_callbacks, HOSTILE_NOTES)
    client.force_login(author.user)

    html = client.get(submission.get_absolute_url()).content.decode()
    notes = html[html.index('id="notes-title"') :]

    assert "<strong>Fine</strong>" in notes
    assert_harmless(notes)


# --- the API -----------------------------------------------------------------------------------------


def test_every_catalog_dialect_carries_each_versions_notes(client, three_versions):
    argentos = client.get("/api/v1/catalog/csv-tools").json()
    kind = three_versions.kind.plural
    cloud = client.get(f"/api/v1/marketplace/{kind}/items/csv-tools").json()
    objectstack = client.get("/api/objectstack/v1/listings/csv-tools").json()

    expected = {"2.0.0": NOTES_2_0, "1.1.0": NOTES_1_1, "1.0.0": NOTES_1_0}
    for detail in (argentos, cloud):
        assert detail["latest"]["changelog"] == NOTES_2_0
        assert {v["version"]: v["changelog"] for v in detail["versions"]} == expected
    assert {v["version"]: v["releaseNotes"] for v in objectstack["versions"]} == expected


def test_the_submission_reads_return_the_notes_sent(
    client, author, build_pkg, django_capture_on_commit_callbacks
):
    from tokens.services import api_token_create

    submission = upload_with_notes(author, build_pkg, django_capture_on_commit_callbacks, NOTES_1_1)
    secret = api_token_create(user=author.user, name="ci", publisher=author.publisher)[1]
    headers = {"Authorization": f"Bearer {secret}"}

    argentos = client.get(f"/api/v1/submissions/{submission.pk}", headers=headers).json()
    objectstack = client.get(f"/api/objectstack/v1/submissions/{submission.pk}", headers=headers).json()

    assert argentos["changelog"] == NOTES_1_1
    assert objectstack["releaseNotes"] == NOTES_1_1


# --- the watchers' e-mail ----------------------------------------------------------------------------


def test_the_watch_email_carries_the_new_versions_notes(three_versions, django_user_model):
    bob = make_user(django_user_model, "bob")
    watch.watch_create(package=three_versions, user=bob)
    mail.outbox.clear()

    assert watch.release_watchers_send(release_id=three_versions.latest_release.pk) == 1

    body = mail.outbox[0].body
    assert "Release notes:" in body and NOTES_2_0.strip() in body
    assert NOTES_1_0.strip() not in body


def test_the_watch_emails_html_part_renders_the_notes_harmlessly(author, django_user_model):
    package = PublishedPackageFactory(publisher=author.publisher, release__release_notes=HOSTILE_NOTES)
    bob = make_user(django_user_model, "bob")
    watch.watch_create(package=package, user=bob)
    mail.outbox.clear()

    assert watch.release_watchers_send(release_id=package.latest_release.pk) == 1

    html, content_type = mail.outbox[0].alternatives[0]
    assert content_type == "text/html"
    assert "<strong>Fine</strong> release." in html
    assert_harmless(html)
