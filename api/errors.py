"""Every API error as ``{"ok": false, "errors": [{"code", "field", "message"}]}`` (docs/api.md, "Errors").

Set as ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``; it covers DRF's own errors
(401, 403, 404, 405, 406, 415, 429, validation), the upload cap (413) and every
:class:`ProblemsRefused` (such as ``publishing.services.SubmissionRejected``: 400, 403, 409, 413).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .uploads import TOO_LARGE_CODE, UploadTooLarge

#: Our dotted codes for DRF's default error codes.
DRF_CODES = {
    "not_authenticated": "auth.required",
    "authentication_failed": "auth.failed",
    "permission_denied": "permission.denied",
    "not_found": "not_found",
    "method_not_allowed": "request.method_not_allowed",
    "not_acceptable": "request.not_acceptable",
    "unsupported_media_type": "request.unsupported_media_type",
    "parse_error": "request.malformed",
    "throttled": "rate_limited",
}


class ProblemsRefused(Exception):  # noqa: N818 (named for what happened, as Django's PermissionDenied)
    """A request refused for one or more rules; the API answers ``status`` with one error each.

    Attributes:
        problems: objects with ``code``, ``message`` and ``field`` (``argent_pkg.Problem``).
        status: the HTTP status (400 invalid, 403 forbidden, 409 conflict, 413 too large).
    """

    def __init__(self, problems: list, *, status: int = 400) -> None:
        self.problems = list(problems)
        self.status = status
        super().__init__("; ".join(f"{p.code}: {p.message}" for p in self.problems))


def error(code: str, message: str, field: str | None = None) -> dict:
    """One entry of ``errors``."""
    return {"code": code, "field": field, "message": str(message)}


def error_response(status_code: int, errors: list[dict], headers: dict | None = None) -> Response:
    """A response in the error format."""
    return Response({"ok": False, "errors": errors}, status=status_code, headers=headers)


def _code(detail_code: str | None, fallback: str) -> str:
    if not detail_code:
        return fallback
    if "." in detail_code:
        return detail_code
    return DRF_CODES.get(detail_code, fallback)


def validation_errors(detail, field: str | None = None) -> list[dict]:
    """Flatten a ``ValidationError.detail`` into entries; nested fields join with dots."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = None if key == "non_field_errors" else (f"{field}.{key}" if field else str(key))
            out += validation_errors(value, name)
        return out
    if isinstance(detail, list):
        return [entry for item in detail for entry in validation_errors(item, field)]
    code = getattr(detail, "code", None) or "invalid"
    return [error(code if "." in code else f"request.{code}", detail, field)]


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: the error format for every handled error; others stay 500."""
    if isinstance(exc, ProblemsRefused):
        return error_response(exc.status, [error(p.code, p.message, p.field) for p in exc.problems])
    if isinstance(exc, UploadTooLarge):
        return error_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, [error(TOO_LARGE_CODE, str(exc))])
    if isinstance(exc, RequestDataTooBig):
        return error_response(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            [error("request.too_large", "The request is too large.")],
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args[:1])
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args[:1])
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = validation_errors(exc.detail)
    elif isinstance(exc, exceptions.APIException):
        fallback = DRF_CODES.get(exc.default_code, "error")
        detail = exc.detail
        if isinstance(detail, dict | list):
            errors = validation_errors(detail)
        else:
            errors = [error(_code(getattr(detail, "code", None), fallback), detail)]
    else:  # pragma: no cover - DRF answers only for APIException (Http404 and PermissionDenied are converted).
        errors = [error("error", str(exc))]
    response.data = {"ok": False, "errors": errors}
    return response
