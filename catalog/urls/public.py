from django.urls import path

from ..cache import cached_for_anonymous as cached
from ..views import public as views

app_name = "catalog"

#: Anonymous GETs of every page but the download are answered from the cache (catalog.cache).
urlpatterns = [
    path("", cached(views.HomeView.as_view()), name="home"),
    path("search/", cached(views.PackageSearchView.as_view()), name="search"),
    path("kinds/<slug:plural>/", cached(views.KindPackagesView.as_view()), name="kind"),
    path("categories/<slug:slug>/", cached(views.CategoryPackagesView.as_view()), name="category"),
    path("tags/<str:tag>/", cached(views.TagPackagesView.as_view()), name="tag"),
    path("publishers/<slug:slug>/", cached(views.PublisherDetailView.as_view()), name="publisher-detail"),
    path("packages/<str:identifier>/", cached(views.PackageDetailView.as_view()), name="package-detail"),
    path(
        "packages/<str:identifier>/<str:version>/download",
        views.release_download,
        name="release-download",
    ),
    path(
        "packages/<str:identifier>/<str:version>/readme/<path:path>",
        views.readme_image_file,
        name="readme-image",
    ),
]
