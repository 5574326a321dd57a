"""Author pages (``publishing:`` namespace): dashboard, publishers, signing keys, upload, submissions,
and the API token pages of ``tokens.views``, mounted here under their old names and paths.

The publisher token pages are author pages: they get publishing's two-factor requirement
(``mfa_required``) here, where they are mounted; ``tokens`` itself sits below ``publishing``.
"""

from django.urls import path
from django.views.decorators.cache import never_cache

from tokens import views as token_views

from . import views
from .views import mfa_required

app_name = "publishing"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("publishers/create/", views.publisher_create, name="publisher-create"),
    path("publishers/<slug:slug>/keys/", views.signing_key_list, name="key-list"),
    path("publishers/<slug:slug>/keys/<int:pk>/revoke/", views.signing_key_revoke, name="key-revoke"),
    path("publishers/<slug:slug>/upload/", views.package_upload, name="upload"),
    path(
        "publishers/<slug:slug>/tokens/",
        never_cache(mfa_required(token_views.token_list)),
        name="token-list",
    ),
    path(
        "publishers/<slug:slug>/tokens/create/", mfa_required(token_views.token_create), name="token-create"
    ),
    path("tokens/<int:pk>/revoke/", mfa_required(token_views.token_revoke), name="token-revoke"),
    path("account/tokens/", token_views.account_token_list, name="account-token-list"),
    path("account/tokens/create/", token_views.account_token_create, name="account-token-create"),
    path("account/tokens/<int:pk>/revoke/", token_views.account_token_revoke, name="account-token-revoke"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/status", views.submission_status, name="submission-status"),
]
