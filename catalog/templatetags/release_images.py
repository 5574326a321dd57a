"""The package icon a card or a listing header shows.

Usage in ``partials/package_icon.html``::

    {% load release_images %}
    {% with icon=package|package_icon_url %}…{% endwith %}
"""

from __future__ import annotations

from django import template

from catalog.models import Package
from catalog.release_images import package_icon_url as _package_icon_url

register = template.Library()


@register.filter
def package_icon_url(package: Package) -> str:
    """The address of ``package``'s icon (``catalog.release_images.package_icon_url``), ``""`` when it has none."""
    return _package_icon_url(package) or ""
