"""Public catalog pages and the artifact download."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, F, Prefetch
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    QueryDict,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.generic import DetailView, ListView, TemplateView
from django_htmx.http import push_url

from .. import search as search_module
from ..api.services import download_record, download_visitor
from ..constants import ListingStatus, Pricing, VerificationLevel
from ..entitlements import entitlements, license_key_try
from ..markdown import render_markdown
from ..models import Category, Kind, Package, Publisher, Release
from ..permissions import explain_permissions
from ..release_images import SVG, ReleaseImageUnavailable, manifest_images, release_image, release_image_url
from ..search import (
    MAX_QUERY_LENGTH,
    SORT_LABELS,
    SORTS,
    CatalogQuery,
    CatalogSearch,
    PagedResults,
    PlatformVersionInvalid,
    platform_version_parse,
)

#: Content-Type of a package file: a gzip-compressed tar (docs/package-format.md, "Container").
PACKAGE_CONTENT_TYPE = "application/gzip"

#: Packages per page on every listing.
PAGE_SIZE = 24
#: Cards per home-page section.
HOME_SECTION_SIZE = 6
#: A query finding fewer packages than this gets a "Did you mean …?" when a close known word exists.
SUGGEST_BELOW = 3
#: GET parameters of the search page (all of them, so a URL names one result page).
SEARCH_PARAMS = ("q", "kind", "category", "tag", "pricing", "verification", "platformVersion", "sort", "page")


class HomeView(TemplateView):
    """``/``: featured, popular, new and recently updated packages; kinds and categories to browse.

    "Popular" lists only packages with installs in the last 30 days (``Package.installs_30d``),
    most installed first, and is left out when nobody installed anything, as the home page of
    addons.mozilla.org leaves out a shelf with nothing to show: a ranking of zeros would repeat "New".

    A home address with search parameters (``/?q=…``, the form of older links)
    redirects to the search page with the same parameters.
    """

    template_name = "catalog/home.html"

    def get(self, request, *args, **kwargs):
        if any(key in request.GET for key in SEARCH_PARAMS):
            return HttpResponsePermanentRedirect(f"{reverse('catalog:search')}?{request.GET.urlencode()}")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        listed = Package.objects.listed().for_cards()
        size = HOME_SECTION_SIZE
        context.update(
            featured=list(listed.filter(featured=True).order_by("-installs_30d", "identifier")[:size]),
            # Only packages someone installed in the window: without installs, "Popular" would
            # only repeat "New" in another order, so the section is left out.
            popular=list(
                listed.filter(installs_30d__gt=0).order_by("-installs_30d", "-total_downloads", "identifier")[
                    :size
                ]
            ),
            newest=list(listed.order_by("-published_at", "identifier")[:size]),
            updated=list(
                listed.filter(last_release_at__gt=F("published_at")).order_by(
                    "-last_release_at", "identifier"
                )[:size]
            ),
        )
        context["kinds"], context["categories"] = kinds_and_categories_with_counts()
        return context


def kinds_and_categories_with_counts() -> tuple[list[Kind], list[Category]]:
    """Kinds and categories with ``n``, their number of listed packages; empty ones left out.

    Three queries: the counts grouped by kind and category (an index-only scan
    of the ``package_listed_kind_category`` index), and the two small tables.
    """
    by_kind: Counter[int] = Counter()
    by_category: Counter[int] = Counter()
    for kind_id, category_id, n in (
        Package.objects.listed().order_by().values_list("kind_id", "category_id").annotate(n=Count("*"))
    ):
        by_kind[kind_id] += n
        by_category[category_id] += n
    kinds = [kind for kind in Kind.objects.all() if by_kind[kind.pk]]
    categories = [category for category in Category.objects.all() if by_category[category.pk]]
    for row in kinds:
        row.n = by_kind[row.pk]
    for row in categories:
        row.n = by_category[row.pk]
    return kinds, categories


class PackageSearchView(ListView):
    """``/search/``: search, filters with counts, sort and pages; also kind, category and tag pages.

    The URL names the whole result: ``q``, ``kind``, ``category``, ``tag``
    (repeatable, all must match), ``pricing`` and ``verification``
    (repeatable, any may match), ``platformVersion``, ``sort`` and ``page``.
    An htmx request (search as you type) gets only the results region.
    """

    template_name = "catalog/package_list.html"
    partial_template_name = "catalog/partials/results.html"
    paginate_by = PAGE_SIZE
    #: Set by the kind, category and tag pages: the filter their address fixes.
    fixed: str | None = None

    def get_queryset(self):
        self.query = _search_query(self.request.GET, **self._fixed_filter())
        # A "Works with" value that is not a version is named with its rule above the results,
        # which then leave that filter out (catalog.search.platform_version_parse).
        self.version_error = ""
        if self.query.platform_version:
            try:
                platform_version_parse(self.query.platform_version)
            except PlatformVersionInvalid as exc:
                self.version_error = str(exc)
                self.query = replace(self.query, platform_version=None)
        self.search = CatalogSearch(Package.objects.listed().for_cards(), self.query)
        # Facets first: when they count every match, they give the total too (no COUNT query).
        self.search.facets()
        return PagedResults(self.search)

    def _fixed_filter(self) -> dict:
        if self.fixed == "kind":
            self.kind = get_object_or_404(Kind, plural=self.kwargs["plural"])
            return {"kind": self.kind.slug}
        if self.fixed == "category":
            self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
            return {"category": self.category.slug}
        if self.fixed == "tag":
            self.tag = self.kwargs["tag"]
            return {"tag": self.tag}
        return {}

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.history_restore_request:
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            search_context(
                self.request, self.query, self.search, fixed=self.fixed, total=context["paginator"].count
            )
        )
        context.update(
            kind=getattr(self, "kind", None),
            category=getattr(self, "category", None),
            tag=getattr(self, "tag", None),
            version_error=self.version_error,
            platform_value=self.request.GET.get("platformVersion", "").strip()[:40],
        )
        if self.version_error:
            context["filtered"] = True  # "Clear filters" takes the invalid value away too
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ["HX-Request"])
        if getattr(self.request, "htmx", False):
            # The form sends every field; the address bar gets the same search without the empty ones.
            params = QueryDict(mutable=True)
            for key, values in self.request.GET.lists():
                if kept := [v for v in values if v.strip()]:
                    params.setlist(key, kept)
            push_url(response, f"{self.request.path}?{params.urlencode()}" if params else self.request.path)
        return response


class KindPackagesView(PackageSearchView):
    """``/kinds/<plural>/``: the search page for one kind (a tab)."""

    fixed = "kind"


class CategoryPackagesView(PackageSearchView):
    """``/categories/<slug>/``: the search page for one browsing category."""

    fixed = "category"


class TagPackagesView(PackageSearchView):
    """``/tags/<tag>/``: the search page for one tag."""

    template_name = "catalog/tag_detail.html"
    fixed = "tag"


class PublisherDetailView(ListView):
    """``/publishers/<slug>/``: who the publisher is, how far they are verified, and their packages."""

    template_name = "catalog/publisher_detail.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.publisher = get_object_or_404(Publisher, slug=self.kwargs["slug"])
        return (
            Package.objects.listed()
            .for_cards()
            .filter(publisher=self.publisher)
            .order_by("-installs_30d", "-total_downloads", "identifier")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(publisher=self.publisher, total=context["paginator"].count)
        return context


def _search_query(params: QueryDict, *, kind=None, category=None, tag=None) -> CatalogQuery:
    """The :class:`CatalogQuery` that the GET parameters (and the page's fixed filter) ask for."""
    sort = params.get("sort", "")
    q = params.get("q", "").strip()[:MAX_QUERY_LENGTH]
    pricing = tuple(v for v in params.getlist("pricing") if v in Pricing.values)
    verification = tuple(v for v in params.getlist("verification") if v in VerificationLevel.values)
    tags = [t.strip()[:64] for t in params.getlist("tag") if t.strip()]
    if tag and tag not in tags:
        tags.insert(0, tag)
    return CatalogQuery(
        q=q,
        kind=kind or params.get("kind") or None,
        category=category or params.get("category") or None,
        tags=tuple(dict.fromkeys(tags))[:10],
        pricing=pricing or None,
        verification=verification or None,
        platform_version=params.get("platformVersion", "").strip()[:40] or None,
        sort=sort if sort in SORTS else "relevance",
        descending=sort != "name",
    )


def search_context(request: HttpRequest, query: CatalogQuery, search: CatalogSearch, *, fixed, total) -> dict:
    """What the search templates show besides the page of packages: facets, links, the active filters."""
    params = request.GET.copy()
    params.pop("page", None)
    if fixed == "kind":
        params.pop("kind", None)

    def url(path: str | None = None, **changes) -> str:
        new = params.copy()
        for key, value in changes.items():
            new.pop(key, None)
            if value:
                new.setlist(key, value if isinstance(value, list) else [value])
        encoded = new.urlencode()
        return f"{path or request.path}{'?' + encoded if encoded else ''}"

    def toggled(key: str, value: str, *, single: bool = False) -> tuple[bool, str]:
        current = params.getlist(key)
        selected = value in current
        if single:
            return selected, url(**{key: "" if selected else value})
        return selected, url(**{key: [v for v in current if v != value] if selected else [*current, value]})

    facets = search.facets()
    # "Did you mean …?" when a query finds nothing or few packages and a close known word exists.
    suggestion = search.suggestion() if query.q and (total or 0) < SUGGEST_BELOW else None
    groups = []
    for key, title, single in [
        ("category", "Category", True),
        ("pricing", "Price", False),
        ("verification", "Publisher", False),
        ("tag", "Tags", False),
    ]:
        if fixed == key:
            continue
        options = []
        for facet in facets["tags" if key == "tag" else key]:
            selected, link = toggled(key, facet.value, single=single)
            options.append({"facet": facet, "selected": selected, "url": link})
        groups.append({"key": key, "title": title, "options": options})
    return {
        "q": query.q,
        "query": query,
        "total": total,
        # More matches than a search shows (catalog.search.MAX_RESULTS): the total reads "1,000+".
        "more": search.more,
        "any_word": search.any_word,
        "suggestion": suggestion,
        "suggestion_url": url(q=suggestion) if suggestion else "",
        "sort": query.sort,
        # "Best match" is the default (no parameter): relevance for a query, else featured then popular.
        "sort_param": "" if query.sort == "relevance" else query.sort,
        "sorts": [("", SORT_LABELS["relevance"])] + [(v, SORT_LABELS[v]) for v in SORTS if v != "relevance"],
        "facet_groups": groups,
        "kind_tabs": _kind_tabs(facets["kind"], query, fixed, url),
        "hidden_params": [
            (k, v) for k in ("kind", "category", "tag", "pricing", "verification") for v in params.getlist(k)
        ],
        "page_query": params.urlencode() + "&" if params else "",
        "filtered": bool(query.category and fixed != "category")
        or bool(query.pricing)
        or bool(query.verification)
        or bool(query.platform_version)
        or len(query.tags) > (1 if fixed == "tag" else 0),
        "clear_url": url(
            **{k: "" for k in ("category", "tag", "pricing", "verification", "platformVersion")}
        ),
    }


def _capped(count: int) -> int:
    return min(count, search_module.MAX_RESULTS)


def _kind_tabs(kinds, query: CatalogQuery, fixed, url) -> list[dict]:
    """Tabs "All" and one per kind with results; on a kind page each tab is that kind's page."""
    on_kind_page = fixed == "kind"
    tabs = [
        {
            "label": "All",
            # Counted among the first matches only when there are more (catalog.search.MAX_RESULTS).
            "count": None if on_kind_page else _capped(sum(f.count for f in kinds)),
            "at_least": any(f.at_least for f in kinds),
            "url": url(reverse("catalog:search")) if on_kind_page else url(kind=""),
            "current": not query.kind,
        }
    ]
    for facet in kinds:
        tabs.append(
            {
                "label": facet.plural.capitalize(),
                "count": facet.count,
                "at_least": facet.at_least,
                "url": url(reverse("catalog:kind", args=[facet.plural]))
                if on_kind_page
                else url(kind=facet.value),
                "current": facet.value == query.kind,
            }
        )
    return tabs


class PackageDetailView(DetailView):
    """The listing page of one package, showing its latest published version."""

    template_name = "catalog/package_detail.html"
    context_object_name = "package"

    def get_object(self, queryset=None) -> Package:
        published = Release.objects.published().order_by("-published_at")
        return get_object_or_404(
            Package.objects.reachable()
            .for_cards()
            .select_related("replacement")
            .prefetch_related(Prefetch("releases", queryset=published, to_attr="published_releases")),
            identifier=self.kwargs["identifier"],
        )

    def get(self, request, *args, **kwargs):
        suspended = _suspended(request, self.kwargs["identifier"])
        if suspended is not None:
            return suspended
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        package, release = self.object, self.object.latest_release
        context.update(
            release=release,
            readme_html=_readme_html(package, release),
            screenshots=_screenshots(package, release),
            permissions=explain_permissions(release.permissions),
            versions=package.published_releases,
            audit=_submission_of(release),
            **listing_access(self.request, package, release),
        )
        return context


def listing_access(request: HttpRequest, package: Package, release: Release) -> dict:
    """What the listing's Install card offers this visitor: price and terms, their license, the actions.

    Keys: ``offer`` (:class:`catalog.entitlements.Offer`), ``visitor_license``
    (:class:`catalog.entitlements.VisitorLicense` or None), ``can_download`` (the download
    would be served, by the same rule ``release_download`` applies, so a Download button never
    leads to the 402 page), ``download_url`` and ``install_command`` (None when the visitor
    cannot install yet; with ``--license KEY`` for a paid package). Only signed-in visitors'
    pages hold a license, and those are never kept by the anonymous cache (``catalog.cache``).
    """
    answers = entitlements()
    offer = answers.offer(package)
    # A free package has no licenses: no query for them. An active license is what the download
    # checks first; otherwise the download's own rule answers (a publisher's member, say).
    visitor_license = None if offer.is_free else answers.license_for(request.user, package)
    can_download = (
        offer.is_free
        or (visitor_license is not None and visitor_license.active)
        or answers.download_allowed(package=package, user=request.user)
    )
    if offer.is_free:
        install_command = f"mkt install {package.identifier}"
    else:
        install_command = f"mkt install --license KEY {package.identifier}"
    return {
        "offer": offer,
        "visitor_license": visitor_license,
        "can_download": can_download,
        "download_url": release.get_download_url() if can_download else None,
        "install_command": install_command,
    }


def _readme_html(package: Package, release: Release) -> str:
    """The listing's README as HTML, its package images served by ``catalog:release-image`` from ``release``.

    Without a README the description is shown, and an image it names is only its alt text.
    """
    if not package.readme:
        return render_markdown(package.description)
    return render_markdown(
        package.readme,
        image_url=lambda path: release_image_url(
            identifier=package.identifier, version=release.version, path=path
        ),
    )


def _screenshots(package: Package, release: Release) -> list[dict]:
    """The gallery of ``release``'s manifest screenshots: ``{"number", "url", "previous", "next"}`` each, in order.

    ``number`` counts from 1; ``previous`` and ``next`` are the neighbours' numbers (None at the ends).
    """
    paths = manifest_images(release).screenshots
    return [
        {
            "number": number,
            "url": release_image_url(identifier=package.identifier, version=release.version, path=path),
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < len(paths) else None,
        }
        for number, path in enumerate(paths, start=1)
    ]


def _submission_of(release: Release):
    """The submission that brought ``release`` (its audit score and verdict), None when none did."""
    try:
        return release.submission
    except ObjectDoesNotExist:
        return None


def _suspended(request: HttpRequest, identifier: str) -> HttpResponse | None:
    """The reason page (410) when the listing ``identifier`` is suspended, else None."""
    package = Package.objects.filter(identifier=identifier, status=ListingStatus.SUSPENDED).first()
    if package is None:
        return None
    return render(
        request,
        "catalog/package_suspended.html",
        {"package": package},
        status=410,
    )


def _rate_limited(request: HttpRequest, wait: float) -> HttpResponse:
    """The 429 page with ``Retry-After`` (RFC 6585 section 4), for a budget of tries that is spent."""
    seconds = max(1, int(wait + 0.999))
    response = render(request, "429.html", {"retry_after": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def release_download(request: HttpRequest, identifier: str, version: str) -> HttpResponse:
    """Serve the bytes of a published release's artifact, as uploaded and signed.

    Suspended listings answer with their reason page (410) instead; a paid
    package needs an active license (the signed-in owner's, or a key in
    ``X-License-Key`` or ``?key=``), else the 402 page says how to get one.
    A key counts as a try in the budget the license API shares
    (``catalog.entitlements.license_key_try``); over it, the 429 page.
    """
    suspended = _suspended(request, identifier)
    if suspended is not None:
        return suspended
    release = get_object_or_404(
        Release.objects.published().select_related("package"),
        package__in=Package.objects.reachable(),
        package__identifier=identifier,
        version=version,
    )
    if not release.artifact:
        raise Http404("This release has no artifact.")
    key = request.headers.get("X-License-Key") or request.GET.get("key")
    if (
        key
        and release.package.pricing != Pricing.FREE
        and (wait := license_key_try(request, key)) is not None
    ):
        return _rate_limited(request, wait)
    if not entitlements().download_allowed(package=release.package, user=request.user, key=key):
        return render(request, "catalog/license_required.html", {"package": release.package}, status=402)
    download_record(release=release, dialect="web", visitor=download_visitor(request))
    response = FileResponse(
        release.artifact.open("rb"),
        as_attachment=True,
        filename=release.filename,
        content_type=PACKAGE_CONTENT_TYPE,
    )
    response["Content-Length"] = str(release.size)
    response["X-Checksum-SHA256"] = release.artifact_sha256
    return response


def release_target(request: HttpRequest, identifier: str, version: str, filename: str) -> HttpResponse:
    """``GET /packages/ID/VERSION/FILENAME``: the download under its TUF target path.

    Clients that resolve a release through the TUF metadata download ``ID/VERSION/FILENAME``
    relative to ``/packages/`` (``docs/api.md``, "TUF repository"); the answer is
    :func:`release_download`'s, with the same license rules. Any other file name is a 404.
    """
    if filename != f"{identifier}-{version}.argent-pkg":
        raise Http404("No such file.")
    return release_download(request, identifier, version)


#: The policy of a served package image: nothing it could load or run, and sandboxed when opened directly.
RELEASE_IMAGE_CSP = "default-src 'none'; sandbox"
#: The same for an SVG icon, whose own ``style`` attributes and elements may apply (still no script, no loads).
RELEASE_SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def release_image_file(request: HttpRequest, identifier: str, version: str, path: str) -> HttpResponse:
    """Serve an image a published release shows from its own package: its icon, a screenshot, a README image.

    The rules are ``catalog.release_images``'s; any refusal (a hostile path, a
    file the release does not show, not an image of its kind, too large, a
    listing not reachable) is a 404. The answer carries the image's own type,
    ``X-Content-Type-Options: nosniff`` and a Content-Security-Policy that
    forbids everything (SVG: its own styles only) and sandboxes the file, and
    browsers may keep it for a year: the address holds the version, and a
    release's files never change.
    """
    if "\x00" in identifier + version + path:
        raise Http404("No such image.")
    release = get_object_or_404(
        Release.objects.published().select_related("package"),
        package__in=Package.objects.reachable(),
        package__identifier=identifier,
        version=version,
    )
    try:
        image = release_image(release=release, path=path)
    except ReleaseImageUnavailable as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(image.data, content_type=image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = RELEASE_SVG_CSP if image.content_type == SVG else RELEASE_IMAGE_CSP
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
