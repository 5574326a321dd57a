"""URLs of the catalog API, included at the site root before ``publishing.api.urls``."""

from django.urls import path

from . import serializers as s
from . import views

app_name = "catalog-api"

cached = views.cached_read  # anonymous reads come from the response cache (catalog.cache)
# Each names the query parameters its view reads (``params``); others are answered fresh, not kept.

urlpatterns = [
    # ArgentOS (docs/api.md, "ArgentOS dialect")
    path(
        "api/v1/catalog",
        cached(views.CatalogListApi.as_view(), params=tuple(views.CatalogQuerySerializer().fields)),
        name="catalog-list",
    ),
    path("api/v1/catalog/licensed", views.CatalogLicensedApi.as_view(), name="catalog-licensed"),
    path(
        "api/v1/catalog/<str:identifier>",
        cached(views.CatalogDetailApi.as_view(), params=()),
        name="catalog-detail",
    ),
    path(
        "api/v1/catalog/<str:identifier>/download",
        views.CatalogDownloadApi.as_view(),
        name="catalog-download",
    ),
    path("api/v1/artifacts/<str:token>", views.artifact_file, name="artifact-file"),
    # Cloud OS (docs/api.md, "Cloud OS dialect"); the list of one kind shares its path with the upload, so it is
    # routed by publishing.api.urls.
    path(
        "api/v1/marketplace/categories",
        cached(views.MarketplaceCategoriesApi.as_view(), params=()),
        name="marketplace-categories",
    ),
    path(
        "api/v1/marketplace/<slug:category>/items/<str:slug>",
        cached(views.MarketplaceItemDetailApi.as_view(), params=()),
        name="marketplace-item-detail",
    ),
    # ObjectStack (docs/api.md, "ObjectStack dialect")
    path(
        "api/objectstack/v1/listings",
        cached(views.ListingsApi.as_view(), params=tuple(s.SearchRequestSerializer().fields)),
        name="os-listings",
    ),
    path(
        "api/objectstack/v1/listings/<str:identifier>",
        cached(views.ListingDetailApi.as_view(), params=()),
        name="os-listing",
    ),
    path(
        "api/objectstack/v1/listings/<str:identifier>/artifact",
        views.ListingArtifactApi.as_view(),
        name="os-listing-artifact",
    ),
    path(
        "api/objectstack/v1/publishers/<str:slug>",
        cached(views.PublisherApi.as_view(), params=()),
        name="os-publisher",
    ),
    path("api/objectstack/v1/install", views.InstallApi.as_view(), name="os-install"),
]
