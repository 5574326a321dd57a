"""``/api/docs/``: the OpenAPI document rendered as a plain page, server-side.

Swagger UI and Redoc need JavaScript bundles from a CDN (or the
drf-spectacular-sidecar package); the site serves no third-party scripts, so
this page lists the operations of ``/api/schema/`` with Django templates.
"""

from __future__ import annotations

import re

from django.utils.safestring import SafeString, mark_safe
from django.views.generic import TemplateView
from drf_spectacular.generators import SchemaGenerator

from catalog.markdown import render_markdown

HTTP_METHODS = ("get", "post", "put", "patch", "delete")

#: The sections of the page in the order shown, each with its path prefix (docs/api.md has the same split).
SECTIONS = (
    ("argentos", "ArgentOS, publishing and licenses", "/api/"),
    ("cloud-os", "Cloud OS", "/api/v1/marketplace/"),
    ("objectstack", "ObjectStack", "/api/objectstack/"),
    ("staff", "Staff", "/cp/api/"),
)

#: Sphinx roles in docstrings (``:mod:`x```, ``:class:`~a.B```): shown as code.
_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")
#: reStructuredText inline literals (````x````): Markdown code spans.
_LITERAL = re.compile(r"``(.+?)``")


def docstring_html(text: str) -> SafeString:
    """A view's docstring (reStructuredText-flavoured, as drf-spectacular copies it) as sanitized HTML.

    Roles and double-backquoted literals become Markdown code spans; the rest is Markdown, rendered
    and cleaned by :func:`catalog.markdown.render_markdown` (raw HTML escaped).
    """
    markdown = _LITERAL.sub(lambda m: f"`{m.group(1)}`", _ROLE.sub(lambda m: f"`{m.group(1)}`", text or ""))
    return mark_safe(render_markdown(markdown))  # noqa: S308 - render_markdown's output is sanitized by nh3


def token_rule(security: list | None) -> str:
    """``"none"``, ``"optional"`` or ``"required"``: what an operation's OpenAPI ``security`` asks.

    An empty requirement object (``{}``) means the operation may be called without credentials
    (OpenAPI 3.0, "Security Requirement Object").
    """
    if not security or all(not requirement for requirement in security):
        return "none"
    return "optional" if any(not requirement for requirement in security) else "required"


def section_of(path: str) -> str:
    """The id of the :data:`SECTIONS` entry ``path`` belongs to (the longest matching prefix)."""
    matching = [(len(prefix), key) for key, _title, prefix in SECTIONS if path.startswith(prefix)]
    return max(matching)[1] if matching else "argentos"


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
                    "description": docstring_html(operation.get("description", "")),
                    "parameters": [
                        {**param, "description": docstring_html(param.get("description", ""))}
                        for param in operation.get("parameters", [])
                    ],
                    "request": list((operation.get("requestBody") or {}).get("content", {})),
                    "responses": [
                        {"status": code, "schema": _response_schema_name(response)}
                        for code, response in operation.get("responses", {}).items()
                    ],
                    "token": token_rule(operation.get("security")),
                    "section": section_of(path),
                }
            )
    return out


class ApiDocsView(TemplateView):
    """A readable list of the API's operations, from the same document as ``/api/schema/``: a table of
    contents by dialect, each operation's docstring rendered, and whether it needs a token."""

    template_name = "publishing/api/docs.html"

    def get_context_data(self, **kwargs) -> dict:
        schema = SchemaGenerator().get_schema(request=None, public=True)
        ops = operations(schema)
        sections = [
            {"id": key, "title": title, "operations": [op for op in ops if op["section"] == key]}
            for key, title, _prefix in SECTIONS
        ]
        return {
            **super().get_context_data(**kwargs),
            "info": schema.get("info", {}),
            "sections": [section for section in sections if section["operations"]],
        }
