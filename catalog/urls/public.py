import functools

from django.urls import path

from ..cache import cached_for_anonymous as cached
from ..views import public as views

app_name = "catalog"

#: Anonymous GETs of every page but the download are answered from the cache (catalog.cache).
#: Each names the query parameters its view reads; others are answered fresh and not kept.
search = functools.partial(cached, params=views.SEARCH_PARAMS)

urlpatterns = [
    path("", search(views.HomeView.as_view()), name="home"),
    path("search/", search(views.PackageSearchView.as_view()), name="search"),
    path("kinds/<slug:plural>/", search(views.KindPackagesView.as_view()), name="kind"),
    path("categories/<slug:slug>/", search(views.CategoryPackagesView.as_view()), name="category"),
    path("tags/<str:tag>/", search(views.TagPackagesView.as_view()), name="tag"),
    path(
        "publishers/<slug:slug>/",
        cached(views.PublisherDetailView.as_view(), params=("page",)),
        name="publisher-detail",
    ),
    path(
        "packages/<str:identifier>/",
        cached(views.PackageDetailView.as_view(), params=()),
        name="package-detail",
    ),
    path(
        "packages/<str:identifier>/<str:version>/download",
        views.release_download,
        name="release-download",
    ),
    # The TUF target path ID/VERSION/FILENAME under /packages/ (docs/api.md, "TUF repository").
    path(
        "packages/<str:identifier>/<str:version>/<str:filename>",
        views.release_target,
        name="release-target",
    ),
    path(
        "packages/<str:identifier>/<str:version>/images/<path:path>",
        views.release_image_file,
        name="release-image",
    ),
]
