"""The admin application with the marketplace's admin site (``marketplace.admin.MarketplaceAdminSite``)."""

from django.contrib.admin import apps as admin_apps


class MarketplaceAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` whose ``admin.site`` is :class:`marketplace.admin.MarketplaceAdminSite`
    (Django's documented way to replace the default admin site)."""

    # Not the configuration of the ``marketplace`` app itself, which keeps Django's default.
    default = False
    default_site = "marketplace.admin.MarketplaceAdminSite"
