"""The catalog API: ArgentOS, Cloud OS and ObjectStack dialects (docs/api.md).

Every list goes through ``Package.objects.listed()`` (or ``reachable()``),
``for_cards()`` and :func:`catalog.api.filters.catalog_search`; each view
parses its input, calls that path (or one service) and replies. Errors use
the API error format (``api.errors``).
"""

from __future__ import annotations

import functools

from django.core import signing
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import BearerTokenAuthentication, client_ip
from api.parsers import JSONParser
from api.serializers import ErrorResponseSerializer, utc_z
from api.throttling import SettingsRateThrottle
from catalog import artifacts
from catalog.cache import cached_for_anonymous
from catalog.constants import Pricing
from catalog.entitlements import entitlements, license_key_try
from catalog.models import Install, Kind, Package, Publisher, Release
from catalog.querysets import BROWSABLE
from catalog.search import MAX_QUERY_LENGTH, MAX_QUERY_WORDS, CatalogSearch
from catalog.stats import install_count

from . import serializers as s
from .filters import SORTS, CatalogQuery, catalog_facets, pricing_values
from .services import InstallRefused, download_record, download_visitor, install_record

_ERROR = OpenApiResponse(ErrorResponseSerializer)
#: Items per page of the Cloud OS list.
MARKETPLACE_PAGE_SIZE = 20
ARGENTOS_MAX_LIMIT = 50
PACKAGE_CONTENT_TYPE = "application/gzip"
#: What every dialect's text query parameter says about the cap (catalog.search.search_text).
QUERY_HELP = (
    f"Search text; its first {MAX_QUERY_LENGTH} characters, and of those the first {MAX_QUERY_WORDS} "
    "words, are searched (longer queries are cut, in every dialect and on the search page)."
)


class PaymentRequired(exceptions.APIException):
    status_code = status.HTTP_402_PAYMENT_REQUIRED
    default_detail = "This package is paid: send X-License-Key (or ?key=) naming an active license."
    default_code = "license.required"


class Unwrappable(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "No copy of this release fits the ArgentOS installer (a file name over 100 bytes once wrapped); "
        "use the ObjectStack artifact."
    )
    default_code = "artifact.unwrappable"


class CatalogRateThrottle(SettingsRateThrottle):
    """Anonymous catalog reads per client address: ``DEFAULT_THROTTLE_RATES["catalog"]`` (unset or empty: none)."""

    scope = "catalog"

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


def catalog_read_admitted(request) -> bool:
    """Count an anonymous catalog read from ``request``'s address; False when over the limit.

    For answers the response cache sends without reaching a view
    (``catalog.cache.cached_for_anonymous(admit=…)``), so that they are
    rate-limited like the others (docs/api.md, "Rate limits": anonymous catalog
    reads are rate-limited per client address; ``DEFAULT_THROTTLE_RATES["catalog"]``).
    """
    return CatalogRateThrottle().allow_request(request, None)


#: Wraps the views of anonymous catalog reads (not licensed lists, downloads, installs): their
#: answers come from the response cache (catalog.cache), still counted by the per-address limit.
cached_read = functools.partial(cached_for_anonymous, admit=catalog_read_admitted)


class PublicApiView(APIView):
    """Base of the anonymous read API: no authentication, JSON, throttled per address."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer]
    throttle_classes = [CatalogRateThrottle]


def _page(search: CatalogSearch, page: int, size: int, annotate=None) -> tuple[list, int]:
    """One page of ``search``'s results (``annotate`` adds a dialect's columns) and their number.

    A search gives at most its best :data:`~catalog.search.MAX_RESULTS` results (docs/api.md,
    "Search results"): ``total`` counts those (:attr:`~catalog.search.CatalogSearch.shown`), so
    that every page up to ``total`` has rows.
    """
    return search.page((page - 1) * size, page * size, annotate=annotate), search.shown


def _published_releases() -> Prefetch:
    published = Release.objects.published().select_related("signing_key").order_by("-published_at", "-pk")
    return Prefetch("releases", queryset=published, to_attr="published_releases")


def _license_key(request) -> str | None:
    return request.headers.get("X-License-Key") or request.query_params.get("key") or None


def _release_for(package: Package, version: str | None) -> Release:
    """The published release ``version`` of ``package``, or its latest (404 if none)."""
    if not version:
        return package.latest_release
    return get_object_or_404(
        Release.objects.published().select_related("signing_key"), package=package, version=version
    )


def _key_tried(request, key: str) -> None:
    """Count a try of ``key`` in the license keys' shared budget; ``429 rate_limited`` over it."""
    wait = license_key_try(request, key)
    if wait is not None:
        raise exceptions.Throttled(wait)


def _check_license(request, package: Package, key: str | None = None) -> None:
    if package.pricing == Pricing.FREE:
        return
    key = key or _license_key(request)
    if key:
        _key_tried(request, key)
    if not entitlements().download_allowed(package=package, key=key):
        raise PaymentRequired()


# --- ArgentOS ---------------------------------------------------------------------------------------


class CatalogQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", help_text=QUERY_HELP)
    category = serializers.CharField(required=False, allow_blank=True, max_length=64)
    tags = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="Comma-separated."
    )
    pricing = serializers.ChoiceField(choices=Pricing.choices, required=False)
    sort = serializers.ChoiceField(choices=SORTS, default="relevance")
    page = serializers.IntegerField(min_value=1, max_value=100000, default=1)
    limit = serializers.IntegerField(
        default=20, help_text="1 to 50; a value outside that range is read as the nearest bound (0 as 1)."
    )

    def query(self) -> CatalogQuery:
        data = self.validated_data
        return CatalogQuery(
            q=data["q"],
            kind_or_category=data.get("category") or None,
            tags=tuple(t.strip() for t in data.get("tags", "").split(",") if t.strip()),
            pricing=(data["pricing"],) if data.get("pricing") else None,
            sort=data["sort"],
            descending=data["sort"] != "name",
        )


def _with_version_counts(qs):
    """``qs`` annotated with ``version_count``: published releases, yanked included (as in the detail).

    A subquery, read only by the second query of ``fetch_page`` (the page's rows), not by the ranking.
    """
    published = (
        Release.objects.published()
        .filter(package=OuterRef("pk"))
        .order_by()
        .values("package")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(version_count=Coalesce(Subquery(published, output_field=IntegerField()), 0))


def _argentos_page(request, base) -> Response:
    """One page of an ArgentOS list; ``limit`` is clamped into 1 to 50, as clients pass ``0`` through."""
    params = CatalogQuerySerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    page = params.validated_data["page"]
    limit = max(1, min(params.validated_data["limit"], ARGENTOS_MAX_LIMIT))
    search = CatalogSearch(base.for_cards(), params.query())
    items, total = _page(search, page, limit, _with_version_counts)
    return Response(
        {
            "items": s.CatalogListItemSerializer(items, many=True).data,
            "total": total,
            "page": page,
            "limit": limit,
        }
    )


class CatalogListApi(PublicApiView):
    """``GET /api/v1/catalog``: listed packages, searched, filtered and sorted."""

    @extend_schema(
        operation_id="catalog_list",
        parameters=[CatalogQuerySerializer],
        responses={200: s.CatalogPageSerializer, 400: _ERROR},
    )
    def get(self, request) -> Response:
        return _argentos_page(request, Package.objects.listed())


class CatalogLicensedApi(PublicApiView):
    """``GET /api/v1/catalog/licensed?key=``: the listed packages plus unlisted ones the key unlocks."""

    @extend_schema(
        operation_id="catalog_licensed",
        parameters=[CatalogQuerySerializer, OpenApiParameter("key", str, description="A license key.")],
        responses={200: s.CatalogPageSerializer, 400: _ERROR, 429: _ERROR},
    )
    def get(self, request) -> Response:
        key = _license_key(request)
        if not key:
            raise exceptions.ValidationError({"key": ["A license key is required (?key= or X-License-Key)."]})
        _key_tried(request, key)
        unlocked = entitlements().unlocked_package_ids(key)
        base = Package.objects.reachable().filter(Q(status__in=BROWSABLE) | Q(pk__in=unlocked))
        return _argentos_page(request, base)


class CatalogDetailApi(PublicApiView):
    """``GET /api/v1/catalog/{id}``: one package with ``latest``, ``versions`` and ``version_count``."""

    @extend_schema(operation_id="catalog_detail", responses={200: s.CatalogDetailSerializer, 404: _ERROR})
    def get(self, request, identifier: str) -> Response:
        qs = (
            Package.objects.reachable()
            .for_cards()
            .select_related("latest_release__signing_key")
            .prefetch_related(_published_releases())
        )
        package = get_object_or_404(qs, identifier=identifier)
        return Response(s.CatalogDetailSerializer(package).data)


class CatalogDownloadApi(PublicApiView):
    """``GET /api/v1/catalog/{id}/download[?version=]``: the copy wrapped for the ArgentOS installer.

    Connectors are under ``aos-ID/``, other kinds under ``package/`` (``catalog.artifacts``).

    ``302`` to an expiring URL; with ``Accept: application/json`` an
    ObjectStack ``ArtifactDownloadResponse`` instead. Paid packages need
    ``X-License-Key`` or ``?key=`` (``402 license.required``). A release whose
    wrapped copy cannot be made answers ``409 artifact.unwrappable``.
    """

    @extend_schema(
        operation_id="catalog_download",
        parameters=[
            OpenApiParameter("version", str, description="A published version; default the latest."),
            OpenApiParameter("key", str, description="A license key (or X-License-Key)."),
        ],
        responses={
            200: s.ArtifactDownloadSerializer,
            302: OpenApiResponse(description="Redirect to the artifact."),
            **{code: _ERROR for code in (402, 404, 409, 429)},
        },
    )
    def get(self, request, identifier: str):
        package = get_object_or_404(Package.objects.reachable(), identifier=identifier)
        release = _release_for(package, request.query_params.get("version"))
        _check_license(request, package)
        artifacts.release_store_wrapped(release=release)
        if not release.wrapped_artifact:
            raise Unwrappable()
        url, expires = artifacts.artifact_url(release=release, which=artifacts.WRAPPED, request=request)
        download_record(release=release, dialect="argentos", visitor=download_visitor(request))
        if "application/json" in request.headers.get("Accept", ""):
            return Response(
                {
                    "downloadUrl": url,
                    "sha256": release.wrapped_sha256,
                    "size": release.wrapped_size,
                    "format": "tgz",
                    "expiresAt": utc_z(expires),
                }
            )
        return HttpResponseRedirect(url)


def artifact_file(request, token: str):
    """Stream an artifact named by a signed, expiring token (local storage); ``403`` when bad or expired.

    Counts as a download of the release (once per visitor and day, ``download_record``), like the
    endpoints that hand out the URL: the same client fetching both counts once.
    """
    try:
        release_id, which = artifacts.artifact_from_token(token)
    except signing.BadSignature:
        return JsonResponse(
            {"ok": False, "errors": [{"code": "download.link_invalid", "field": None,
                                      "message": "This download link is invalid or has expired."}]},
            status=403,
        )  # fmt: skip
    release = get_object_or_404(
        Release.objects.published().select_related("package"),
        pk=release_id,
        package__in=Package.objects.reachable(),
    )
    file = release.wrapped_artifact if which == artifacts.WRAPPED else release.artifact
    if not file:
        return JsonResponse(
            {"ok": False, "errors": [{"code": "not_found", "field": None, "message": "Gone."}]}, status=404
        )
    dialect = "argentos" if which == artifacts.WRAPPED else "objectstack"
    download_record(release=release, dialect=dialect, visitor=download_visitor(request))
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=release.filename, content_type=PACKAGE_CONTENT_TYPE
    )
    response["X-Checksum-SHA256"] = (
        release.wrapped_sha256 if which == artifacts.WRAPPED else release.artifact_sha256
    )
    return response


# --- Cloud OS ---------------------------------------------------------------------------------------


class MarketplaceCategoriesApi(PublicApiView):
    """``GET /api/v1/marketplace/categories``: the kinds (``id`` plural, ``name``, ``description``, ``icon``)."""

    @extend_schema(operation_id="marketplace_categories", responses={200: s.KindCategoryListSerializer})
    def get(self, request) -> Response:
        return Response({"categories": s.KindCategorySerializer(Kind.objects.all(), many=True).data})


class MarketplaceItemsQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", help_text=QUERY_HELP)
    sort = serializers.ChoiceField(choices=SORTS, default="relevance")
    page = serializers.IntegerField(min_value=1, max_value=100000, default=1)


def _kind(plural: str) -> Kind:
    kind = Kind.objects.filter(plural=plural).first()
    if kind is None:
        raise exceptions.NotFound(f"No kind '{plural}'.", code="category.unknown")
    return kind


class MarketplaceItemsRead:
    """The ``GET`` of ``/api/v1/marketplace/{category}/items``: one kind's listed packages, anonymous.

    The same path takes the ``POST`` that submits a package, which is publishing's (above the
    catalog); ``publishing.api.views.MarketplaceItemsApi`` mixes this class in before its upload
    view. Safe methods get no authentication, anyone, and the catalog's per-address limit; the
    others are left to the upload view.
    """

    def get_authenticators(self):
        if self.request is not None and self.request.method in permissions.SAFE_METHODS:
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request.method in permissions.SAFE_METHODS:
            return [permissions.AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        if self.request.method in permissions.SAFE_METHODS:
            return [CatalogRateThrottle()]
        return super().get_throttles()

    def initial(self, request, *args, **kwargs) -> None:
        if request.method in permissions.SAFE_METHODS:
            APIView.initial(self, request, *args, **kwargs)
        else:
            super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="marketplace_items",
        parameters=[MarketplaceItemsQuerySerializer],
        responses={200: s.MarketplacePageSerializer, 400: _ERROR, 404: _ERROR},
    )
    def get(self, request, category: str) -> Response:
        kind = _kind(category)
        params = MarketplaceItemsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        query = CatalogQuery(
            q=data["q"], kind=kind.slug, sort=data["sort"], descending=data["sort"] != "name"
        )
        search = CatalogSearch(Package.objects.listed().for_cards(), query)
        items, total = _page(search, data["page"], MARKETPLACE_PAGE_SIZE)
        return Response(
            {
                "items": s.MarketplaceItemSerializer(items, many=True).data,
                "total": total,
                "page": data["page"],
                "page_size": MARKETPLACE_PAGE_SIZE,
            }
        )


class MarketplaceItemDetailApi(PublicApiView):
    """``GET /api/v1/marketplace/{category}/items/{slug}``: the ArgentOS detail plus ``manifest``, ``permissions``."""

    @extend_schema(
        operation_id="marketplace_item_detail", responses={200: s.MarketplaceDetailSerializer, 404: _ERROR}
    )
    def get(self, request, category: str, slug: str) -> Response:
        kind = _kind(category)
        qs = (
            Package.objects.reachable()
            .for_cards()
            .select_related("latest_release__signing_key")
            .prefetch_related(_published_releases())
        )
        package = get_object_or_404(qs, kind=kind, identifier=slug)
        return Response(s.MarketplaceDetailSerializer(package).data)


# --- ObjectStack -------------------------------------------------------------------------------------


def _with_install_totals(qs):
    installs = (
        Install.objects.filter(package=OuterRef("pk"))
        .order_by()
        .values("package")
        .annotate(n=install_count())
        .values("n")
    )
    return qs.annotate(installs_total=Coalesce(Subquery(installs, output_field=IntegerField()), 0))


class ListingsApi(PublicApiView):
    """``GET /api/objectstack/v1/listings``: ``MarketplaceSearchRequest`` in, ``MarketplaceSearchResponse`` out."""

    @extend_schema(
        operation_id="objectstack_listings",
        parameters=[s.SearchRequestSerializer],
        responses={200: OpenApiResponse(description="MarketplaceSearchResponse"), 400: _ERROR},
    )
    def get(self, request) -> Response:
        params = s.SearchRequestSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        query = CatalogQuery(
            q=data.get("query", ""),
            category=data.get("category"),
            tags=tuple(data.get("tags", ())),
            pricing=tuple(pricing_values(data["pricing"])) if data.get("pricing") else None,
            verification=(data["publisherVerification"],) if data.get("publisherVerification") else None,
            platform_version=data.get("platformVersion"),
            sort=data["sortBy"],
            descending=data["sortDirection"] == "desc",
        )
        search = CatalogSearch(Package.objects.listed().for_cards(), query)
        filtered = search.results()
        items, total = _page(search, data["page"], data["pageSize"], _with_install_totals)
        facets = catalog_facets(filtered)
        categories: dict[str, int] = {}
        for slug, count in facets["categories"]:
            key = slug if slug in s.OBJECTSTACK_CATEGORIES else "other"
            categories[key] = categories.get(key, 0) + count
        pricing: dict[str, int] = {}
        for ours, count in facets["pricing"]:
            model = s.PRICING_MODEL.get(ours, "paid")
            pricing[model] = pricing.get(model, 0) + count
        return Response(
            {
                "items": s.ListingSerializer(items, many=True, context={"request": request}).data,
                "total": total,
                "page": data["page"],
                "pageSize": data["pageSize"],
                "facets": {
                    "categories": [{"category": k, "count": v} for k, v in sorted(categories.items())],
                    "pricing": [{"model": k, "count": v} for k, v in sorted(pricing.items())],
                },
            }
        )


class ListingDetailApi(PublicApiView):
    """``GET /api/objectstack/v1/listings/{id}``: a ``MarketplaceListing`` with its versions."""

    @extend_schema(
        operation_id="objectstack_listing",
        responses={200: OpenApiResponse(description="MarketplaceListing"), 404: _ERROR},
    )
    def get(self, request, identifier: str) -> Response:
        qs = _with_install_totals(
            Package.objects.reachable().for_cards().prefetch_related(_published_releases())
        )
        package = get_object_or_404(qs, identifier=identifier)
        return Response(s.ListingSerializer(package, context={"request": request, "versions": True}).data)


class ListingArtifactApi(PublicApiView):
    """``GET /api/objectstack/v1/listings/{id}/artifact[?version=]``: the EXACT uploaded bytes' URL and digest."""

    @extend_schema(
        operation_id="objectstack_artifact",
        parameters=[OpenApiParameter("version", str), OpenApiParameter("key", str)],
        responses={200: s.ArtifactDownloadSerializer, 402: _ERROR, 404: _ERROR, 429: _ERROR},
    )
    def get(self, request, identifier: str) -> Response:
        package = get_object_or_404(Package.objects.reachable(), identifier=identifier)
        release = _release_for(package, request.query_params.get("version"))
        _check_license(request, package)
        if not release.artifact:
            raise exceptions.NotFound("This release has no artifact.")
        url, expires = artifacts.artifact_url(release=release, which=artifacts.ORIGINAL, request=request)
        download_record(release=release, dialect="objectstack", visitor=download_visitor(request))
        return Response(
            {
                "downloadUrl": url,
                "sha256": release.artifact_sha256,
                "size": release.size,
                "format": "tgz",
                "expiresAt": utc_z(expires),
            }
        )


class PublisherApi(PublicApiView):
    """``GET /api/objectstack/v1/publishers/{id}``: a ``Publisher`` (by slug)."""

    @extend_schema(
        operation_id="objectstack_publisher",
        responses={200: OpenApiResponse(description="Publisher"), 404: _ERROR},
    )
    def get(self, request, slug: str) -> Response:
        publisher = get_object_or_404(Publisher, slug=slug)
        return Response(s.PublisherSerializer(publisher).data)


class TokenlessInstallThrottle(SettingsRateThrottle):
    """Tokenless install reports per client address: ``DEFAULT_THROTTLE_RATES["install_tokenless"]``.

    A tokenless report names any ``tenantId``, so fresh ids would otherwise add
    rows without end; reports with an account token are counted
    for their account and are not limited here.
    """

    scope = "install_tokenless"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


class InstallApi(APIView):
    """``POST /api/objectstack/v1/install``: record an install per account (token user) or ``tenantId``.

    With a token (an account, author or staff token) the install counts for
    the token's user under their plan, and ``tenantId``, when sent, is
    recorded beside it; tokenless requests must name a ``tenantId`` and are
    counted for it under the Free plan. Paid packages need ``licenseKey``
    (or ``X-License-Key``), else ``402``. ``201`` for a new record, ``200``
    when that account already installed that release. ``403
    install.plan_cap`` when a cap of the plan is reached and ``403
    install.tenant_reserved`` for a tokenless install naming a subscribed
    organization (rules in :mod:`licensing.plans`). Tokenless reports are
    limited per address (``429 rate_limited``, :class:`TokenlessInstallThrottle`).
    """

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    throttle_classes = [CatalogRateThrottle, TokenlessInstallThrottle]

    @extend_schema(
        operation_id="objectstack_install",
        request=s.InstallRequestSerializer,
        responses={201: s.InstallResponseSerializer, 200: s.InstallResponseSerializer,
                   **{code: _ERROR for code in (400, 401, 402, 403, 404, 429)}},
    )  # fmt: skip
    def post(self, request) -> Response:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError("The body must be a JSON object.")
        data_in = s.InstallRequestSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        user = request.user if request.user and request.user.is_authenticated else None
        if user is None and not data.get("tenantId"):
            raise exceptions.ValidationError(
                {"tenantId": ["Send an account token or a tenantId to record the install for."]}
            )
        package = get_object_or_404(
            Package.objects.reachable().select_related("latest_release"), identifier=data["listingId"]
        )
        release = _release_for(package, data.get("version"))
        if release.yanked:
            raise exceptions.ValidationError({"version": ["This version was yanked."]}, code="release.yanked")
        _check_license(request, package, key=data.get("licenseKey"))
        try:
            _, created = install_record(
                package=package,
                release=release,
                user=user,
                tenant_id=data.get("tenantId", ""),
                source=download_visitor(request),
            )
        except InstallRefused as exc:
            raise exceptions.PermissionDenied(str(exc), code=exc.code) from None
        return Response(
            {
                "success": True,
                "packageId": package.identifier,
                "version": release.version,
                "message": "installed" if created else "already installed",
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
