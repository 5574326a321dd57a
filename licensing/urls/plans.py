"""The "Plan" pages, included at ``account/plan/`` by ``marketplace/urls.py``."""

from django.urls import path

from ..views import plans

app_name = "plans"

urlpatterns = [
    path("", plans.plan_page, name="page"),
    path("cancel/", plans.plan_cancel, name="cancel"),
    path("<slug:slug>/subscribe/", plans.plan_subscribe, name="subscribe"),
]
