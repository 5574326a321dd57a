from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.PackageSearchView.as_view(), name="search"),
    path("kinds/<slug:plural>/", views.KindPackagesView.as_view(), name="kind"),
    path("categories/<slug:slug>/", views.CategoryPackagesView.as_view(), name="category"),
    path("tags/<str:tag>/", views.TagPackagesView.as_view(), name="tag"),
    path("publishers/<slug:slug>/", views.PublisherDetailView.as_view(), name="publisher-detail"),
    path("packages/<str:identifier>/", views.PackageDetailView.as_view(), name="package-detail"),
    path(
        "packages/<str:identifier>/<str:version>/download",
        views.release_download,
        name="release-download",
    ),
]
