from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.PackageListView.as_view(), name="home"),
    path("packages/<str:identifier>/", views.PackageDetailView.as_view(), name="package-detail"),
    path(
        "packages/<str:identifier>/<str:version>/download",
        views.release_download,
        name="release-download",
    ),
]
