"""URLs of the publishing API, included at the site root by ``marketplace/urls.py``."""

from django.urls import path

from . import views

app_name = "publishing-api"

urlpatterns = [
    path("api/v1/publish", views.PackageUploadApi.as_view(), name="publish"),
    path("api/v1/submissions/<int:pk>", views.SubmissionDetailApi.as_view(), name="submission-detail"),
    # POST /api/v1/marketplace/{category}/items is served with its GET by
    # catalog.api.views.MarketplaceItemsApi (catalog/api/urls.py).
]
