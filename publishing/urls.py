from django.urls import path

from . import views

app_name = "publishing"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("publishers/create/", views.publisher_create, name="publisher-create"),
    path("publishers/<slug:slug>/keys/", views.signing_key_list, name="key-list"),
    path("publishers/<slug:slug>/keys/<int:pk>/revoke/", views.signing_key_revoke, name="key-revoke"),
    path("publishers/<slug:slug>/upload/", views.package_upload, name="upload"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/status", views.submission_status, name="submission-status"),
]
