"""Reply shapes of the publishing API (camelCase, as the ArgentOS CLI reads them).

Input serializers live inside their views (``InputSerializer``); these are the
outputs, used to build replies and to document them in the OpenAPI schema.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from api.serializers import ErrorSerializer, put_present, utc_z
from publishing.constants import PublishOutcome, SubmissionStatus
from publishing.models import ScanFinding, Submission


class SubmissionLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The submission's page on the marketplace.")


class PublishReplySerializer(serializers.Serializer):
    """``POST /api/v1/publish`` and ``POST /api/v1/marketplace/{category}/items``: 201 or 202."""

    ok = serializers.BooleanField(default=True)
    packageId = serializers.CharField(help_text="The package identifier (manifest `id`).")  # noqa: N815
    version = serializers.CharField()
    fileHash = serializers.CharField(help_text="SHA-256 of the uploaded file, lowercase hex.")  # noqa: N815
    status = serializers.ChoiceField(choices=PublishOutcome.choices)
    submission = SubmissionLinkSerializer()
    warnings = ErrorSerializer(many=True)

    @staticmethod
    def build(submission: Submission, warnings: list[dict]) -> dict:
        return {
            "ok": True,
            "packageId": submission.package.identifier,
            "version": submission.version,
            "fileHash": submission.upload_sha256,
            "status": submission.outcome,
            "submission": {"id": submission.pk, "url": settings.SITE_URL + submission.get_absolute_url()},
            "warnings": warnings,
        }


class FindingSerializer(serializers.ModelSerializer):
    """One scan finding; empty ``path``/``field``/``excerpt`` are null."""

    path = serializers.SerializerMethodField()
    field = serializers.SerializerMethodField()
    excerpt = serializers.SerializerMethodField()

    class Meta:
        model = ScanFinding
        fields = ["code", "severity", "message", "path", "field", "line", "excerpt"]

    def get_path(self, obj: ScanFinding) -> str | None:
        return obj.path or None

    def get_field(self, obj: ScanFinding) -> str | None:
        return obj.field or None

    def get_excerpt(self, obj: ScanFinding) -> str | None:
        return obj.excerpt or None


class SubmissionReplySerializer(serializers.Serializer):
    """``GET /api/v1/submissions/{id}``."""

    ok = serializers.BooleanField(default=True)
    id = serializers.IntegerField()
    url = serializers.URLField()
    packageId = serializers.CharField()  # noqa: N815
    version = serializers.CharField()
    fileHash = serializers.CharField()  # noqa: N815
    changelog = serializers.CharField(
        help_text="The release notes sent with the upload (Markdown); empty when none."
    )
    status = serializers.ChoiceField(choices=PublishOutcome.choices, help_text="As in the publish reply.")
    reviewStatus = serializers.ChoiceField(  # noqa: N815
        choices=SubmissionStatus.choices, help_text="The submission's internal state."
    )
    flagged = serializers.BooleanField()
    flagReasons = serializers.ListField(child=serializers.CharField())  # noqa: N815
    findings = FindingSerializer(many=True)
    reviewerNotes = serializers.CharField(allow_blank=True)  # noqa: N815
    auditScore = serializers.IntegerField(allow_null=True, help_text="0 to 100.")  # noqa: N815
    auditVerdict = serializers.CharField(allow_null=True)  # noqa: N815
    createdAt = serializers.CharField(help_text="UTC, ISO 8601 ending in Z.")  # noqa: N815
    checkedAt = serializers.CharField(allow_null=True)  # noqa: N815
    decidedAt = serializers.CharField(allow_null=True)  # noqa: N815

    @staticmethod
    def build(submission: Submission) -> dict:
        return {
            "ok": True,
            "id": submission.pk,
            "url": settings.SITE_URL + submission.get_absolute_url(),
            "packageId": submission.package.identifier,
            "version": submission.version,
            "fileHash": submission.upload_sha256,
            "changelog": submission.release_notes,
            "status": submission.outcome,
            "reviewStatus": submission.status,
            "flagged": submission.flagged,
            "flagReasons": list(submission.flag_reasons or []),
            "findings": FindingSerializer(submission.findings.order_by("pk"), many=True).data,
            "reviewerNotes": submission.reviewer_notes,
            "auditScore": submission.audit_score,
            "auditVerdict": submission.audit_verdict or None,
            "createdAt": utc_z(submission.created_at),
            "checkedAt": utc_z(submission.checked_at),
            "decidedAt": utc_z(submission.decided_at),
        }


class PackageSubmissionSerializer(serializers.BaseSerializer):
    """A submission as an ObjectStack ``PackageSubmission`` (docs/api.md, "ObjectStack dialect"); expects ``findings`` prefetched.

    Statuses the schema does not know are sent as ``pending``; optional fields are left out when empty.
    """

    BLOCKING = ("high", "critical")

    def to_representation(self, submission) -> dict:
        findings = list(submission.findings.all())
        out = {
            "id": str(submission.pk),
            "packageId": submission.package.identifier,
            "version": submission.version,
            "publisherId": submission.publisher.slug,
            "status": submission.status
            if submission.status in SubmissionStatus.values
            else SubmissionStatus.PENDING,
            "artifactUrl": self.context["request"].build_absolute_uri(submission.get_absolute_url()),
            "isNewListing": submission.is_new_package,
        }
        put_present(out, "releaseNotes", submission.release_notes)
        if submission.checked_at is not None:
            scan = {
                "passed": not submission.flagged and not any(f.severity in self.BLOCKING for f in findings),
                "issues": [],
            }
            if submission.audit_score is not None:
                scan["securityScore"] = submission.audit_score
            for finding in findings:
                issue = {"severity": finding.severity, "message": finding.message}
                put_present(issue, "file", finding.path)
                put_present(issue, "line", finding.line)
                scan["issues"].append(issue)
            out["scanResults"] = scan
        put_present(out, "reviewerNotes", submission.reviewer_notes)
        out["submittedAt"] = utc_z(submission.created_at)
        put_present(out, "reviewedAt", utc_z(submission.decided_at))
        return out
