"""'My licenses' pages, included at ``account/licenses/`` by ``marketplace/urls.py``."""

from django.urls import path

from ..views import licenses

app_name = "licenses"

urlpatterns = [
    path("", licenses.license_list, name="list"),
    path("<int:pk>/reveal/", licenses.license_reveal, name="reveal"),
    path(
        "<int:pk>/activations/<int:activation_pk>/deactivate/",
        licenses.activation_deactivate,
        name="activation-deactivate",
    ),
]
