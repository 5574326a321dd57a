"""'My licenses' pages, included at ``account/licenses/`` by ``marketplace/urls.py``."""

from django.urls import path

from . import views_licenses

app_name = "licenses"

urlpatterns = [
    path("", views_licenses.license_list, name="list"),
    path("<int:pk>/reveal/", views_licenses.license_reveal, name="reveal"),
    path(
        "<int:pk>/activations/<int:activation_pk>/deactivate/",
        views_licenses.activation_deactivate,
        name="activation-deactivate",
    ),
]
