"""Public catalog pages and the artifact download."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.generic import DetailView, ListView

from publishing.models import Submission

from .constants import ListingStatus
from .markdown import render_markdown
from .models import Package, Release
from .permissions import explain_permissions

#: Content-Type of a package file: a gzip-compressed tar (spec section 1).
PACKAGE_CONTENT_TYPE = "application/gzip"


class PackageListView(ListView):
    """The home page: published packages, newest first, filtered by ``?q=``."""

    template_name = "catalog/package_list.html"
    paginate_by = 24

    def get_queryset(self):
        self.q = self.request.GET.get("q", "").strip()[:200]
        qs = Package.objects.listed().for_cards()
        if self.q:
            qs = qs.search(self.q)
        return qs.order_by("-published_at", "identifier")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(q=self.q, total=context["paginator"].count)
        return context


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
            readme_html=render_markdown(package.readme or package.description),
            permissions=explain_permissions(release.permissions),
            versions=package.published_releases,
            download_url=release.get_download_url(),
            install_command=f"mkt install {package.identifier}",
            audit=Submission.objects.filter(release=release).only("audit_score", "audit_verdict").first(),
        )
        return context


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


def release_download(request: HttpRequest, identifier: str, version: str) -> HttpResponse:
    """Serve the bytes of a published release's artifact, as uploaded and signed.

    Suspended listings answer with their reason page (410) instead.
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
    response = FileResponse(
        release.artifact.open("rb"),
        as_attachment=True,
        filename=release.filename,
        content_type=PACKAGE_CONTENT_TYPE,
    )
    response["Content-Length"] = str(release.size)
    response["X-Checksum-SHA256"] = release.artifact_sha256
    return response
