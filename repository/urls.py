from django.urls import path

from . import views

app_name = "repository"

urlpatterns = [
    path("tuf/metadata/<str:name>", views.metadata_file, name="metadata"),
    path("tuf/targets/<str:name>", views.target_file, name="target"),
]
