"""The submission page's review helpers and the diff of an update against the last published release."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from nacl.signing import SigningKey

from moderation import review
from publishing import services
from publishing.constants import SubmissionStatus
from tests.conftest import public_key_b64


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x7fELF\x02\x01", "ELF executable"),
        (b"MZ\x90\x00", "PE executable (Windows)"),
        (b"\xcf\xfa\xed\xfe\x07", "Mach-O executable"),
        (b"\x89PNG\r\n\x1a\n\0", "PNG image"),
        (b"\xff\xd8\xff\xe0", "JPEG image"),
        (b"\x1f\x8b\x08", "gzip"),
        (b"PK\x03\x04", "zip"),
        (b"\0\1\2", "binary"),
    ],
)
def test_detect_type(data, expected):
    assert review.detect_type(data) == expected


def test_text_or_binary():
    assert review.is_text(b"print('hi')\n")
    assert review.is_text("héllo".encode())
    assert review.is_text(b"")
    assert not review.is_text(b"abc\0def")
    assert not review.is_text(b"\xff\xfe\xfa")
    cut = b"a" * 8191 + "é".encode()  # a character cut at the sniff boundary
    assert review.is_text(cut)


def test_numbered_lines_are_capped():
    lines, truncated = review.numbered_lines(b"a\nb\n<c>\n")
    assert (lines, truncated) == ([(1, "a"), (2, "b"), (3, "<c>")], False)

    lines, truncated = review.numbered_lines(b"x\n" * 30, max_lines=10)
    assert len(lines) == 10 and truncated
    _, truncated = review.numbered_lines(b"x" * 100, max_bytes=10)
    assert truncated


def test_list_and_describe_members():
    members = {"b.txt": b"hi\n", "a.bin": b"\x7fELF\0\0"}

    listed = review.list_members(members)
    binary = review.describe_member("a.bin", members["a.bin"])

    assert [(m.path, m.size, m.type) for m in listed] == [("a.bin", 6, "binary"), ("b.txt", 3, "text")]
    assert (binary.text, binary.type, binary.lines) == (False, "ELF executable", [])
    assert len(binary.sha256) == 64


def test_manifest_and_permission_changes():
    changes = review.manifest_changes(
        {"name": "A", "tags": ["x"], "gone": 1}, {"name": "B", "tags": ["x"], "new": True}
    )

    assert [(c.key, c.change, c.old, c.new) for c in changes] == [
        ("gone", "removed", "1", ""),
        ("name", "changed", "A", "B"),
        ("new", "added", "", "true"),
    ]
    assert review.permission_changes(["a", "b"], ["b", "c"]) == (["c"], ["a"])


def test_member_diffs():
    old = {"same": b"x", "gone": b"1", "code.py": b"a = 1\nb = 2\n", "img": b"\0a", "SHA256SUMS": b"1"}
    new = {"same": b"x", "added": b"2", "code.py": b"a = 1\nb = 3\n", "img": b"\0b", "SHA256SUMS": b"2"}

    diffs = {d.path: d for d in review.member_diffs(old, new)}

    assert {p: d.change for p, d in diffs.items()} == {
        "added": "added",
        "code.py": "changed",
        "gone": "removed",
        "img": "binary changed",
    }
    assert ("del", "-b = 2") in diffs["code.py"].lines
    assert ("add", "+b = 3") in diffs["code.py"].lines
    assert ("hunk", "@@ -1,2 +1,2 @@") in diffs["code.py"].lines


@pytest.mark.django_db
def test_starter_canned_reasons_are_seeded_for_each_decision():
    from moderation.models import CannedReason

    actions = set(CannedReason.objects.filter(enabled=True).values_list("action", flat=True))
    assert {"reject", "request-changes", "flag"} <= actions


# --- the update page ------------------------------------------------------------------------------


@pytest.fixture
def update(author, build_pkg, publish, submit):
    """1.0.0 published; 1.1.0 submitted with a new key, other permissions and a changed text file."""
    publish(build_pkg({"handler.js": b"export const greet = () => 'hello';\n"}))
    new_key = SigningKey.generate()
    services.signing_key_register(
        publisher=author.publisher, public_key=public_key_b64(new_key), label="new laptop", user=author.user
    )
    manifest_fields = {
        "version": "1.1.0",
        "permissions": ["network:api.evil.example", "fs:read"],
        "description": "Says hello to your ArgentOS agent, now with files; built by the test suite.",
    }
    pkg = build_pkg(
        {"handler.js": b"export const greet = () => '<script>hello</script>';\n", "notes.txt": b"new\n"},
        key=new_key,
        **manifest_fields,
    )
    submission = submit(pkg)
    assert submission.status == SubmissionStatus.IN_REVIEW
    assert not submission.is_new_package
    return submission


@pytest.mark.django_db
def test_update_page_shows_the_diff_against_the_last_published_release(client, reviewer, update):
    client.force_login(reviewer)

    body = client.get(reverse("admin:publishing_submission_change", args=[update.pk])).content.decode()

    assert "Changes since 1.0.0" in body
    assert '<span class="q-perm-added" title="added">+ network:api.evil.example</span>' in body
    assert '<span class="q-perm-added" title="added">+ fs:read</span>' in body
    assert '<span class="q-perm-removed" title="removed">− network:api.example.com</span>' in body
    assert "key changed" in body
    assert "<code>version</code>" in body and "1.1.0" in body  # manifest field change
    assert "+export const greet = () =&gt; &#x27;&lt;script&gt;hello&lt;/script&gt;&#x27;;" in body
    assert "-export const greet = () =&gt; &#x27;hello&#x27;;" in body
    assert "<script>hello</script>" not in body
    assert "notes.txt" in body and ">added<" in body
    assert "Place 1 in the updates queue" in body


@pytest.mark.django_db
def test_diff_helper_for_an_update(update):
    members = review.submission_members(update)

    diff = review.diff_against_previous(update, members)

    assert diff.previous.version == "1.0.0"
    assert diff.key_changed
    assert diff.permissions_added == ["network:api.evil.example", "fs:read"]
    assert diff.permissions_removed == ["network:api.example.com"]
    assert {c.key for c in diff.manifest} >= {"version", "permissions", "description", "author"}
    changed = {f.path: f.change for f in diff.files}
    assert changed["handler.js"] == "changed" and changed["notes.txt"] == "added"
    assert changed["argent.plugin.json"] == "changed"
    assert json.loads(members["argent.plugin.json"])["version"] == "1.1.0"


@pytest.mark.django_db
def test_new_package_has_no_diff(build_pkg, submit):
    submission = submit(build_pkg())

    assert review.diff_against_previous(submission, review.submission_members(submission)) is None
