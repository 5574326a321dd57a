"""The log's URLs: its files under ``/log/`` and its JSON API (docs/api.md, "Transparency log")."""

from django.urls import path

from . import api, views

app_name = "transparency"

urlpatterns = [
    path("log/<path:path>", views.log_file, name="file"),
    path("api/v1/log", api.LogInfoApi.as_view(), name="info"),
    path("api/v1/log/releases/<str:identifier>/<str:version>", api.ReleaseProofApi.as_view(), name="release"),
]
