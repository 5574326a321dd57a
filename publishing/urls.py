from django.urls import path

from . import views
from .token_views import (
    account_token_create,
    account_token_list,
    account_token_revoke,
    token_create,
    token_list,
    token_revoke,
)

app_name = "publishing"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("publishers/create/", views.publisher_create, name="publisher-create"),
    path("publishers/<slug:slug>/keys/", views.signing_key_list, name="key-list"),
    path("publishers/<slug:slug>/keys/<int:pk>/revoke/", views.signing_key_revoke, name="key-revoke"),
    path("publishers/<slug:slug>/upload/", views.package_upload, name="upload"),
    path("publishers/<slug:slug>/tokens/", token_list, name="token-list"),
    path("publishers/<slug:slug>/tokens/create/", token_create, name="token-create"),
    path("tokens/<int:pk>/revoke/", token_revoke, name="token-revoke"),
    path("account/tokens/", account_token_list, name="account-token-list"),
    path("account/tokens/create/", account_token_create, name="account-token-create"),
    path("account/tokens/<int:pk>/revoke/", account_token_revoke, name="account-token-revoke"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/status", views.submission_status, name="submission-status"),
]
