"""Publishing API views: publish (ArgentOS and Cloud OS paths) and submission status (ArgentOS, ObjectStack).

Each view parses its input, calls one service and replies; errors are
rendered by ``api.errors.api_exception_handler``.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import BearerTokenAuthentication, client_ip
from api.serializers import ErrorResponseSerializer
from api.throttling import PublishRateThrottle
from api.uploads import install_size_cap
from catalog.api.views import MarketplaceItemsRead
from catalog.models import Kind
from publishing.models import Submission

from . import services as api_services
from .serializers import PackageSubmissionSerializer, PublishReplySerializer, SubmissionReplySerializer

_ERROR = OpenApiResponse(ErrorResponseSerializer)


class TokenApiView(APIView):
    """Base of the token-authenticated API: bearer tokens only, JSON replies."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [JSONRenderer]


class MetadataSerializer(serializers.Serializer):
    """The ``metadata`` part the ArgentOS CLI sends (unknown keys are ignored)."""

    signature = serializers.CharField(required=False, allow_blank=True, max_length=200)
    authorPublicKey = serializers.CharField(required=False, allow_blank=True, max_length=200)  # noqa: N815
    changelog = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class PackageUploadApi(TokenApiView):
    """Accept a package upload: ``POST /api/v1/publish`` (multipart).

    Parts: ``package`` (the ``.argent-pkg`` file), optional ``metadata`` (JSON:
    ``signature`` = detached signature, ``authorPublicKey``, ``changelog`` =
    release notes) and optional ``manifest`` (JSON; must equal the package's
    ``argent.plugin.json``). ``?wait=N`` (0 to 60 seconds) waits for the checks.

    Replies ``201`` when the outcome is known, ``202`` while the checks run:
    ``{"ok": true, "packageId", "version", "fileHash", "status", "submission":
    {"id", "url"}, "warnings": [{"code", "field", "message"}]}``. Errors: ``400``
    (every broken rule), ``401``, ``403`` (token not allowed for this package),
    ``409`` (identifier of another publisher, version reused), ``413``, ``429``.
    """

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [PublishRateThrottle]

    class InputSerializer(serializers.Serializer):
        package = serializers.FileField(allow_empty_file=False, use_url=False)
        metadata = serializers.JSONField(binary=True, required=False)
        manifest = serializers.JSONField(binary=True, required=False)

        def validate_metadata(self, value):
            if not isinstance(value, dict):
                raise serializers.ValidationError("metadata must be a JSON object.", code="metadata.invalid")
            parsed = MetadataSerializer(data=value)
            parsed.is_valid(raise_exception=True)
            return parsed.validated_data

        def validate_manifest(self, value):
            if not isinstance(value, dict):
                raise serializers.ValidationError("manifest must be a JSON object.", code="manifest.invalid")
            return value

    class WaitSerializer(serializers.Serializer):
        wait = serializers.IntegerField(min_value=0, max_value=api_services.MAX_WAIT_SECONDS, default=0)

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # After authentication and throttling, before the body is read.
        install_size_cap(request)

    def expected_kind(self) -> str | None:
        """The kind the URL requires; none on the ArgentOS path."""
        return None

    @extend_schema(
        operation_id="publish",
        request={"multipart/form-data": InputSerializer},
        parameters=[OpenApiParameter("wait", OpenApiTypes.INT, description="Seconds to wait (0 to 60).")],
        responses={
            201: PublishReplySerializer,
            202: PublishReplySerializer,
            **{code: _ERROR for code in (400, 401, 403, 409, 413, 429)},
        },
    )
    def post(self, request, *args, **kwargs) -> Response:
        wait = self.WaitSerializer(data=request.query_params)
        wait.is_valid(raise_exception=True)
        expected_kind = self.expected_kind()
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        metadata = data.validated_data.get("metadata", {})
        upload = data.validated_data["package"]
        submission = api_services.api_submission_create(
            token=request.auth,
            upload=upload,
            filename=upload.name or "package.argent-pkg",
            release_notes=metadata.get("changelog", ""),
            detached_signature=metadata.get("signature") or None,
            public_key=metadata.get("authorPublicKey") or None,
            declared_manifest=data.validated_data.get("manifest"),
            expected_kind=expected_kind,
            client_ip=client_ip(request),
        )
        submission = api_services.submission_wait(submission=submission, seconds=wait.validated_data["wait"])
        warnings = api_services.submission_warnings(submission=submission)
        reply = PublishReplySerializer.build(submission, warnings)
        code = status.HTTP_202_ACCEPTED if submission.is_checking else status.HTTP_201_CREATED
        return Response(reply, status=code)


class MarketplaceItemCreateApi(PackageUploadApi):
    """Submit a package on the Cloud OS path: ``POST /api/v1/marketplace/{category}/items``.

    ``category`` is a kind in plural (``connectors``, ``skills``, ...); the
    package's kind must be that kind (else ``400 package.kind_mismatch``), and
    an unknown category is ``404 category.unknown``. Everything else is as
    ``POST /api/v1/publish``, with the same reply.
    """

    def expected_kind(self) -> str:
        kind = Kind.objects.filter(plural=self.kwargs["category"]).first()
        if kind is None:
            raise exceptions.NotFound(f"No kind '{self.kwargs['category']}'.", code="category.unknown")
        return kind.slug

    @extend_schema(
        operation_id="marketplace_item_create",
        request={"multipart/form-data": PackageUploadApi.InputSerializer},
        parameters=[OpenApiParameter("wait", OpenApiTypes.INT, description="Seconds to wait (0 to 60).")],
        responses={
            201: PublishReplySerializer,
            202: PublishReplySerializer,
            **{code: _ERROR for code in (400, 401, 403, 404, 409, 413, 429)},
        },
    )
    def post(self, request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)


class MarketplaceItemsApi(MarketplaceItemsRead, MarketplaceItemCreateApi):
    """``/api/v1/marketplace/{category}/items``: ``GET`` lists one kind (anonymous, the catalog's
    :class:`catalog.api.views.MarketplaceItemsRead`); ``POST`` submits (token, as above)."""


def _visible_submissions(request):
    """The submissions ``request``'s token may read: its publisher's (one package's, for a
    package-scoped token); every one for a staff token of a staff user."""
    token = request.auth
    visible = Submission.objects.select_related("package", "release", "publisher")
    if not (token.is_staff_token and request.user.is_staff):
        visible = visible.filter(publisher=token.publisher)
        if token.package_id is not None:
            visible = visible.filter(package_id=token.package_id)
    return visible


class SubmissionDetailApi(TokenApiView):
    """A submission's state: ``GET /api/v1/submissions/{id}``.

    Visible to an author token of the submission's publisher (a package-scoped
    token: only that package's submissions) and to staff tokens; anyone else
    gets ``404``. Reply (camelCase, like the publish reply)::

        {"ok": true, "id", "url", "packageId", "version", "fileHash",
         "status": "scanning" | "published" | "pending_review" | "flagged" | "rejected" | "changes_requested",
         "reviewStatus": the internal state ("pending", "scanning", "in-review", ...),
         "flagged", "flagReasons": [str],
         "findings": [{"code", "severity", "message", "path", "field", "line", "excerpt"}],
         "reviewerNotes", "auditScore" (0-100 or null), "auditVerdict" (or null),
         "createdAt", "checkedAt", "decidedAt" (UTC ISO 8601 with Z, or null)}
    """

    @extend_schema(
        operation_id="submission_detail",
        responses={200: SubmissionReplySerializer, 401: _ERROR, 404: _ERROR},
    )
    def get(self, request, pk: int) -> Response:
        submission = get_object_or_404(_visible_submissions(request), pk=pk)
        return Response(SubmissionReplySerializer.build(submission))


class PackageSubmissionApi(TokenApiView):
    """``GET /api/objectstack/v1/submissions/{id}``: a ``PackageSubmission`` (docs/api.md, "ObjectStack dialect").

    Visible to the same tokens as ``/api/v1/submissions/{id}``; anyone else gets ``404``.
    """

    @extend_schema(
        operation_id="objectstack_submission",
        responses={200: OpenApiResponse(description="PackageSubmission"), 401: _ERROR, 404: _ERROR},
    )
    def get(self, request, pk: int) -> Response:
        submission = get_object_or_404(_visible_submissions(request).prefetch_related("findings"), pk=pk)
        return Response(PackageSubmissionSerializer(submission, context={"request": request}).data)
