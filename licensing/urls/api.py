"""URLs of the license API (docs/api.md, "Licenses"), included at the site root by ``marketplace/urls.py``."""

from django.urls import path

from .. import api

app_name = "licensing-api"

urlpatterns = [
    path("api/v1/activate", api.ActivateApi.as_view(), name="activate"),
    path("api/v1/deactivate", api.DeactivateApi.as_view(), name="deactivate"),
    path("api/v1/license", api.LicenseLookupApi.as_view(), name="license-lookup"),
    path("api/v1/license/check/<str:key>", api.LicenseCheckApi.as_view(), name="license-check"),
    path("api/v1/license/<str:key>", api.LicenseDetailApi.as_view(), name="license-detail"),
]
