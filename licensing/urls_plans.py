"""The "Plan" pages, included at ``account/plan/`` by ``marketplace/urls.py``."""

from django.urls import path

from . import views_plans

app_name = "plans"

urlpatterns = [
    path("", views_plans.plan_page, name="page"),
]
