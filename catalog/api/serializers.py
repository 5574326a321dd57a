"""Reply shapes of the three dialects, all over ``Package``/``Release`` rows from one queryset path.

* ArgentOS (``/api/v1/catalog``): snake_case, the field names the ArgentOS
  CLI reads (docs/api.md, "ArgentOS dialect").
* Cloud OS (``/api/v1/marketplace/``): the ArgentOS item plus ``slug``; the
  detail adds ``manifest`` and ``permissions``.
* ObjectStack (``/api/objectstack/v1/``): camelCase, conforming to the JSON
  Schemas of ``@objectstack/spec`` 4.0.4 (``additionalProperties: false``,
  optional fields omitted rather than null, timestamps ending in ``Z``).
"""

from __future__ import annotations

from argent_pkg import CATEGORIES
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from rest_framework import serializers

from api.serializers import put_present, utc_z
from catalog.constants import VerificationLevel
from catalog.models import Category, Kind, Package, Release
from catalog.querysets import BROWSABLE
from catalog.release_images import manifest_images, package_icon_url, release_image_url
from catalog.search import MAX_QUERY_LENGTH, MAX_QUERY_WORDS, PlatformVersionInvalid, platform_version_parse

from .filters import PRICING_MODEL, SORTS

#: ObjectStack ``MarketplaceCategory`` values: the browsing categories of docs/package-format.md, "The manifest", the
#: same list; a category added by an administrator is sent as ``other``.
OBJECTSTACK_CATEGORIES = CATEGORIES
PRICING_MODELS = ("free", "freemium", "paid", "subscription", "usage-based", "contact-sales")
#: Icon names (a client's icon set) for the kinds of the Cloud OS categories list.
KIND_ICONS = {
    "connector": "plug",
    "skill": "sparkles",
    "plugin": "puzzle",
    "agent": "bot",
    "bundle": "package",
    "app": "app-window",
    "widget": "layout-dashboard",
    "theme": "palette",
}
TAGLINE_MAX = 120


def min_argent_version(compatibility: str) -> str | None:
    """The lower bound of a ``compatibility.argentos`` specifier (``>=``, ``>``, ``==``, ``~=``), or None."""
    try:
        specs = SpecifierSet(compatibility or "")
    except InvalidSpecifier:
        return None
    for spec in sorted(specs, key=str):
        if spec.operator in (">=", ">", "==", "~=", "==="):
            return spec.version
    return None


def manifest_tools(manifest: dict) -> list[str]:
    """The manifest's ``tools`` as strings (names of objects with ``name``), or ``[]``."""
    tools = manifest.get("tools") if isinstance(manifest, dict) else None
    if not isinstance(tools, list):
        return []
    out = []
    for tool in tools:
        if isinstance(tool, str):
            out.append(tool)
        elif isinstance(tool, dict) and isinstance(tool.get("name"), str):
            out.append(tool["name"])
    return out


# --- ArgentOS -------------------------------------------------------------------------------------


class CatalogItemSerializer(serializers.Serializer):
    """One package as the ArgentOS CLI reads it (docs/api.md, "Search")."""

    id = serializers.CharField(source="identifier", help_text="The package identifier.")
    name = serializers.CharField(source="identifier")
    display_name = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField(source="kind.slug")
    category = serializers.CharField(source="kind.plural", help_text="The kind in plural.")
    topic = serializers.CharField(source="category.slug", help_text="The browsing category.")
    tags = serializers.ListField(child=serializers.CharField())
    author_name = serializers.CharField(source="publisher.name")
    author_verified = serializers.BooleanField(source="publisher.is_verified")
    publisher = serializers.CharField(source="publisher.slug")
    latest_version = serializers.CharField(source="latest_release.version")
    total_downloads = serializers.IntegerField()
    rating = serializers.SerializerMethodField()
    rating_count = serializers.IntegerField()
    pricing = serializers.CharField()
    price_cents = serializers.IntegerField()
    listed = serializers.SerializerMethodField()
    updated_at = serializers.SerializerMethodField()

    def get_rating(self, obj: Package) -> float:
        return round(float(obj.rating_average), 1)

    def get_listed(self, obj: Package) -> bool:
        return obj.status in BROWSABLE

    def get_updated_at(self, obj: Package) -> str:
        return utc_z(obj.updated_at)


class CatalogShortLatestSerializer(serializers.Serializer):
    """The short ``latest`` of a list item: ``version``, ``published_at``, ``sha256``, ``size``.

    ``sha256`` and ``size`` are those of the copy the ArgentOS download hands out
    (as in the detail's ``latest``). The ArgentOS client's ``details`` command reads
    list items only, so they carry this and ``version_count`` (docs/api.md, "Search").
    """

    version = serializers.CharField()
    published_at = serializers.SerializerMethodField()
    sha256 = serializers.SerializerMethodField()
    size = serializers.SerializerMethodField()

    def get_published_at(self, obj: Release) -> str | None:
        return utc_z(obj.published_at)

    def get_sha256(self, obj: Release) -> str:
        return obj.wrapped_sha256 or obj.artifact_sha256

    def get_size(self, obj: Release) -> int:
        return obj.wrapped_size or obj.size


class CatalogListItemSerializer(CatalogItemSerializer):
    """An item of the ArgentOS lists: the item fields plus ``version_count`` and a short ``latest``.

    Expects ``version_count`` set on each package (the number of published
    releases, yanked ones included, as in the detail).
    """

    version_count = serializers.IntegerField()
    latest = CatalogShortLatestSerializer(source="latest_release")


class CatalogPageSerializer(serializers.Serializer):
    items = CatalogListItemSerializer(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    limit = serializers.IntegerField()


class CatalogLatestSerializer(serializers.Serializer):
    """``latest`` of the ArgentOS detail; ``sha256``/``size`` are those of the copy wrapped for the ArgentOS installer."""

    version = serializers.CharField()
    changelog = serializers.CharField(source="release_notes")
    min_argent_version = serializers.SerializerMethodField()
    tools = serializers.SerializerMethodField()
    permissions = serializers.ListField(child=serializers.CharField())
    sha256 = serializers.SerializerMethodField()
    size = serializers.SerializerMethodField()
    published_at = serializers.SerializerMethodField()
    signature = serializers.SerializerMethodField()
    public_key = serializers.CharField(source="signing_key.public_key")
    key_fingerprint = serializers.CharField()
    log_index = serializers.IntegerField(
        allow_null=True,
        help_text="Index of the release's entry in the transparency log (docs/api.md, 'Transparency log').",
    )

    def get_min_argent_version(self, obj: Release) -> str | None:
        return min_argent_version(obj.compatibility)

    def get_tools(self, obj: Release) -> list[str]:
        return manifest_tools(obj.manifest)

    def get_sha256(self, obj: Release) -> str:
        return obj.wrapped_sha256 or obj.artifact_sha256

    def get_size(self, obj: Release) -> int:
        return obj.wrapped_size or obj.size

    def get_published_at(self, obj: Release) -> str | None:
        return utc_z(obj.published_at)

    def get_signature(self, obj: Release) -> str | None:
        """The embedded signature (over ``SHA256SUMS``, valid in both copies), else the detached one."""
        signatures = obj.signatures or {}
        return signatures.get("embedded") or signatures.get("detached")


class CatalogVersionSerializer(serializers.Serializer):
    """One of ``versions`` of the ArgentOS detail: ``version``, ``published_at``, ``yanked``,
    ``changelog`` (the version's release notes as the author wrote them, Markdown, ``""`` when none),
    ``log_index`` (its transparency log entry), plus the release's signing key (``public_key``,
    ``key_fingerprint``), so that a client installing an older version verifies it with the key
    that signed it, not the latest one's.

    docs/api.md, "Details"; the notes come with the prefetched releases, no query of their own."""

    version = serializers.CharField()
    published_at = serializers.SerializerMethodField()
    yanked = serializers.BooleanField()
    changelog = serializers.CharField(source="release_notes", help_text="Markdown; empty when none.")
    public_key = serializers.CharField(source="signing_key.public_key")
    key_fingerprint = serializers.CharField()
    log_index = serializers.IntegerField(
        allow_null=True,
        help_text="Index of the release's entry in the transparency log (docs/api.md, 'Transparency log').",
    )

    def get_published_at(self, obj: Release) -> str | None:
        return utc_z(obj.published_at)


class CatalogDetailSerializer(CatalogItemSerializer):
    """``GET /api/v1/catalog/{id}``: the item plus ``latest``, ``versions`` and ``version_count``.

    Expects ``published_releases`` prefetched (newest first).
    """

    latest = CatalogLatestSerializer(source="latest_release")
    versions = CatalogVersionSerializer(source="published_releases", many=True)
    version_count = serializers.SerializerMethodField()

    def get_version_count(self, obj: Package) -> int:
        return len(obj.published_releases)


# --- Cloud OS --------------------------------------------------------------------------------------


class KindCategorySerializer(serializers.Serializer):
    id = serializers.CharField(source="plural")
    name = serializers.CharField()
    description = serializers.CharField()
    icon = serializers.SerializerMethodField()

    def get_icon(self, obj: Kind) -> str:
        return KIND_ICONS.get(obj.slug, "package")


class KindCategoryListSerializer(serializers.Serializer):
    categories = KindCategorySerializer(many=True)


class MarketplaceItemSerializer(CatalogItemSerializer):
    slug = serializers.CharField(source="identifier")


class MarketplacePageSerializer(serializers.Serializer):
    items = MarketplaceItemSerializer(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()


def public_manifest(manifest: dict) -> dict:
    """``manifest`` as the public may see it: without ``author.email``, which the package format
    keeps for the marketplace and never shows (docs/package-format.md, the ``author`` field)."""
    if not isinstance(manifest, dict) or not isinstance(manifest.get("author"), dict):
        return manifest
    author = {key: value for key, value in manifest["author"].items() if key != "email"}
    return {**manifest, "author": author}


class MarketplaceDetailSerializer(CatalogDetailSerializer):
    slug = serializers.CharField(source="identifier")
    manifest = serializers.SerializerMethodField()
    permissions = serializers.ListField(child=serializers.CharField(), source="latest_release.permissions")

    def get_manifest(self, package) -> dict:
        return public_manifest(package.latest_release.manifest)


# --- ObjectStack -----------------------------------------------------------------------------------


def _objectstack_category(category: Category) -> str:
    return category.slug if category.slug in OBJECTSTACK_CATEGORIES else "other"


def artifact_reference(release: Release, request) -> dict:
    """``ArtifactReference`` of a release's exact uploaded bytes (the web download URL)."""
    return {
        "url": request.build_absolute_uri(release.get_download_url()),
        "sha256": release.artifact_sha256,
        "size": release.size,
        "format": "tgz",
        "uploadedAt": utc_z(release.created_at),
    }


class ListingSerializer(serializers.BaseSerializer):
    """A package as an ObjectStack ``MarketplaceListing``.

    ``iconUrl`` and ``screenshots`` are the manifest's, as absolute addresses of
    ``catalog:release-image`` (``context["request"]`` is required).
    With ``context["versions"]`` true, ``versions`` is included from the
    prefetched ``published_releases``. ``stats.totalInstalls`` reads the
    ``installs_total`` annotation when present.
    """

    def to_representation(self, package: Package) -> dict:
        release = package.latest_release
        out: dict = {
            "id": package.identifier,
            "packageId": package.identifier,
            "publisherId": package.publisher.slug,
            "status": package.status,
            "name": package.display_name,
            "category": _objectstack_category(package.category),
            "pricing": PRICING_MODEL.get(package.pricing, "paid"),
            "latestVersion": release.version,
        }
        put_present(out, "tagline", (package.tagline or "")[:TAGLINE_MAX])
        out["tags"] = list(package.tags or [])
        put_present(out, "documentationUrl", package.homepage)
        put_present(out, "repositoryUrl", package.repository)
        out["priceInCents"] = package.price_cents
        put_present(out, "minPlatformVersion", min_argent_version(release.compatibility))
        request = self.context["request"]
        # The manifest's icon and screenshots, served from the release (catalog.release_images).
        if icon := package_icon_url(package):
            out["iconUrl"] = request.build_absolute_uri(icon)
        if shots := manifest_images(release).screenshots:
            out["screenshots"] = [
                {
                    "url": request.build_absolute_uri(
                        release_image_url(identifier=package.identifier, version=release.version, path=path)
                    )
                }
                for path in shots
            ]
        if self.context.get("versions"):
            versions = []
            for version in package.published_releases:
                entry = {
                    "version": version.version,
                    "releaseDate": utc_z(version.published_at),
                    "deprecated": version.yanked,
                    "artifact": artifact_reference(version, request),
                }
                put_present(entry, "releaseNotes", version.release_notes)
                put_present(entry, "minPlatformVersion", min_argent_version(version.compatibility))
                versions.append(entry)
            out["versions"] = versions
        stats = {
            "totalInstalls": getattr(package, "installs_total", 0) or 0,
            "activeInstalls": package.installs_30d,
            "averageRating": round(float(package.rating_average), 1),
            "totalRatings": package.rating_count,
            "totalReviews": package.rating_count,
        }
        out["stats"] = stats
        put_present(out, "publishedAt", utc_z(package.published_at))
        out["updatedAt"] = utc_z(package.updated_at)
        return out


class SearchRequestSerializer(serializers.Serializer):
    """``MarketplaceSearchRequest`` as query parameters (``tags`` repeated or comma-separated)."""

    query = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"Cut to {MAX_QUERY_LENGTH} characters and {MAX_QUERY_WORDS} words (catalog.search.search_text).",
    )
    category = serializers.ChoiceField(choices=OBJECTSTACK_CATEGORIES, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=20)
    pricing = serializers.ChoiceField(choices=PRICING_MODELS, required=False)
    publisherVerification = serializers.ChoiceField(  # noqa: N815
        choices=VerificationLevel.values, required=False
    )
    sortBy = serializers.ChoiceField(choices=SORTS, default="relevance")  # noqa: N815
    sortDirection = serializers.ChoiceField(choices=("asc", "desc"), default="desc")  # noqa: N815
    page = serializers.IntegerField(min_value=1, max_value=100000, default=1)
    pageSize = serializers.IntegerField(min_value=1, max_value=100, default=20)  # noqa: N815
    platformVersion = serializers.CharField(  # noqa: N815
        required=False,
        max_length=64,
        help_text="An ArgentOS version such as 2026.5.0; anything else is refused (search.version_invalid).",
    )

    def validate_platformVersion(self, value: str) -> str:  # noqa: N802
        """Refuse a value that is not a version (``search.version_invalid``), rather than match nothing."""
        try:
            platform_version_parse(value)
        except PlatformVersionInvalid as exc:
            raise serializers.ValidationError(str(exc), code=exc.code) from None
        return value.strip()

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            values = {key: data.get(key) for key in data}
            tags = [tag for raw in data.getlist("tags") for tag in raw.split(",") if tag.strip()]
            values.pop("tags", None)
            if tags:
                values["tags"] = [tag.strip() for tag in tags]
            data = values
        return super().to_internal_value(data)


class PublisherSerializer(serializers.BaseSerializer):
    """A publisher as an ObjectStack ``Publisher``."""

    def to_representation(self, publisher) -> dict:
        out = {
            "id": publisher.slug,
            "name": publisher.name,
            "type": publisher.type,
            "verification": publisher.verification,
        }
        put_present(out, "website", publisher.website)
        put_present(out, "description", publisher.description)
        out["registeredAt"] = utc_z(publisher.created_at)
        return out


class ArtifactDownloadSerializer(serializers.Serializer):
    """ObjectStack ``ArtifactDownloadResponse``."""

    downloadUrl = serializers.URLField()  # noqa: N815
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    format = serializers.ChoiceField(choices=("tgz", "zip"))
    expiresAt = serializers.CharField()  # noqa: N815


class InstallRequestSerializer(serializers.Serializer):
    """ObjectStack ``MarketplaceInstallRequest`` (unknown keys are ignored, as zod strips them)."""

    class ArtifactRefSerializer(serializers.Serializer):
        url = serializers.URLField()
        sha256 = serializers.RegexField(r"^[a-f0-9]{64}$")
        size = serializers.IntegerField(min_value=1, max_value=9007199254740991)
        format = serializers.ChoiceField(choices=("tgz", "zip"), default="tgz")
        uploadedAt = serializers.DateTimeField()  # noqa: N815

    listingId = serializers.CharField(max_length=64)  # noqa: N815
    version = serializers.CharField(required=False, max_length=128)
    licenseKey = serializers.CharField(required=False, max_length=200)  # noqa: N815
    settings = serializers.DictField(required=False)
    enableOnInstall = serializers.BooleanField(default=True)  # noqa: N815
    artifactRef = ArtifactRefSerializer(required=False)  # noqa: N815
    tenantId = serializers.CharField(required=False, max_length=200)  # noqa: N815

    def validate_enableOnInstall(self, value):  # noqa: N802
        if not isinstance(self.initial_data.get("enableOnInstall", True), bool):
            raise serializers.ValidationError("enableOnInstall must be a boolean.", code="invalid")
        return value


class InstallResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    packageId = serializers.CharField()  # noqa: N815
    version = serializers.CharField()
    message = serializers.CharField()
