"""Input cleaned once, at the edge: the request middleware every page and API call passes.

:class:`NulRefusedMiddleware` refuses a NUL character (U+0000) in the path
(``404``) or in a query parameter's name or value (``400``) before any view
runs, so no view has to clean its arguments (rule: :mod:`marketplace.text`).
API paths answer in the API's error body (``docs/error-codes.md``: ``not_found``,
``request.malformed``); pages get the site's 404 and 400 pages.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

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
