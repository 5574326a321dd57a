"""Input cleaned once, at the edge: the request middleware every page and API call passes.

:class:`NulRefusedMiddleware` refuses a NUL character (U+0000) in the path
(``404``) or in a query parameter's name or value (``400``) before any view
runs, so no view has to clean its arguments (rule: :mod:`marketplace.text`).
API paths answer in the API's error body (``docs/error-codes.md``: ``not_found``,
``request.malformed``); pages get the site's 404 and 400 pages.

:class:`SiteErrorPagesMiddleware` keeps the site's own 404 and 500 pages when
``DEBUG`` is on (the local demo), instead of Django's debug pages that list every
URL pattern or show a traceback to whoever asks.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import get_resolver, get_urlconf
from django.urls.exceptions import Resolver404
from django.utils.log import log_response

from api.errors import error
from marketplace.text import has_nul

#: Path prefixes answered in the API's error body.
API_PREFIXES = ("/api/", "/cp/api/")


class NulRefusedMiddleware:
    """Answer ``404`` to a NUL in the path (or a path argument) and ``400`` to one in the query string.

    Args:
        get_response: the next handler (Django's middleware protocol).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        api = request.path.startswith(API_PREFIXES)
        arguments = [*view_args, *view_kwargs.values()]
        if has_nul(request.path) or any(isinstance(a, str) and has_nul(a) for a in arguments):
            if api:
                return JsonResponse({"ok": False, "errors": [error("not_found", "Not found.")]}, status=404)
            raise Http404("No such page.")
        if any(has_nul(key) or any(has_nul(v) for v in values) for key, values in request.GET.lists()):
            if api:
                message = "A query parameter holds a NUL character."
                return JsonResponse(
                    {"ok": False, "errors": [error("request.malformed", message)]}, status=400
                )
            raise BadRequest("A query parameter holds a NUL character.")
        return None


class SiteErrorPagesMiddleware:
    """With ``DEBUG`` on, answer a missing page and a failing view with the site's 404 and 500 pages.

    Django answers them with its debug pages when ``DEBUG`` is on: the 404 page lists every URL
    pattern of the site and the 500 page a traceback with settings. The local demo runs with
    ``DEBUG`` on for its development keys and fake payments, and is shown to people, so it answers
    as production does: the handlers named in ``marketplace/urls.py`` (``handler404``,
    ``handler500``). The traceback still goes to the log (the ``django.request`` logger, as with
    ``DEBUG`` off). ``DEBUG_ERROR_PAGES=true`` turns Django's debug pages back on for development.
    With ``DEBUG`` off this middleware does nothing: Django already calls the same handlers.

    Exceptions Django answers with a 4xx of its own (``PermissionDenied``, ``BadRequest``,
    ``SuspiciousOperation``, a malformed multipart body) are left to Django.

    Args:
        get_response: the next handler (Django's middleware protocol).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _active() -> bool:
        return settings.DEBUG and not settings.DEBUG_ERROR_PAGES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._active():
            # An unmatched path never reaches a view (so never process_exception): resolve it here.
            resolver = get_resolver(getattr(request, "urlconf", None) or get_urlconf())
            try:
                resolver.resolve(request.path_info)
            except Resolver404 as exc:
                response = resolver.resolve_error_handler(404)(request, exc)
                log_response("Not Found: %s", request.path, response=response, request=request)
                return response
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not self._active():
            return None
        resolver = get_resolver(getattr(request, "urlconf", None) or get_urlconf())
        if isinstance(exception, Http404):
            response = resolver.resolve_error_handler(404)(request, exception)
            log_response("Not Found: %s", request.path, response=response, request=request)
            return response
        if isinstance(exception, PermissionDenied | BadRequest | SuspiciousOperation | MultiPartParserError):
            return None
        response = resolver.resolve_error_handler(500)(request)
        log_response(
            "%s: %s",
            response.reason_phrase,
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        return response
