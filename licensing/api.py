"""The license API of docs/api.md, "Licenses": activate, deactivate and look up a license key.

``POST /api/v1/activate``, ``POST /api/v1/deactivate``, ``GET /api/v1/license/{key}``,
``POST /api/v1/license`` (the key in the body, which keeps it out of URLs) and
``GET /api/v1/license/check/{key}`` (the ArgentOS dashboard's check).
Anonymous: the key is the credential. Each view parses its input, calls one
service of :mod:`licensing.licenses` and replies; errors use the API's error
format. Attempts count per client address and per key in the budget every
place that takes a key shares (``api.throttling.license_key_try``).

Keys never reach a log: Django's request logger (which would log the path of
``GET /api/v1/license/{key}`` on a 4xx) is replaced for these views by one
line with the key masked.
"""

from __future__ import annotations

import logging

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import error, error_response
from api.serializers import ErrorResponseSerializer
from api.throttling import license_key_try
from marketplace.text import validate_single_line

from . import keys, licenses

logger = logging.getLogger(__name__)

_ERROR = OpenApiResponse(ErrorResponseSerializer)


# --- throttles ------------------------------------------------------------------------------------------


def _raw_key(request, view) -> object:
    """The key a license API request names: in the path, else in the body (a parse error raises)."""
    raw = view.kwargs.get("key")
    if raw is None:
        data = request.data
        raw = data.get("key") if hasattr(data, "get") else None
    return raw


# --- replies ---------------------------------------------------------------------------------------------


class LicenseSerializer(serializers.Serializer):
    package = serializers.CharField(help_text="The package identifier.")
    pricing = serializers.CharField()
    status = serializers.CharField(help_text="`active`, `expired` or `revoked`.")
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Null: perpetual.")
    activations_used = serializers.IntegerField()
    activations_limit = serializers.IntegerField(allow_null=True, help_text="Null: unlimited.")


class LicenseReplySerializer(LicenseSerializer):
    ok = serializers.BooleanField(default=True)


class ActivationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    instance_id = serializers.CharField()


class ActivateReplySerializer(serializers.Serializer):
    ok = serializers.BooleanField(default=True)
    license = LicenseSerializer()
    activation = ActivationSerializer()
    activations_used = serializers.IntegerField()
    activations_limit = serializers.IntegerField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class DeactivateReplySerializer(serializers.Serializer):
    ok = serializers.BooleanField(default=True)
    activations_used = serializers.IntegerField()
    activations_limit = serializers.IntegerField(allow_null=True)


def _license_error(exc: licenses.LicenseError) -> Response:
    return error_response(exc.status, [error(exc.code, exc.message, exc.field)])


# --- views --------------------------------------------------------------------------------------------------


class LicenseApiView(APIView):
    """Base of the license API: anonymous, JSON, throttled, and keys masked in the request log."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer]

    def check_throttles(self, request) -> None:
        """Count the try in the budget every place that takes a key shares (``license_key_try``)."""
        wait = license_key_try(request, key_bucket=keys.key_bucket(_raw_key(request, self)))
        if wait is not None:
            self.throttled(request, wait)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400:
            # Instead of django.request's "Not Found: /api/v1/license/<the key>".
            response._has_been_logged = True
            log = logger.error if response.status_code >= 500 else logger.warning
            log("%s %s: %s", request.method, keys.mask_text(request.path), response.status_code)
        return response


class KeySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=100, trim_whitespace=True)


class ActivateInputSerializer(KeySerializer):
    instance_id = serializers.CharField(max_length=200, validators=[validate_single_line])
    package = serializers.CharField(max_length=64, required=False, allow_blank=True)


class DeactivateInputSerializer(KeySerializer):
    instance_id = serializers.CharField(max_length=200)


class ActivateApi(LicenseApiView):
    """``POST /api/v1/activate``: use one activation of a license for ``instance_id``.

    Re-activating an instance that is already active is free and returns the
    same activation. ``package`` (optional) must be the license's package.
    Errors: ``400`` malformed key, ``404 license.not_found``, ``409
    license.activation_limit``, ``410 license.expired`` / ``license.revoked``, ``429``.
    """

    InputSerializer = ActivateInputSerializer

    @extend_schema(
        operation_id="license_activate",
        request=InputSerializer,
        responses={200: ActivateReplySerializer, **{code: _ERROR for code in (400, 404, 409, 410, 429)}},
    )
    def post(self, request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            activation, license = licenses.activation_register(
                key=data.validated_data["key"],
                instance_id=data.validated_data["instance_id"],
                package=data.validated_data.get("package") or None,
            )
        except licenses.LicenseError as exc:
            return _license_error(exc)
        payload = licenses.license_payload(license)
        return Response(
            {
                "ok": True,
                "license": payload,
                "activation": {"id": activation.pk, "instance_id": activation.instance_id},
                "activations_used": payload["activations_used"],
                "activations_limit": payload["activations_limit"],
                "expires_at": payload["expires_at"],
            }
        )


class DeactivateApi(LicenseApiView):
    """``POST /api/v1/deactivate``: free the activation of ``instance_id`` (idempotent).

    Errors: ``400`` malformed key, ``404 license.not_found``, ``429``.
    """

    InputSerializer = DeactivateInputSerializer

    @extend_schema(
        operation_id="license_deactivate",
        request=InputSerializer,
        responses={200: DeactivateReplySerializer, **{code: _ERROR for code in (400, 404, 429)}},
    )
    def post(self, request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            license = licenses.activation_release(
                key=data.validated_data["key"], instance_id=data.validated_data["instance_id"]
            )
        except licenses.LicenseError as exc:
            return _license_error(exc)
        return Response(
            {
                "ok": True,
                "activations_used": licenses.activations_used(license),
                "activations_limit": license.activations_limit,
            }
        )


def _license_reply(raw_key: str) -> Response:
    try:
        license = licenses.license_info(raw_key)
    except licenses.LicenseError as exc:
        return _license_error(exc)
    return Response({"ok": True, **licenses.license_payload(license)})


class LicenseDetailApi(LicenseApiView):
    """``GET /api/v1/license/{key}``: a license's package, status, expiry and activations.

    Prefer ``POST /api/v1/license``, which keeps the key out of URLs.
    Errors: ``400`` malformed key, ``404 license.not_found``, ``429``.
    """

    @extend_schema(
        operation_id="license_detail",
        responses={200: LicenseReplySerializer, **{code: _ERROR for code in (400, 404, 429)}},
    )
    def get(self, request, key: str) -> Response:
        return _license_reply(key)


class LicenseCheckReplySerializer(serializers.Serializer):
    """The answer of ``GET /api/v1/license/check/{key}`` (docs/api.md, "License check"); see
    :func:`licensing.licenses.license_check`."""

    valid = serializers.BooleanField(help_text="Whether the license is active.")
    status = serializers.CharField(help_text="`active`, `expired`, `revoked` or `unknown` (no such key).")
    type = serializers.CharField(allow_null=True, help_text="The license's pricing; null when unknown.")
    orgName = serializers.CharField(allow_null=True, help_text="The publisher's display name.")  # noqa: N815
    error = serializers.CharField(allow_null=True, help_text="Why the key is not valid, else null.")


class LicenseCheckApi(LicenseApiView):
    """``GET /api/v1/license/check/{key}``: the key check of the ArgentOS dashboard and desktop app.

    Always ``200`` with ``{valid, status, type, orgName, error}``: an unknown or
    malformed key is ``valid: false``, ``status: "unknown"`` (docs/api.md, "License
    check"). Counted like every license-key try (``429 rate_limited`` over it); the
    key is masked in the request log.
    """

    @extend_schema(operation_id="license_check", responses={200: LicenseCheckReplySerializer, 429: _ERROR})
    def get(self, request, key: str) -> Response:
        return Response(licenses.license_check(key))


class LicenseLookupApi(LicenseApiView):
    """``POST /api/v1/license`` with ``{"key"}``: the same answer as ``GET /api/v1/license/{key}``."""

    InputSerializer = KeySerializer

    @extend_schema(
        operation_id="license_lookup",
        request=KeySerializer,
        responses={200: LicenseReplySerializer, **{code: _ERROR for code in (400, 404, 429)}},
    )
    def post(self, request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _license_reply(data.validated_data["key"])
