"""``/api/docs/``: the OpenAPI document rendered as a plain page, server-side.

Swagger UI and Redoc need JavaScript bundles from a CDN (or the
drf-spectacular-sidecar package); the site serves no third-party scripts, so
this page lists the operations of ``/api/schema/`` with Django templates.
"""

from __future__ import annotations

from django.views.generic import TemplateView
from drf_spectacular.generators import SchemaGenerator

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _response_schema_name(response: dict) -> str | None:
    for media in (response.get("content") or {}).values():
        ref = (media.get("schema") or {}).get("$ref", "")
        if ref:
            return ref.rsplit("/", 1)[-1]
    return None


def operations(schema: dict) -> list[dict]:
    """The schema's operations, in path order, flattened for the template."""
    out = []
    for path, item in schema.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "id": operation.get("operationId", ""),
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []),
                    "request": list((operation.get("requestBody") or {}).get("content", {})),
                    "responses": [
                        {"status": code, "schema": _response_schema_name(response)}
                        for code, response in operation.get("responses", {}).items()
                    ],
                    "secured": bool(operation.get("security")),
                }
            )
    return out


class ApiDocsView(TemplateView):
    """A readable list of the API's operations, from the same document as ``/api/schema/``."""

    template_name = "publishing/api/docs.html"

    def get_context_data(self, **kwargs) -> dict:
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return {
            **super().get_context_data(**kwargs),
            "info": schema.get("info", {}),
            "operations": operations(schema),
        }
