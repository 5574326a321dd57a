"""Customer and author pages of moderation, included at the site root by ``marketplace/urls.py``."""

from django.urls import path

from .views import reports

app_name = "moderation"

urlpatterns = [
    path("packages/<str:identifier>/report/", reports.package_report, name="package-report"),
    path(
        "publishers/<slug:slug>/verification/",
        reports.verification_request,
        name="verification-request",
    ),
]
