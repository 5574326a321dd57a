"""Customer and author pages of moderation, included at the site root by ``marketplace/urls.py``."""

from django.urls import path

from . import report_views

app_name = "moderation"

urlpatterns = [
    path("packages/<str:identifier>/report/", report_views.package_report, name="package-report"),
    path(
        "publishers/<slug:slug>/verification/",
        report_views.verification_request,
        name="verification-request",
    ),
]
