"""URLs of the publishing API, included at the site root by ``marketplace/urls.py``."""

from django.urls import path

from catalog.api.views import MarketplaceItemsQuerySerializer, cached_read

from . import views

app_name = "publishing-api"

urlpatterns = [
    path("api/v1/publish", views.PackageUploadApi.as_view(), name="publish"),
    path("api/v1/submissions/<int:pk>", views.SubmissionDetailApi.as_view(), name="submission-detail"),
    # The Cloud OS list of one kind (GET, the catalog's) shares its path with the upload (POST).
    path(
        "api/v1/marketplace/<slug:category>/items",
        cached_read(
            views.MarketplaceItemsApi.as_view(), params=tuple(MarketplaceItemsQuerySerializer().fields)
        ),
        name="marketplace-items",
    ),
    path(
        "api/objectstack/v1/submissions/<int:pk>", views.PackageSubmissionApi.as_view(), name="os-submission"
    ),
]
