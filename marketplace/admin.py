"""Admin pieces shared by the apps."""

from django.contrib import admin
from django.db import models

#: ``formfield_overrides`` for admin forms: a scheme-less address in a URL field is read as https
#: (Django 6's default, and no deprecation warning on 5.2).
URL_FIELDS_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows change only through the services: no add, change or delete in the admin.

    Admin actions that call a service (with their own ``permissions=``) still work.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
