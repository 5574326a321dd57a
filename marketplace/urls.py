"""The marketplace's URLs: catalog pages at the root, author pages, accounts, admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from moderation.api.blocklist import BlocklistApi
from moderation.views.metrics import metrics_view
from publishing.api.docs import ApiDocsView

admin.site.site_header = "Argent Marketplace review"
admin.site.site_title = "Argent Marketplace review"
admin.site.index_title = "Moderation"

urlpatterns = [
    path("admin/metrics/", metrics_view, name="moderation-metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/licenses/", include("licensing.urls.licenses")),
    path("account/plan/", include("licensing.urls.plans")),
    path("", include("licensing.urls.api")),
    path("", include("licensing.urls.money")),
    path("", include("catalog.api.urls")),
    path("", include("publishing.api.urls")),
    path("api/v1/blocklist", BlocklistApi.as_view(), name="blocklist"),
    path("", include("repository.urls")),
    path("", include("transparency.urls")),
    path("cp/api/v1/admin/marketplace/", include("moderation.api.staff_urls")),
    # One version: a ``?version=`` from the query would otherwise reach the Content-Disposition header.
    path("api/schema/", SpectacularAPIView.as_view(api_version="1"), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(), name="api-docs"),
    path("", include("moderation.urls")),
    path("", include("catalog.urls.engagement")),
    path("", include("publishing.urls")),
    path("", include("catalog.urls.public")),
]

handler400 = "marketplace.views.bad_request"
handler403 = "marketplace.views.permission_denied"
handler404 = "marketplace.views.page_not_found"
handler500 = "marketplace.views.server_error"
