"""``Authorization: Bearer mkt_…``: the API token scheme (docs/api.md, "Authentication").

The ArgentOS CLI (``argent extension publish``) sends exactly this header, so no
other scheme is needed.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from tokens import services
from tokens.models import ApiToken


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates ``Authorization: Bearer <token>``; returns ``(token.user, token)``.

    No ``Authorization`` header, or another scheme: not authenticated (``None``),
    so the permission check answers 401. A bearer token that is unknown,
    expired or revoked: 401 with the token's error code.
    """

    keyword = "Bearer"

    def authenticate(self, request) -> tuple[object, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <token>'.", code="token.malformed"
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                "The token contains invalid characters.", code="token.malformed"
            ) from None
        try:
            token = services.api_token_authenticate(raw)
        except services.ApiTokenInvalid as exc:
            raise exceptions.AuthenticationFailed(exc.message, code=exc.code) from None
        services.api_token_record_use(token=token, ip=client_ip(request))
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


def client_ip(request) -> str | None:
    """The client's address as the WSGI server saw it (``REMOTE_ADDR``).

    Behind a proxy, the proxy must set ``REMOTE_ADDR`` (for example gunicorn's
    ``--forwarded-allow-ips`` with a ``ProxyFix``-style middleware); forwarded
    headers are not trusted here.
    """
    return request.META.get("REMOTE_ADDR") or None


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes :class:`BearerTokenAuthentication` in the OpenAPI document."""

    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (`mkt_…`) created under Publish → API tokens.",
        }
