"""Public catalog pages and the artifact download."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from publishing.models import Submission

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
            Package.objects.listed()
            .for_cards()
            .prefetch_related(Prefetch("releases", queryset=published, to_attr="published_releases")),
            identifier=self.kwargs["identifier"],
        )

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


def release_download(request: HttpRequest, identifier: str, version: str) -> FileResponse:
    """Serve the bytes of a published release's artifact, as uploaded and signed."""
    release = get_object_or_404(
        Release.objects.published().select_related("package"),
        package__in=Package.objects.listed(),
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
