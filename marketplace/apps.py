"""The project's app configurations: the admin with the marketplace's admin site, and the project's own app."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MarketplaceAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` whose ``admin.site`` is :class:`marketplace.admin.MarketplaceAdminSite`
    (Django's documented way to replace the default admin site)."""

    # Not the configuration of the ``marketplace`` app itself, which keeps Django's default.
    default = False
    default_site = "marketplace.admin.MarketplaceAdminSite"


class MarketplaceConfig(AppConfig):
    """The project's own app (``"marketplace"`` in ``INSTALLED_APPS``): commands and deploy checks."""

    name = "marketplace"
    default = True

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deploy checks
