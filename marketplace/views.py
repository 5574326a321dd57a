"""Error pages rendered from the site's templates."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception) if exception else ""}, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", {"q": request.GET.get("q", "")}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors here: whatever failed may fail again while rendering.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
