"""The project's URLs plus ``/bench/minimal``: the baseline of ``scripts/benchmark_search.py``.

Loaded only through ``scripts/bench_settings.py``; the site never serves this view.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from marketplace.urls import handler400, handler403, handler404, handler500  # noqa: F401
from marketplace.urls import urlpatterns as project_urlpatterns


def minimal(request: HttpRequest) -> HttpResponse:
    """The least a Django view can do, behind the project's whole middleware stack."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/minimal", minimal, name="bench-minimal"), *project_urlpatterns]
