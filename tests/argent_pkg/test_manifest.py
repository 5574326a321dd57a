"""Manifest validation (docs/package-format.md, "The manifest" and "Kinds and permissions")."""

from __future__ import annotations

import json

import pytest
from argent_pkg import (
    CATEGORIES,
    KINDS,
    PLURAL_KINDS,
    KindRule,
    PackageInvalid,
    permission_allowed,
    validate_manifest,
)
from argent_pkg.manifest import LINUX_CAPABILITIES
from hypothesis import given, settings
from hypothesis import strategies as st

from .helpers import manifest

PUBLIC_KEY = "mnM8Z2OuYp1bG7iM9J4DVBl6s5MNoNxEHKLorTKWIIs="


def problems(data, **kwargs) -> list[tuple[str, str | None]]:
    with pytest.raises(PackageInvalid) as info:
        validate_manifest(data, **kwargs)
    assert all(problem.is_error for problem in info.value.problems)
    return [(problem.code, problem.field) for problem in info.value.problems]


def test_valid_manifest_is_normalised():
    data = manifest(
        author={
            "name": "Alice",
            "email": "a@example.com",
            "url": "https://a.example",
            "publicKey": PUBLIC_KEY,
        },
        license="mit OR apache-2.0",
        compatibility={"argentos": ">=2026.3.0,<2027"},
        documentation="https://docs.example.com",
        support="https://support.example.com",
        repository="https://github.com/a/b",
    )
    result = validate_manifest(json.dumps(data).encode())
    assert result.id == "hello-connector"
    assert result.name == "Hello Connector"
    assert result.kind == "connector"
    assert result.category == "integration"
    assert result.license == "MIT OR Apache-2.0"
    assert result.tags == ("hello", "test")
    assert result.public_key == PUBLIC_KEY
    assert result.author_email == "a@example.com"
    assert result.permissions == ("network:api.example.com",)
    assert result.tagline == data["description"]
    assert result.raw == data
    assert result.warnings == ()
    assert not result.is_prerelease
    assert str(result.semver) == "1.0.0"
    assert result.compatibility is not None and "<2027" in result.compatibility


def test_minimal_manifest_and_defaults():
    result = validate_manifest(
        {"name": "tiny", "version": "0.1.0-rc.1", "description": "Tiny.", "license": "proprietary"}
    )
    assert result.id == result.name == "tiny"
    assert result.kind == "plugin"
    assert result.category == "other"
    assert result.pricing == "free" and result.price_cents == 0 and result.trial_days is None
    assert result.permissions == () and result.tags == () and result.screenshots == ()
    assert result.is_prerelease
    assert result.author_name is None and result.public_key is None


def test_display_name_defaults_to_id():
    assert validate_manifest(manifest(name=None)).name == "hello-connector"


def test_unknown_fields_and_missing_license_are_warnings():
    data = manifest(license=None, configSchema={}, entry="x.js")
    data["author"]["nickname"] = "al"
    data["compatibility"]["node"] = ">=20"
    result = validate_manifest(data)
    assert [(w.code, w.field, w.severity) for w in result.warnings] == [
        ("manifest.unknown_field", "configSchema", "warning"),
        ("manifest.unknown_field", "entry", "warning"),
        ("manifest.unknown_field", "author.nickname", "warning"),
        ("manifest.no_license", "license", "warning"),
        ("manifest.unknown_field", "compatibility.node", "warning"),
    ]


def test_warnings_travel_with_errors():
    with pytest.raises(PackageInvalid) as info:
        validate_manifest(manifest(version="x", extra=1))
    assert info.value.codes == ["manifest.version_invalid"]
    assert [w.code for w in info.value.warnings] == ["manifest.unknown_field"]


def test_every_broken_rule_is_reported_at_once():
    data = {
        "id": "Bad_ID",
        "name": "",
        "description": "",
        "tags": ["Ok"] * 11,
        "pricing": "pro",
        "permissions": ["docker:NET_ADMIN"],
        "homepage": "http://insecure.example.com",
    }
    found = problems(data)
    assert ("manifest.id_invalid", "id") in found
    assert ("manifest.length", "name") in found
    assert ("manifest.required", "version") in found
    assert ("manifest.length", "description") in found
    assert ("manifest.tags_too_many", "tags") in found
    assert ("manifest.tag_invalid", "tags[10]") in found
    assert ("manifest.price_invalid", "price_cents") in found
    assert ("manifest.permission_not_allowed", "permissions[0]") in found
    assert ("manifest.url_invalid", "homepage") in found


@pytest.mark.parametrize(
    "package_id",
    ["a", "a1", "hello-world", "x" * 64, "0day"],
)
def test_valid_ids(package_id):
    assert validate_manifest(manifest(id=package_id)).id == package_id


@pytest.mark.parametrize("package_id", ["", "-a", "a-", "A", "a_b", "x" * 65, "a.b", "caf\u00e9", 5, None])
def test_invalid_ids(package_id):
    if package_id is None:
        # Without id the name is the identifier, and "Hello Connector" is not one.
        assert problems(manifest(id=None)) == [("manifest.id_invalid", "name")]
    else:
        assert problems(manifest(id=package_id)) == [("manifest.id_invalid", "id")]


def test_id_or_name_is_required():
    assert ("manifest.required", "id") in problems(manifest(id=None, name=None))


@pytest.mark.parametrize(
    ("version", "ok"),
    [
        ("1.0.0", True),
        ("0.0.1-alpha.1+build.5", True),
        ("10.20.30", True),
        ("v1.0.0", False),
        ("1.0", False),
        ("01.0.0", False),
        ("1.0.0-", False),
        ("", False),
        (1, False),
        ("1.0.0-" + "a" * 200, False),
    ],
)
def test_versions(version, ok):
    if ok:
        assert validate_manifest(manifest(version=version)).version == version
    else:
        assert problems(manifest(version=version)) == [("manifest.version_invalid", "version")]


def test_description_and_tagline():
    long = "word " * 100  # 500 characters.
    result = validate_manifest(manifest(description=long))
    assert len(result.tagline) <= 120
    assert problems(manifest(description=long + "x")) == [("manifest.length", "description")]
    assert problems(manifest(description=None)) == [("manifest.required", "description")]
    assert problems(manifest(description=5)) == [("manifest.type", "description")]
    assert problems(manifest(description="   ")) == [("manifest.length", "description")]
    assert validate_manifest(manifest(description="Line one.\r\nLine two.\tx")).tagline == (
        "Line one. Line two. x"
    )
    assert problems(manifest(description="bell\x07")) == [("manifest.control_character", "description")]
    assert validate_manifest(manifest(tagline="Short.")).tagline == "Short."
    assert problems(manifest(tagline="x" * 121)) == [("manifest.length", "tagline")]
    assert problems(manifest(tagline="two\nlines")) == [("manifest.control_character", "tagline")]
    assert problems(manifest(name="x" * 101)) == [("manifest.length", "name")]


def test_author_rules():
    assert problems(manifest(author="Alice <a@example.com>")) == [("manifest.type", "author")]
    assert problems(manifest(author={})) == [("manifest.required", "author.name")]
    assert problems(manifest(author={"name": "A", "email": "nope"})) == [
        ("manifest.email_invalid", "author.email")
    ]
    assert problems(manifest(author={"name": "A", "url": "ftp://x"})) == [
        ("manifest.url_invalid", "author.url")
    ]
    assert problems(manifest(author={"name": "A", "publicKey": "short"})) == [
        ("signature.key_malformed", "author.publicKey")
    ]
    assert problems(manifest(author={"name": "A", "publicKey": 5})) == [("manifest.type", "author.publicKey")]


def test_kind_inference():
    base = manifest(kind=None, category=None)
    assert validate_manifest(base).kind == "plugin"
    assert validate_manifest(base, member_paths=["connector.json"]).kind == "connector"
    assert validate_manifest(base, member_paths=["skills/hi/SKILL.md"]).kind == "skill"
    assert validate_manifest(base, member_paths=["skills/SKILL.md"]).kind == "plugin"
    assert validate_manifest(base, member_paths=["a/skills/x/SKILL.md"]).kind == "plugin"


@pytest.mark.parametrize(("plural", "kind"), sorted(PLURAL_KINDS.items()))
def test_argentos_plural_kind_in_category(plural, kind):
    result = validate_manifest(manifest(kind=None, category=plural, permissions=None))
    assert result.kind == kind
    assert result.category == ("integration" if kind == "connector" else "other")


def test_plural_category_must_agree_with_kind():
    assert problems(manifest(kind="skill", category="connectors")) == [("manifest.kind_mismatch", "category")]
    assert validate_manifest(manifest(kind="connector", category="connectors")).kind == "connector"


def test_unknown_kind_and_category():
    assert problems(manifest(kind="virus")) == [("manifest.kind_unknown", "kind")]
    assert problems(manifest(kind=["connector"])) == [("manifest.kind_unknown", "kind")]
    assert problems(manifest(category="games")) == [("manifest.category_unknown", "category")]
    assert problems(manifest(category=["crm"])) == [("manifest.category_unknown", "category")]
    for category in CATEGORIES:
        assert validate_manifest(manifest(category=category)).category == category


def test_kinds_come_from_the_argument():
    kinds = {"gizmo": KindRule("gizmos/{id}/", ("beep:<name>",))}
    result = validate_manifest(manifest(kind="gizmo", permissions=["beep:loud"]), kinds=kinds)
    assert result.kind == "gizmo"
    assert kinds["gizmo"].target_for("x") == "gizmos/x/"
    assert problems(manifest(kind="connector"), kinds=kinds) == [("manifest.kind_unknown", "kind")]
    # The inferred "plugin" kind is unknown when the table lacks it.
    assert problems(manifest(kind=None, category=None), kinds=kinds) == [("manifest.kind_unknown", "kind")]


def test_kind_rule_rejects_unknown_placeholders():
    with pytest.raises(ValueError, match="placeholder"):
        KindRule("x/{id}/", ("net:<hostname>",))


def test_tags():
    assert problems(manifest(tags=["ok", "ok"])) == [("manifest.tag_duplicate", "tags[1]")]
    assert problems(manifest(tags=["-bad"])) == [("manifest.tag_invalid", "tags[0]")]
    assert problems(manifest(tags=["x" * 33])) == [("manifest.tag_invalid", "tags[0]")]
    assert problems(manifest(tags=[5])) == [("manifest.tag_invalid", "tags[0]")]
    assert problems(manifest(tags="a,b")) == [("manifest.type", "tags")]
    assert validate_manifest(manifest(tags=[f"t{i}" for i in range(10)])).tags[-1] == "t9"


def test_license():
    assert validate_manifest(manifest(license="Proprietary")).license == "proprietary"
    assert validate_manifest(manifest(license="LicenseRef-Mine")).license == "LicenseRef-Mine"
    assert validate_manifest(manifest(license="gpl-3.0-or-later")).license == "GPL-3.0-or-later"
    assert problems(manifest(license="UNLICENSED")) == [("manifest.license_invalid", "license")]
    assert problems(manifest(license="MIT AND")) == [("manifest.license_invalid", "license")]
    assert problems(manifest(license=["MIT"])) == [("manifest.type", "license")]


def test_pricing():
    assert validate_manifest(manifest(pricing="pro", price_cents=999)).price_cents == 999
    assert validate_manifest(manifest(pricing=None, price_cents=None)).pricing == "free"
    assert problems(manifest(pricing="gratis")) == [("manifest.pricing_unknown", "pricing")]
    assert problems(manifest(pricing=5)) == [("manifest.pricing_unknown", "pricing")]
    assert problems(manifest(price_cents=100)) == [("manifest.price_invalid", "price_cents")]
    assert problems(manifest(pricing="pro", price_cents=49)) == [("manifest.price_invalid", "price_cents")]
    assert problems(manifest(pricing="pro", price_cents=2**31)) == [("manifest.price_invalid", "price_cents")]
    assert problems(manifest(pricing="pro", price_cents=9.99)) == [("manifest.type", "price_cents")]
    assert problems(manifest(pricing="pro", price_cents=True)) == [("manifest.type", "price_cents")]


def test_trial_days():
    result = validate_manifest(manifest(pricing="trial", price_cents=500, trial_days=14))
    assert result.trial_days == 14
    assert problems(manifest(pricing="trial", price_cents=500)) == [("manifest.required", "trial_days")]
    for days in (6, 31, "7", True):
        assert problems(manifest(pricing="trial", price_cents=500, trial_days=days)) == [
            ("manifest.trial_days_invalid", "trial_days")
        ]
    assert problems(manifest(trial_days=7)) == [("manifest.trial_days_invalid", "trial_days")]


def test_compatibility():
    assert validate_manifest(manifest(compatibility=None)).compatibility is None
    assert validate_manifest(manifest(compatibility={})).compatibility is None
    for bad in ("not a spec", "", 5, "=>1"):
        assert problems(manifest(compatibility={"argentos": bad})) == [
            ("manifest.compatibility_invalid", "compatibility.argentos")
        ]
    assert problems(manifest(compatibility=">=1")) == [("manifest.type", "compatibility")]


@pytest.mark.parametrize(
    ("kind", "permission", "allowed"),
    [
        ("connector", "network", True),
        ("connector", "network:api.example.com", True),
        ("connector", "network:*.example.com", True),
        ("connector", "network:localhost:8080", True),
        ("connector", "network:10.0.0.1", True),
        ("connector", "network:", False),
        ("connector", "network:*", False),
        ("connector", "network:exa mple.com", False),
        ("connector", "network:-bad.com", False),
        ("connector", "network:a..b", False),
        ("connector", "network:host:0", False),
        ("connector", "network:host:65536", False),
        ("connector", "network:host:080", False),
        ("connector", "network:" + "a" * 64 + ".com", False),
        ("connector", "network:" + ".".join(["a" * 60] * 5), False),
        ("connector", "chat_inject", True),
        ("connector", "fs:tmp", True),
        ("connector", "fs:read", True),
        ("connector", "fs:write", True),
        ("connector", "fs:exec", False),
        ("connector", "secrets:OPENAI_API_KEY", True),
        ("connector", "secrets:a.b-c", True),
        ("connector", "secrets:", False),
        ("connector", "secrets:a/b", False),
        ("connector", "process", True),
        ("connector", "mcp:tool", False),
        ("skill", "process", True),
        ("agent", "network", True),
        ("plugin", "mcp:search_web", True),
        ("bundle", "mcp:x.y-z", True),
        ("plugin", "mcp:", False),
        ("app", "docker:NET_ADMIN", True),
        ("app", "docker:sys_ptrace", True),
        ("app", "docker:Net_Admin", False),
        ("app", "docker:CAP_NET_ADMIN", False),
        ("app", "docker:ALL", False),
        ("app", "port:1", True),
        ("app", "port:65535", True),
        ("app", "port:0", False),
        ("app", "port:65536", False),
        ("app", "port:80a", False),
        ("app", "mount:/data", True),
        ("app", "mount:/", True),
        ("app", "mount:relative", False),
        ("app", "mount:/a/../etc", False),
        ("app", "mount:/a/", False),
        ("app", "mount://host", False),
        ("app", "mount:/a\x00b", False),
        ("app", "network", False),
        ("widget", "data:read.sales", True),
        ("widget", "data:read.", False),
        ("widget", "data:write.sales", False),
        ("widget", "refresh:5s", True),
        ("widget", "refresh:3600s", True),
        ("widget", "refresh:4s", False),
        ("widget", "refresh:30", False),
        ("widget", "refresh:s", False),
        ("theme", "network", False),
    ],
)
def test_permission_vocabulary(kind, permission, allowed):
    assert permission_allowed(permission, KINDS[kind].permissions) is allowed
    data = manifest(kind=kind, category=None, permissions=[permission])
    if allowed:
        assert validate_manifest(data).permissions == (permission,)
    else:
        assert problems(data) == [("manifest.permission_not_allowed", "permissions[0]")]


def test_every_capability_is_accepted():
    assert len(LINUX_CAPABILITIES) == 41
    for capability in LINUX_CAPABILITIES:
        assert permission_allowed(f"docker:{capability}", KINDS["app"].permissions)


def test_permission_list_shape():
    assert problems(manifest(permissions="network")) == [("manifest.type", "permissions")]
    assert problems(manifest(permissions=[5])) == [("manifest.type", "permissions[0]")]
    assert problems(manifest(permissions=["network", "network"])) == [
        ("manifest.permission_duplicate", "permissions[1]")
    ]
    assert not permission_allowed(5, ["network"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "https://",
        "https://user:pw@example.com",
        "javascript:alert(1)",
        "https://exa mple.com",
        "https://[::1",
        "https://example.com/" + "a" * 2000,
        5,
    ],
)
def test_urls_must_be_https(url):
    expected = "manifest.type" if not isinstance(url, str) else "manifest.url_invalid"
    assert problems(manifest(homepage=url)) == [(expected, "homepage")]


def test_icon_and_screenshots():
    sizes = {"icon.png": 1000, "big.svg": 300 * 1024, "s1.png": 5, "s2.jpeg": 5, "doc.txt": 1}
    result = validate_manifest(
        manifest(icon="./icon.png", screenshots=["s1.png", "s2.jpeg"]), member_paths=sizes
    )
    assert result.icon == "icon.png"
    assert result.screenshots == ("s1.png", "s2.jpeg")
    assert problems(manifest(icon="big.svg"), member_paths=sizes) == [("manifest.icon_invalid", "icon")]
    assert problems(manifest(icon="missing.png"), member_paths=sizes) == [("manifest.icon_invalid", "icon")]
    assert problems(manifest(icon="doc.txt"), member_paths=sizes) == [("manifest.icon_invalid", "icon")]
    assert problems(manifest(icon=5), member_paths=sizes) == [("manifest.type", "icon")]
    assert problems(manifest(screenshots=["doc.txt"]), member_paths=sizes) == [
        ("manifest.screenshot_invalid", "screenshots[0]")
    ]
    assert problems(manifest(screenshots=["s1.png"] * 9), member_paths=sizes) == [
        ("manifest.screenshots_too_many", "screenshots")
    ]
    assert problems(manifest(screenshots="s1.png"), member_paths=sizes) == [("manifest.type", "screenshots")]
    # Member contents work as sizes too; other values only prove the member exists.
    assert validate_manifest(manifest(icon="i.png"), member_paths={"i.png": b"\x89PNG\r\n\x1a\n"}).icon
    assert validate_manifest(manifest(icon="i.png"), member_paths={"i.png": None}).icon
    assert validate_manifest(manifest(icon="i.png"), member_paths=["i.png"]).icon == "i.png"


PNG_HEAD = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("fields", "members", "expected"),
    [
        (
            {"icon": "i.png"},
            {"i.png": b"<html><script>alert(1)</script>"},
            [("manifest.icon_invalid", "icon")],
        ),
        ({"icon": "i.svg"}, {"i.svg": PNG_HEAD}, [("manifest.icon_invalid", "icon")]),
        ({"icon": "i.png"}, {"i.png": b"\xff\xd8\xff\xe0"}, [("manifest.icon_invalid", "icon")]),
        (
            {"screenshots": ["s.jpg"]},
            {"s.jpg": PNG_HEAD},
            [("manifest.screenshot_invalid", "screenshots[0]")],
        ),
        (
            {"screenshots": ["s.png"]},
            {"s.png": b"GIF89a"},
            [("manifest.screenshot_invalid", "screenshots[0]")],
        ),
        (
            {"screenshots": ["big.png"]},
            {"big.png": PNG_HEAD + bytes(2 * 1024 * 1024)},
            [("manifest.screenshot_invalid", "screenshots[0]")],
        ),
    ],
)
def test_the_icon_and_screenshots_must_be_images_of_their_type(fields, members, expected):
    assert problems(manifest(**fields), member_paths=members) == expected


def test_icon_and_screenshot_contents_that_fit_their_type_pass():
    svg = b'<?xml version="1.0"?>\n<!-- logo -->\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    members = {"i.svg": svg, "a.png": PNG_HEAD, "b.JPEG": b"\xff\xd8\xff\xe0\x00\x10JFIF"}
    result = validate_manifest(
        manifest(icon="./i.svg", screenshots=["a.png", "b.JPEG"]), member_paths=members
    )
    assert (result.icon, result.screenshots) == ("i.svg", ("a.png", "b.JPEG"))


def test_json_level_problems():
    assert problems(b"{") == [("manifest.invalid_json", "argent.plugin.json")]
    assert problems(b"[]") == [("manifest.not_object", "argent.plugin.json")]
    assert problems(b'{"a": NaN}') == [("manifest.invalid_json", "argent.plugin.json")]
    assert problems(b"\xff") == [("manifest.not_utf8", "argent.plugin.json")]
    assert problems(b'{"id": "a", "id": "b"}') == [("manifest.duplicate_key", "argent.plugin.json")]
    assert problems(b"[" * 100_000 + b"]" * 100_000)[0][0] in (
        "manifest.too_large",
        "manifest.invalid_json",
    )
    assert problems(b" " * (64 * 1024 + 1)) == [("manifest.too_large", "argent.plugin.json")]
    assert problems(b"[" * 20000 + b"]" * 20000) == [("manifest.invalid_json", "argent.plugin.json")]
    text = json.dumps(manifest())
    assert validate_manifest(text).id == "hello-connector"
    assert validate_manifest(b"\xef\xbb\xbf" + text.encode()).id == "hello-connector"


def test_manifest_is_frozen():
    result = validate_manifest(manifest())
    with pytest.raises(AttributeError):
        result.id = "other"  # type: ignore[misc]


ids = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
versions = st.builds(
    lambda a, b, c, pre: f"{a}.{b}.{c}" + (f"-{pre}" if pre else ""),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from(["", "rc.1", "alpha", "beta.2"]),
)


@settings(max_examples=80, deadline=None)
@given(
    package_id=ids,
    version=versions,
    description=st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=500
    ).filter(str.strip),
    tags=st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}", fullmatch=True), max_size=10, unique=True),
    category=st.sampled_from(CATEGORIES),
    pricing=st.sampled_from(["free", "pro", "enterprise", "per-skill"]),
)
def test_random_valid_manifests_validate(package_id, version, description, tags, category, pricing):
    data = manifest(
        id=package_id,
        version=version,
        description=description,
        tags=tags,
        category=category,
        pricing=pricing,
        price_cents=0 if pricing == "free" else 100,
    )
    result = validate_manifest(json.dumps(data).encode())
    assert (result.id, result.version, result.tags) == (package_id, version, tuple(tags))
    assert result.is_prerelease is ("-" in version)


def test_explicit_nulls_mean_absent():
    data = manifest()
    data.update(pricing=None, price_cents=None, trial_days=None, tags=None, homepage=None)
    result = validate_manifest(json.dumps(data).encode())
    assert (result.pricing, result.price_cents, result.tags, result.homepage) == (
        "free",
        0,
        (),
        None,
    )
