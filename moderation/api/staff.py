"""The Cloud OS staff API (docs/api.md, "Staff API"): the moderation queue and decisions on it.

``/cp/api/v1/admin/marketplace/``, included by ``marketplace/urls.py``:

* ``GET queue?page=&limit=`` → ``200 {"ok": true, "items": [item], "total", "page", "limit"}``,
  oldest place in the queue first (``publishing.queue.awaiting()``); ``limit`` 1 to 100 (default 20).
  An item: ``id``, ``packageId``, ``version``, ``publisher`` (slug), ``kind`` (slug),
  ``isNewPackage``, ``flagged``, ``escalated``, ``highestSeverity`` (or null), ``auditScore``
  (0-100 or null), ``auditVerdict`` (or null), ``queuedAt``, ``dueAt`` (UTC ISO 8601 with Z),
  ``overdue``, ``url`` (the submission's review page in the admin).
* ``POST queue/{id}/approve`` (``{"note"}`` optional), ``POST queue/{id}/reject`` (``{"note"}``
  required, else ``400 note.required``), ``POST queue/{id}/flag`` (``{"note"}`` optional) → ``204``.
  ``404`` unknown submission; ``409`` with the rule's code when the submission's state machine
  refuses the decision now (``submission.not_decidable``, ``submission.checks_running``,
  ``package.suspended``, ``package.blocked``, ``payments.not_ready``; ``docs/state-machines.md``).

Authentication: a staff token (``Authorization: Bearer mkt_…``) of a user who is still staff;
``401`` without one, ``403 permission.denied`` for author tokens, for staff tokens of users who
lost staff status, and for users without ``publishing.view_submission`` (queue) or
``publishing.decide_submission`` (decisions). Every view parses, calls one service and replies.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import BearerTokenAuthentication
from api.parsers import JSONParser
from api.serializers import ErrorResponseSerializer, utc_z
from publishing import queue
from publishing.constants import AuditVerdict, Severity
from publishing.models import ScanFinding, Submission
from tokens.models import ApiToken

from .. import services as moderation

_ERROR = OpenApiResponse(ErrorResponseSerializer)
_TAGS = ["staff"]

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class StaffTokenPermission(permissions.BasePermission):
    """A live staff token whose owner is still staff and holds ``view.required_permission``.

    Without credentials DRF answers 401 (``auth.required``); otherwise 403 ``permission.denied``.
    """

    message = "This endpoint needs a staff token of a reviewer allowed to do this."
    code = "permission.denied"

    def has_permission(self, request, view) -> bool:
        token = request.auth
        return bool(
            isinstance(token, ApiToken)
            and token.is_staff_token
            and request.user.is_staff
            and request.user.has_perm(view.required_permission)
        )


class StaffApiView(APIView):
    """Base of the staff API: bearer staff tokens only, JSON replies."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [StaffTokenPermission]
    renderer_classes = [JSONRenderer]
    required_permission = "publishing.view_submission"


class NotDecidable(exceptions.APIException):
    """``409``: the transition's rule refuses it now (its code names the rule)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "submission.not_decidable"
    default_detail = "The submission is not awaiting a decision."


def refusal(exc: moderation.DecisionError) -> exceptions.APIException:
    """The API answer to a refused transition: ``403 permission.denied`` when the reviewer's role
    may not take it, ``400 note.required``, else ``409`` with the rule's code
    (``submission.checks_running``, ``package.suspended`` …; ``docs/state-machines.md``)."""
    if exc.code == "permission.denied":
        return exceptions.PermissionDenied(str(exc), code=exc.code)
    if exc.code == "note.required":
        return exceptions.ValidationError({"note": [exceptions.ErrorDetail(str(exc), code=exc.code)]})
    return NotDecidable(str(exc), code=exc.code)


# --- replies -------------------------------------------------------------------------------------


class QueueItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    packageId = serializers.CharField(help_text="The package identifier.")  # noqa: N815
    version = serializers.CharField()
    publisher = serializers.CharField(help_text="The publisher's slug.")
    kind = serializers.CharField(help_text="The package's kind (slug, singular).")
    isNewPackage = serializers.BooleanField(help_text="No release of the package is published yet.")  # noqa: N815
    flagged = serializers.BooleanField()
    escalated = serializers.BooleanField(help_text="Flagged for a senior reviewer.")
    highestSeverity = serializers.CharField(  # noqa: N815
        allow_null=True,
        help_text=f"Of the scan findings: {', '.join(Severity.values)}; null without findings.",
    )
    auditScore = serializers.IntegerField(allow_null=True, help_text="0 to 100.")  # noqa: N815
    auditVerdict = serializers.CharField(  # noqa: N815
        allow_null=True, help_text=f"{', '.join(AuditVerdict.values)}, or null before the checks."
    )
    queuedAt = serializers.CharField(help_text="Place in the queue, UTC ISO 8601 ending in Z.")  # noqa: N815
    dueAt = serializers.CharField(help_text="When a decision is due, UTC ISO 8601 ending in Z.")  # noqa: N815
    overdue = serializers.BooleanField()
    url = serializers.URLField(help_text="The submission's review page.")

    @staticmethod
    def build(submission: Submission, *, now) -> dict:
        return {
            "id": submission.pk,
            "packageId": submission.package.identifier,
            "version": submission.release.version,
            "publisher": submission.publisher.slug,
            "kind": submission.package.kind.slug,
            "isNewPackage": submission.is_new_package,
            "flagged": submission.flagged,
            "escalated": submission.escalated,
            "highestSeverity": submission.highest_severity,
            "auditScore": submission.audit_score,
            "auditVerdict": submission.audit_verdict or None,
            "queuedAt": utc_z(submission.queued_at or submission.created_at),
            "dueAt": utc_z(queue.due_at(submission)),
            "overdue": queue.is_overdue(submission, now=now),
            "url": settings.SITE_URL + reverse("admin:publishing_submission_change", args=[submission.pk]),
        }


class QueueReplySerializer(serializers.Serializer):
    ok = serializers.BooleanField(default=True)
    items = QueueItemSerializer(many=True)
    total = serializers.IntegerField(help_text="Submissions awaiting a decision.")
    page = serializers.IntegerField()
    limit = serializers.IntegerField()


# --- views ----------------------------------------------------------------------------------------


class QueueApi(StaffApiView):
    """``GET /cp/api/v1/admin/marketplace/queue``: submissions awaiting a decision, oldest first."""

    class QuerySerializer(serializers.Serializer):
        page = serializers.IntegerField(min_value=1, default=1)
        limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)

    @extend_schema(
        operation_id="staff_queue",
        tags=_TAGS,
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="1-based page (default 1)."),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"Items per page, 1 to {MAX_LIMIT}."),
        ],
        responses={200: QueueReplySerializer, 400: _ERROR, 401: _ERROR, 403: _ERROR},
    )
    def get(self, request) -> Response:
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page, limit = query.validated_data["page"], query.validated_data["limit"]
        waiting = queue.awaiting()
        total = waiting.count()
        start = (page - 1) * limit
        rows = waiting.select_related("package__kind", "release", "publisher").prefetch_related(
            Prefetch("findings", queryset=ScanFinding.objects.only("submission", "severity"))
        )[start : start + limit]
        now = timezone.now()
        return Response(
            {
                "ok": True,
                "items": [QueueItemSerializer.build(s, now=now) for s in rows],
                "total": total,
                "page": page,
                "limit": limit,
            }
        )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")


class DecisionApi(StaffApiView):
    """``POST /cp/api/v1/admin/marketplace/queue/{id}/<decision>`` → ``204``."""

    required_permission = "publishing.decide_submission"
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    #: The moderation service this endpoint calls.
    service = None
    note_required = False

    def post(self, request, pk: int) -> Response:
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = data.validated_data["note"].strip()
        if self.note_required and not note:
            raise exceptions.ValidationError(
                {"note": [exceptions.ErrorDetail("A note for the author is required.", code="note.required")]}
            )
        submission = Submission.objects.filter(pk=pk).first()
        if submission is None:
            raise exceptions.NotFound(f"No submission #{pk}.")
        try:
            self.service(submission=submission, reviewer=request.user, note=note)
        except moderation.DecisionError as exc:
            raise refusal(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


def _decision_schema(operation_id: str, description: str):
    codes = (400, 401, 403, 404, 409)
    return extend_schema(
        operation_id=operation_id,
        tags=_TAGS,
        description=description,
        request=NoteSerializer,
        responses={204: OpenApiResponse(description="Done."), **{c: _ERROR for c in codes}},
    )


class ApproveApi(DecisionApi):
    service = staticmethod(moderation.submission_approve)

    @_decision_schema("staff_queue_approve", "Approve and publish; `note` is optional.")
    def post(self, request, pk: int) -> Response:
        return super().post(request, pk)


class RejectApi(DecisionApi):
    service = staticmethod(moderation.submission_reject)
    note_required = True

    @_decision_schema(
        "staff_queue_reject", "Reject with a note the author reads (`400 note.required` without)."
    )
    def post(self, request, pk: int) -> Response:
        return super().post(request, pk)


class FlagApi(DecisionApi):
    service = staticmethod(moderation.submission_flag)

    @_decision_schema("staff_queue_flag", "Flag for a senior reviewer; stays in the queue, escalated.")
    def post(self, request, pk: int) -> Response:
        return super().post(request, pk)
