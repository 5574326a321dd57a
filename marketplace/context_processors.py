"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """Return ``site_banner`` (str, may be empty) for the base template."""
    return {"site_banner": settings.SITE_BANNER}
