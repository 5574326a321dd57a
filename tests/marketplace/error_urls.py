"""The site's URLs plus one view that fails, for the error-page tests (tests/marketplace/test_error_pages.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from marketplace.urls import handler404, handler500  # noqa: F401 - the handlers of this URLconf
from marketplace.urls import urlpatterns as site_urlpatterns


def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [path("test-only/fails/", failing_view), *site_urlpatterns]
