"""The "Plan" pages, included at ``account/plan/`` by ``marketplace/urls.py``."""

from django.urls import path

from . import views_plans

app_name = "plans"

urlpatterns = [
    path("", views_plans.plan_page, name="page"),
    path("cancel/", views_plans.plan_cancel, name="cancel"),
    path("<slug:slug>/subscribe/", views_plans.plan_subscribe, name="subscribe"),
]
