"""The manifest ``argent.plugin.json``: constants, permission vocabulary and validation.

:func:`validate_manifest` applies every rule of docs/package-format.md, "The manifest" and "Kinds and permissions" and reports
every broken rule at once, each with its field path, code and offending value.
Kinds are rows of a database table on the server, so the kind vocabulary is passed
in as a mapping of :class:`KindRule` (default :data:`KINDS`).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import semver
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from .errors import WARNING, FormatError, PackageInvalid, Problem
from .images import sniff_image_type
from .signing import decode_public_key

try:  # packaging >= 24.2 validates SPDX license expressions.
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
except ImportError:  # pragma: no cover - the pinned packaging has it.
    canonicalize_license_expression = None
    InvalidLicenseExpression = ValueError

__all__ = [
    "CATEGORIES",
    "KINDS",
    "LINUX_CAPABILITIES",
    "MANIFEST_NAME",
    "MAX_MANIFEST_BYTES",
    "PLURAL_KINDS",
    "PRICING_MODELS",
    "KindRule",
    "Manifest",
    "permission_allowed",
    "validate_manifest",
]

MANIFEST_NAME = "argent.plugin.json"
MAX_MANIFEST_BYTES = 64 * 1024
MAX_ICON_BYTES = 256 * 1024
MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024
MAX_SCREENSHOTS = 8
MAX_TAGS = 10
MAX_URL_CHARS = 2000
MAX_PRICE_CENTS = 2**31 - 1

ID_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
TAG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

CATEGORIES: tuple[str, ...] = (
    "crm",
    "erp",
    "hr",
    "finance",
    "project",
    "collaboration",
    "analytics",
    "integration",
    "automation",
    "ai",
    "security",
    "developer-tools",
    "ui-theme",
    "storage",
    "other",
)
DEFAULT_CATEGORY = "other"

PRICING_MODELS: tuple[str, ...] = ("free", "trial", "pro", "enterprise", "per-skill")
TRIAL_DAYS_RANGE = (7, 30)
MIN_PAID_PRICE_CENTS = 50

# The Linux capability names of capabilities(7), without the CAP_ prefix.
LINUX_CAPABILITIES: frozenset[str] = frozenset(
    {
        "AUDIT_CONTROL",
        "AUDIT_READ",
        "AUDIT_WRITE",
        "BLOCK_SUSPEND",
        "BPF",
        "CHECKPOINT_RESTORE",
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "IPC_LOCK",
        "IPC_OWNER",
        "KILL",
        "LEASE",
        "LINUX_IMMUTABLE",
        "MAC_ADMIN",
        "MAC_OVERRIDE",
        "MKNOD",
        "NET_ADMIN",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_RAW",
        "PERFMON",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYSLOG",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_CHROOT",
        "SYS_MODULE",
        "SYS_NICE",
        "SYS_PACCT",
        "SYS_PTRACE",
        "SYS_RAWIO",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "WAKE_ALARM",
    }
)

_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,128}")
_HOST_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_DIGITS_RE = re.compile(r"[0-9]{1,10}")
_MIN_REFRESH_SECONDS = 5


def _valid_port(text: str) -> bool:
    return bool(_DIGITS_RE.fullmatch(text)) and not text.startswith("0") and int(text) <= 65535


def _valid_host(text: str) -> bool:
    host, colon, port = text.partition(":")
    if colon and not _valid_port(port):
        return False
    if host.startswith("*."):
        host = host[2:]
    if not host or len(host) > 253:
        return False
    return all(_HOST_LABEL_RE.fullmatch(label) for label in host.split("."))


def _valid_capability(text: str) -> bool:
    return text in (text.upper(), text.lower()) and text.upper() in LINUX_CAPABILITIES


def _valid_abspath(text: str) -> bool:
    if not text.startswith("/") or text.startswith("//") or len(text) > 4096:
        return False
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        return False
    return posixpath.normpath(text) == text and ".." not in text.split("/")


def _valid_interval(text: str) -> bool:
    number = text[:-1]
    return text.endswith("s") and bool(_DIGITS_RE.fullmatch(number)) and int(number) >= _MIN_REFRESH_SECONDS


# Placeholders usable in permission templates, each with the check its value must pass.
PLACEHOLDERS = {
    "host": _valid_host,
    "name": lambda text: bool(_NAME_RE.fullmatch(text)),
    "tool": lambda text: bool(_NAME_RE.fullmatch(text)),
    "capability": _valid_capability,
    "port": _valid_port,
    "abspath": _valid_abspath,
    "interval": _valid_interval,
}
_PLACEHOLDER_RE = re.compile(r"<([a-z]+)>")


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = []
    position = 0
    for number, match in enumerate(_PLACEHOLDER_RE.finditer(template)):
        if match.group(1) not in PLACEHOLDERS:
            raise ValueError(
                f"Unknown placeholder <{match.group(1)}> in permission template {template!r}; "
                f"known placeholders are {', '.join(sorted(PLACEHOLDERS))}."
            )
        pattern.append(re.escape(template[position : match.start()]))
        pattern.append(f"(?P<{match.group(1)}_{number}>.+)")
        position = match.end()
    pattern.append(re.escape(template[position:]))
    return re.compile("".join(pattern), re.DOTALL)


def permission_allowed(permission: str, templates: Iterable[str]) -> bool:
    """Return whether ``permission`` matches one of the permission ``templates`` (section 5).

    A template is literal text with at most a few typed placeholders:
    ``<host>`` (DNS host name, optional ``*.`` prefix and ``:port``), ``<name>`` and
    ``<tool>`` (``[A-Za-z0-9_.-]+``), ``<capability>`` (a Linux capability name from
    capabilities(7) without ``CAP_``, all upper or all lower case), ``<port>`` (1 to
    65535), ``<abspath>`` (a normalised absolute POSIX path without ``..``) and
    ``<interval>`` (``Ns`` with N at least 5).  For example ``network:api.example.com``
    matches ``network:<host>``.  Raises ``ValueError`` for an unknown placeholder in a
    template.
    """
    if not isinstance(permission, str):
        return False
    for template in templates:
        match = _template_regex(template).fullmatch(permission)
        if match is None:
            continue
        if all(PLACEHOLDERS[name.rsplit("_", 1)[0]](value) for name, value in match.groupdict().items()):
            return True
    return False


@dataclass(frozen=True)
class KindRule:
    """What a package kind allows (docs/package-format.md, "Kinds and permissions").

    ``install_target`` is the directory under ``~/.argentos/`` the client installs
    into, with ``{id}`` standing for the package identifier (``connectors/{id}/``).
    ``permissions`` are permission templates (see :func:`permission_allowed`).
    Raises ``ValueError`` on construction when a template uses an unknown placeholder.
    """

    install_target: str
    permissions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "permissions", tuple(self.permissions))
        for template in self.permissions:
            _template_regex(template)

    def target_for(self, package_id: str) -> str:
        """Return the install target of the package ``package_id``."""
        return self.install_target.replace("{id}", package_id)


_BASE_PERMISSIONS = (
    "network",
    "network:<host>",
    "chat_inject",
    "fs:tmp",
    "fs:read",
    "fs:write",
    "secrets:<name>",
    "process",
)

KINDS: dict[str, KindRule] = {
    "connector": KindRule("connectors/{id}/", _BASE_PERMISSIONS),
    "skill": KindRule("skills/{id}/", _BASE_PERMISSIONS),
    "plugin": KindRule("extensions/{id}/", (*_BASE_PERMISSIONS, "mcp:<tool>")),
    "agent": KindRule("agents/{id}/", _BASE_PERMISSIONS),
    "bundle": KindRule("extensions/{id}/", (*_BASE_PERMISSIONS, "mcp:<tool>")),
    "app": KindRule("apps/{id}/", ("docker:<capability>", "port:<port>", "mount:<abspath>")),
    "widget": KindRule("widgets/{id}/", ("data:read.<name>", "refresh:<interval>")),
    "theme": KindRule("themes/{id}/", ()),
}

PLURAL_KINDS: dict[str, str] = {f"{kind}s": kind for kind in KINDS}

_KNOWN_FIELDS = frozenset(
    {
        "id",
        "name",
        "version",
        "description",
        "tagline",
        "author",
        "kind",
        "category",
        "tags",
        "license",
        "pricing",
        "price_cents",
        "trial_days",
        "compatibility",
        "permissions",
        "homepage",
        "documentation",
        "support",
        "repository",
        "icon",
        "screenshots",
    }
)
_AUTHOR_FIELDS = frozenset({"name", "email", "url", "publicKey"})
_URL_FIELDS = ("homepage", "documentation", "support", "repository")
_ICON_SUFFIXES = (".png", ".svg")
_SCREENSHOT_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class Manifest:
    """A validated manifest with normalised fields (docs/package-format.md, "The manifest").

    ``raw`` is the original JSON object, unknown fields included; ``warnings`` holds
    the warnings found (``manifest.unknown_field``, ``manifest.no_license``).
    """

    id: str
    name: str
    version: str
    description: str
    tagline: str
    kind: str
    category: str
    author_name: str | None = None
    author_email: str | None = None
    author_url: str | None = None
    public_key: str | None = None
    tags: tuple[str, ...] = ()
    license: str | None = None
    pricing: str = "free"
    price_cents: int = 0
    trial_days: int | None = None
    compatibility: str | None = None
    permissions: tuple[str, ...] = ()
    homepage: str | None = None
    documentation: str | None = None
    support: str | None = None
    repository: str | None = None
    icon: str | None = None
    screenshots: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    warnings: tuple[Problem, ...] = ()

    @property
    def is_prerelease(self) -> bool:
        """``True`` when the version has a pre-release part (``1.0.0-rc.1``)."""
        return semver.Version.parse(self.version).prerelease is not None

    @property
    def semver(self) -> semver.Version:
        """The version as a :class:`semver.Version`, for ordering versions."""
        return semver.Version.parse(self.version)


class _Checker:
    """Collects problems while one manifest is checked."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, code: str, message: str, field_path: str | None, value: object = None) -> None:
        self.problems.append(Problem(code, message, field_path, value))

    def warn(self, code: str, message: str, field_path: str | None, value: object = None) -> None:
        self.problems.append(Problem(code, message, field_path, value, WARNING))

    def string(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        max_chars: int | None = None,
        min_chars: int = 1,
        single_line: bool = True,
    ) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.error("manifest.required", f"The field {path} is required.", path)
            return None
        if not isinstance(value, str):
            self.error("manifest.type", f"The field {path} must be a string.", path, value)
            return None
        if len(value.strip()) < min_chars or (max_chars is not None and len(value) > max_chars):
            self.error(
                "manifest.length",
                f"The field {path} must be {min_chars} to {max_chars} characters long.",
                path,
                value,
            )
            return None
        bad = [char for char in value if ord(char) < 32 or ord(char) == 127]
        if single_line:
            if bad:
                self.error(
                    "manifest.control_character",
                    f"The field {path} must not contain control characters or line breaks.",
                    path,
                    value,
                )
                return None
        elif any(char not in "\r\n\t" for char in bad):
            self.error(
                "manifest.control_character",
                f"The field {path} must not contain control characters.",
                path,
                value,
            )
            return None
        return value


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _load(data: bytes | str) -> dict[str, Any]:
    """Decode the manifest bytes into a dict, raising PackageInvalid on any failure."""

    def fail(code: str, message: str, value: object = None) -> PackageInvalid:
        return PackageInvalid([Problem(code, message, MANIFEST_NAME, value)])

    if isinstance(data, bytes | bytearray):
        if len(data) > MAX_MANIFEST_BYTES:
            raise fail(
                "manifest.too_large",
                f"The manifest is larger than {MAX_MANIFEST_BYTES} bytes.",
                len(data),
            )
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise fail("manifest.not_utf8", f"The manifest is not valid UTF-8 ({exc}).") from None
    else:
        text = data
    try:
        loaded = json.loads(text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant)
    except _DuplicateKey as exc:
        raise fail(
            "manifest.duplicate_key",
            f"The manifest sets the key {exc.key!r} twice in one object; JSON readers "
            f"disagree on which value wins.",
            exc.key,
        ) from None
    except (ValueError, RecursionError) as exc:
        raise fail("manifest.invalid_json", f"The manifest is not valid JSON ({exc}).") from None
    if not isinstance(loaded, dict):
        raise fail("manifest.not_object", "The manifest must be a JSON object.", type(loaded).__name__)
    return loaded


def _member_sizes(member_paths: Collection[str] | Mapping[str, Any]) -> dict[str, int | None]:
    if isinstance(member_paths, Mapping):
        sizes: dict[str, int | None] = {}
        for path, value in member_paths.items():
            if isinstance(value, bytes | bytearray | memoryview):
                sizes[path] = len(value)
            elif isinstance(value, int):
                sizes[path] = value
            else:
                sizes[path] = None
        return sizes
    return dict.fromkeys(member_paths)


def _infer_kind(members: Mapping[str, int | None]) -> str:
    if "connector.json" in members:
        return "connector"
    for path in members:
        parts = path.split("/")
        if len(parts) == 3 and parts[0] == "skills" and parts[2] == "SKILL.md":
            return "skill"
    return "plugin"


def _check_url(checker: _Checker, value: object, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        checker.error("manifest.type", f"The field {path} must be a string.", path, value)
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        parts = None
        host = None
    if (
        parts is None
        or parts.scheme != "https"
        or not host
        or parts.username is not None
        or len(value) > MAX_URL_CHARS
        or any(char.isspace() or ord(char) < 32 for char in value)
    ):
        checker.error(
            "manifest.url_invalid",
            f"The field {path} must be an https:// URL with a host name and no user name or password.",
            path,
            value,
        )
        return None
    return value


def _check_member_reference(
    checker: _Checker,
    value: object,
    path: str,
    members: Mapping[str, int | None],
    suffixes: tuple[str, ...],
    what: str,
    max_bytes: int | None = None,
    contents: Mapping[str, Any] | None = None,
) -> str | None:
    if not isinstance(value, str):
        checker.error("manifest.type", f"The field {path} must be a string.", path, value)
        return None
    reference = value[2:] if value.startswith("./") else value
    code = "manifest.icon_invalid" if what == "icon" else "manifest.screenshot_invalid"
    if not reference.lower().endswith(suffixes):
        checker.error(
            code,
            f"The {what} must be a {' or '.join(s[1:].upper() for s in suffixes)} file.",
            path,
            value,
        )
        return None
    if members and reference not in members:
        checker.error(code, f"The {what} {reference!r} is not a file in the package.", path, value)
        return None
    size = members.get(reference)
    if max_bytes is not None and size is not None and size > max_bytes:
        checker.error(code, f"The {what} is larger than {max_bytes} bytes.", path, size)
        return None
    content = contents.get(reference) if contents is not None else None
    if isinstance(content, bytes | bytearray | memoryview) and sniff_image_type(content, reference) is None:
        checker.error(
            code,
            f"The {what} {reference!r} is not a {' or '.join(s[1:].upper() for s in suffixes)} image: "
            "its first bytes are not those of the type its name ends with.",
            path,
            value,
        )
        return None
    return reference


def _normalise_license(checker: _Checker, data: Mapping[str, Any]) -> str | None:
    value = data.get("license")
    if value is None:
        checker.warn(
            "manifest.no_license",
            "The manifest gives no license; the listing will say 'no license given'. Add "
            "an SPDX license expression such as 'MIT', or 'proprietary'.",
            "license",
        )
        return None
    if not isinstance(value, str):
        checker.error("manifest.type", "The field license must be a string.", "license", value)
        return None
    if value.strip().lower() == "proprietary":
        return "proprietary"
    problem = (
        "manifest.license_invalid",
        "The license must be an SPDX license expression (such as 'MIT' or "
        "'Apache-2.0 OR MIT') or 'proprietary'.",
        "license",
        value,
    )
    if canonicalize_license_expression is None:  # pragma: no cover
        return value
    try:
        return canonicalize_license_expression(value)
    except InvalidLicenseExpression:
        checker.error(*problem)
        return None


def _check_pricing(checker: _Checker, data: Mapping[str, Any]) -> tuple[str, int, int | None]:
    pricing = data.get("pricing", "free")
    if pricing is None:
        pricing = "free"
    if pricing not in PRICING_MODELS:
        checker.error(
            "manifest.pricing_unknown",
            f"The pricing must be one of {', '.join(PRICING_MODELS)}.",
            "pricing",
            pricing,
        )
        # Price rules depend on the pricing model, so they cannot be checked without one.
        return "free", 0, None
    price = data.get("price_cents", 0)
    if price is None:
        price = 0
    if not isinstance(price, int) or isinstance(price, bool):
        checker.error("manifest.type", "The field price_cents must be an integer.", "price_cents", price)
        price = 0
    elif pricing == "free" and price != 0:
        checker.error(
            "manifest.price_invalid",
            "A free package must have price_cents 0.",
            "price_cents",
            price,
        )
    elif pricing != "free" and not MIN_PAID_PRICE_CENTS <= price <= MAX_PRICE_CENTS:
        checker.error(
            "manifest.price_invalid",
            f"A package priced '{pricing}' needs price_cents of at least "
            f"{MIN_PAID_PRICE_CENTS} (US cents) and at most {MAX_PRICE_CENTS}.",
            "price_cents",
            price,
        )
    trial_days = data.get("trial_days")
    if pricing == "trial":
        if trial_days is None:
            checker.error(
                "manifest.required",
                "The field trial_days is required when pricing is 'trial'.",
                "trial_days",
            )
        elif (
            not isinstance(trial_days, int)
            or isinstance(trial_days, bool)
            or not TRIAL_DAYS_RANGE[0] <= trial_days <= TRIAL_DAYS_RANGE[1]
        ):
            checker.error(
                "manifest.trial_days_invalid",
                f"The field trial_days must be a whole number of days from "
                f"{TRIAL_DAYS_RANGE[0]} to {TRIAL_DAYS_RANGE[1]}.",
                "trial_days",
                trial_days,
            )
            trial_days = None
    elif trial_days is not None:
        checker.error(
            "manifest.trial_days_invalid",
            "The field trial_days is only allowed when pricing is 'trial'.",
            "trial_days",
            trial_days,
        )
        trial_days = None
    return pricing, price, trial_days


def _check_compatibility(checker: _Checker, data: Mapping[str, Any]) -> str | None:
    value = data.get("compatibility")
    if value is None:
        return None
    if not isinstance(value, dict):
        checker.error(
            "manifest.type",
            'The field compatibility must be an object such as {"argentos": ">=2026.3.0"}.',
            "compatibility",
            value,
        )
        return None
    for key in value:
        if key != "argentos":
            checker.warn(
                "manifest.unknown_field",
                f"The field compatibility.{key} is not known; it is kept but not used.",
                f"compatibility.{key}",
            )
    specifier = value.get("argentos")
    if specifier is None:
        return None
    try:
        if not isinstance(specifier, str) or not specifier.strip():
            raise InvalidSpecifier(repr(specifier))
        return str(SpecifierSet(specifier))
    except InvalidSpecifier:
        checker.error(
            "manifest.compatibility_invalid",
            "compatibility.argentos must be a PEP 440 version specifier such as '>=2026.3.0,<2027'.",
            "compatibility.argentos",
            specifier,
        )
        return None


def _check_permissions(
    checker: _Checker, data: Mapping[str, Any], kind: str, rule: KindRule | None
) -> tuple[str, ...]:
    value = data.get("permissions")
    if value is None:
        return ()
    if not isinstance(value, list):
        checker.error(
            "manifest.type",
            "The field permissions must be a list of strings.",
            "permissions",
            value,
        )
        return ()
    seen: set[str] = set()
    for index, permission in enumerate(value):
        path = f"permissions[{index}]"
        if not isinstance(permission, str):
            checker.error("manifest.type", f"The field {path} must be a string.", path, permission)
            continue
        if permission in seen:
            checker.error(
                "manifest.permission_duplicate",
                f"The permission {permission!r} is listed twice.",
                path,
                permission,
            )
            continue
        seen.add(permission)
        if rule is not None and not permission_allowed(permission, rule.permissions):
            allowed = ", ".join(rule.permissions) or "none"
            checker.error(
                "manifest.permission_not_allowed",
                f"The permission {permission!r} is not allowed for a {kind}; allowed: {allowed}.",
                path,
                permission,
            )
    return tuple(value)


def _check_tags(checker: _Checker, data: Mapping[str, Any]) -> tuple[str, ...]:
    value = data.get("tags")
    if value is None:
        return ()
    if not isinstance(value, list):
        checker.error("manifest.type", "The field tags must be a list of strings.", "tags", value)
        return ()
    if len(value) > MAX_TAGS:
        checker.error("manifest.tags_too_many", f"A package has at most {MAX_TAGS} tags.", "tags", len(value))
    tags: list[str] = []
    for index, tag in enumerate(value):
        path = f"tags[{index}]"
        if not isinstance(tag, str) or not TAG_RE.fullmatch(tag):
            checker.error(
                "manifest.tag_invalid",
                "A tag is 1 to 32 lowercase letters, digits and hyphens, starting with a letter or digit.",
                path,
                tag,
            )
        elif tag in tags:
            checker.error("manifest.tag_duplicate", f"The tag {tag!r} is listed twice.", path, tag)
        else:
            tags.append(tag)
    return tuple(tags)


def _check_author(checker: _Checker, data: Mapping[str, Any]) -> tuple[str | None, ...]:
    author = data.get("author")
    if author is None:
        return None, None, None, None
    if not isinstance(author, dict):
        checker.error(
            "manifest.type",
            'The field author must be an object such as {"name": "Ada", "publicKey": "..."}.',
            "author",
            author,
        )
        return None, None, None, None
    name = checker.string(author, "name", "author.name", required=True, max_chars=100)
    email = checker.string(author, "email", "author.email", max_chars=254)
    if email is not None and not _EMAIL_RE.fullmatch(email):
        checker.error(
            "manifest.email_invalid",
            "author.email is not an e-mail address.",
            "author.email",
            email,
        )
        email = None
    url = _check_url(checker, author.get("url"), "author.url")
    public_key = author.get("publicKey")
    if public_key is not None:
        if not isinstance(public_key, str):
            checker.error(
                "manifest.type",
                "The field author.publicKey must be a string.",
                "author.publicKey",
                public_key,
            )
            public_key = None
        else:
            try:
                decode_public_key(public_key, field="author.publicKey")
            except FormatError as exc:
                checker.problems.extend(exc.problems)
                public_key = None
    for key in author:
        if key not in _AUTHOR_FIELDS:
            checker.warn(
                "manifest.unknown_field",
                f"The field author.{key} is not known; it is kept but not used.",
                f"author.{key}",
            )
    return name, email, url, public_key


def validate_manifest(
    data: bytes | str | Mapping[str, Any],
    *,
    member_paths: Collection[str] | Mapping[str, Any] = (),
    kinds: Mapping[str, KindRule] = KINDS,
) -> Manifest:
    """Validate a manifest against every rule of docs/package-format.md, "The manifest" and "Kinds and permissions".

    Args:
        data: the manifest as the member's bytes (at most 64 KiB of UTF-8 JSON), as
            JSON text, or as an already decoded dict (no size check then).
        member_paths: the package's regular-file member paths, or a mapping from
            path to size in bytes (or to the content bytes, whose length is used).
            They are needed to infer the kind (``connector.json``,
            ``skills/*/SKILL.md``), to check that ``icon`` and ``screenshots`` name
            members, (with sizes) the 256 KiB icon and 2 MiB screenshot limits, and
            (with contents) that their first bytes are those of an image of the type
            their name ends with (``argent_pkg.images.sniff_image_type``).  When empty, the
            member checks are skipped: a real package always has members.
        kinds: the kind vocabulary, kind name -> :class:`KindRule`.

    Returns:
        the normalised :class:`Manifest`; warnings (unknown fields, no license) are
        in ``Manifest.warnings``.

    Raises:
        PackageInvalid: listing every broken rule (field path, code, value), with
            the warnings in ``PackageInvalid.warnings``.
    """
    raw = dict(data) if isinstance(data, Mapping) else _load(data)
    members = _member_sizes(member_paths)
    # The members' bytes, when given: the icon's and screenshots' first bytes must fit their type.
    contents = member_paths if isinstance(member_paths, Mapping) else None
    checker = _Checker()

    for key in raw:
        if key not in _KNOWN_FIELDS:
            checker.warn(
                "manifest.unknown_field",
                f"The field {key} is not known; it is kept but not used.",
                key,
            )

    # Identifier and display name: "name" is the identifier when "id" is absent.
    package_id = raw.get("id")
    name = checker.string(raw, "name", "name", max_chars=100)
    if package_id is None:
        if raw.get("name") is None:
            checker.error("manifest.required", "The field id (or name) is required.", "id")
        elif name is not None and not ID_RE.fullmatch(name):
            checker.error(
                "manifest.id_invalid",
                "Without an id, the name is the package identifier and must be 1 to 64 "
                "lowercase letters, digits and hyphens, not starting or ending with a "
                "hyphen; add an id field or change the name.",
                "name",
                name,
            )
        package_id = name
    elif not isinstance(package_id, str) or not ID_RE.fullmatch(package_id):
        checker.error(
            "manifest.id_invalid",
            "The id must be 1 to 64 lowercase letters, digits and hyphens, not starting or "
            "ending with a hyphen.",
            "id",
            package_id,
        )
        package_id = None
    if name is None and isinstance(package_id, str):
        name = package_id

    version = raw.get("version")
    if version is None:
        checker.error("manifest.required", "The field version is required.", "version")
    elif not isinstance(version, str) or len(version) > 128 or not semver.Version.is_valid(version):
        checker.error(
            "manifest.version_invalid",
            "The version must follow Semantic Versioning 2.0.0, such as 1.2.3 or 2.0.0-rc.1 "
            "(no leading 'v').",
            "version",
            version,
        )
        version = None

    description = checker.string(
        raw, "description", "description", required=True, max_chars=500, single_line=False
    )
    tagline = checker.string(raw, "tagline", "tagline", max_chars=120)
    if tagline is None and description is not None:
        # Runs of white space (line breaks included) are shown as one space.
        tagline = " ".join(description[:120].split())

    author_name, author_email, author_url, public_key = _check_author(checker, raw)

    # Kind and category, with the ArgentOS plural-kind convention.
    plural = {f"{kind}s": kind for kind in kinds}
    category = raw.get("category")
    kind = raw.get("kind")
    category_kind = None
    if category is None:
        category = DEFAULT_CATEGORY
    elif isinstance(category, str) and category in plural:
        category_kind = plural[category]
        category = "integration" if category_kind == "connector" else DEFAULT_CATEGORY
    elif category not in CATEGORIES:
        checker.error(
            "manifest.category_unknown",
            f"The category must be one of {', '.join(CATEGORIES)}.",
            "category",
            category,
        )
        category = DEFAULT_CATEGORY
    if kind is None:
        kind = category_kind or _infer_kind(members)
        kind_field = "category" if category_kind else "kind"
    else:
        kind_field = "kind"
        if category_kind is not None and category_kind != kind:
            checker.error(
                "manifest.kind_mismatch",
                f"The category {raw.get('category')!r} names the kind {category_kind!r} "
                f"but kind is {kind!r}.",
                "category",
                raw.get("category"),
            )
    rule = kinds.get(kind) if isinstance(kind, str) else None
    if rule is None:
        checker.error(
            "manifest.kind_unknown",
            f"The kind must be one of {', '.join(kinds)}.",
            kind_field,
            kind,
        )
        kind = None

    tags = _check_tags(checker, raw)
    license_expression = _normalise_license(checker, raw)
    pricing, price_cents, trial_days = _check_pricing(checker, raw)
    compatibility = _check_compatibility(checker, raw)
    permissions = _check_permissions(checker, raw, kind or "", rule)
    urls = {key: _check_url(checker, raw.get(key), key) for key in _URL_FIELDS}

    icon = raw.get("icon")
    if icon is not None:
        icon = _check_member_reference(
            checker, icon, "icon", members, _ICON_SUFFIXES, "icon", MAX_ICON_BYTES, contents
        )
    screenshots: list[str] = []
    value = raw.get("screenshots")
    if value is not None:
        if not isinstance(value, list):
            checker.error(
                "manifest.type",
                "The field screenshots must be a list of paths.",
                "screenshots",
                value,
            )
        else:
            if len(value) > MAX_SCREENSHOTS:
                checker.error(
                    "manifest.screenshots_too_many",
                    f"A package has at most {MAX_SCREENSHOTS} screenshots.",
                    "screenshots",
                    len(value),
                )
            for index, item in enumerate(value):
                reference = _check_member_reference(
                    checker,
                    item,
                    f"screenshots[{index}]",
                    members,
                    _SCREENSHOT_SUFFIXES,
                    "screenshot",
                    MAX_SCREENSHOT_BYTES,
                    contents,
                )
                if reference is not None:
                    screenshots.append(reference)

    errors = [problem for problem in checker.problems if problem.is_error]
    warnings = tuple(problem for problem in checker.problems if not problem.is_error)
    if errors:
        raise PackageInvalid(errors, warnings)
    assert isinstance(package_id, str) and name and version and description and tagline
    assert kind is not None
    return Manifest(
        id=package_id,
        name=name,
        version=version,
        description=description,
        tagline=tagline,
        kind=kind,
        category=category,
        author_name=author_name,
        author_email=author_email,
        author_url=author_url,
        public_key=public_key,
        tags=tags,
        license=license_expression,
        pricing=pricing,
        price_cents=price_cents,
        trial_days=trial_days,
        compatibility=compatibility,
        permissions=permissions,
        homepage=urls["homepage"],
        documentation=urls["documentation"],
        support=urls["support"],
        repository=urls["repository"],
        icon=icon,
        screenshots=tuple(screenshots),
        raw=raw,
        warnings=warnings,
    )
