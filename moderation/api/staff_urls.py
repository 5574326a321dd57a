"""URLs of the staff API (docs/api.md, "Staff API"), included at ``cp/api/v1/admin/marketplace/``."""

from django.urls import path

from . import staff as staff_api

app_name = "staff-api"

urlpatterns = [
    path("queue", staff_api.QueueApi.as_view(), name="queue"),
    path("queue/<int:pk>/approve", staff_api.ApproveApi.as_view(), name="approve"),
    path("queue/<int:pk>/reject", staff_api.RejectApi.as_view(), name="reject"),
    path("queue/<int:pk>/flag", staff_api.FlagApi.as_view(), name="flag"),
]
