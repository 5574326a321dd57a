"""URLs of the catalog API, included at the site root before ``publishing.api.urls``."""

import functools

from django.urls import path

from catalog.cache import cached_for_anonymous

from . import views

app_name = "catalog-api"

#: Anonymous GETs of the catalog reads (not licensed lists, downloads, installs) come from the cache
#: (catalog.cache), still counted by the per-address rate limit.
cached = functools.partial(cached_for_anonymous, admit=views.catalog_read_admitted)

urlpatterns = [
    # ArgentOS (api.md section 1)
    path("api/v1/catalog", cached(views.CatalogListApi.as_view()), name="catalog-list"),
    path("api/v1/catalog/licensed", views.CatalogLicensedApi.as_view(), name="catalog-licensed"),
    path("api/v1/catalog/<str:identifier>", cached(views.CatalogDetailApi.as_view()), name="catalog-detail"),
    path(
        "api/v1/catalog/<str:identifier>/download",
        views.CatalogDownloadApi.as_view(),
        name="catalog-download",
    ),
    path("api/v1/artifacts/<str:token>", views.artifact_file, name="artifact-file"),
    # Cloud OS (api.md section 2); POST on the items path submits (publishing).
    path(
        "api/v1/marketplace/categories",
        cached(views.MarketplaceCategoriesApi.as_view()),
        name="marketplace-categories",
    ),
    path(
        "api/v1/marketplace/<slug:category>/items",
        cached(views.MarketplaceItemsApi.as_view()),
        name="marketplace-items",
    ),
    path(
        "api/v1/marketplace/<slug:category>/items/<str:slug>",
        cached(views.MarketplaceItemDetailApi.as_view()),
        name="marketplace-item-detail",
    ),
    # ObjectStack (api.md section 3)
    path("api/objectstack/v1/listings", cached(views.ListingsApi.as_view()), name="os-listings"),
    path(
        "api/objectstack/v1/listings/<str:identifier>",
        cached(views.ListingDetailApi.as_view()),
        name="os-listing",
    ),
    path(
        "api/objectstack/v1/listings/<str:identifier>/artifact",
        views.ListingArtifactApi.as_view(),
        name="os-listing-artifact",
    ),
    path(
        "api/objectstack/v1/publishers/<str:slug>", cached(views.PublisherApi.as_view()), name="os-publisher"
    ),
    path("api/objectstack/v1/submissions/<int:pk>", views.SubmissionApi.as_view(), name="os-submission"),
    path("api/objectstack/v1/install", views.InstallApi.as_view(), name="os-install"),
]
