"""The reviewer console: submissions with their findings and manifest, and decisions as actions."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from catalog.permissions import explain_permissions
from moderation import services as moderation

from .constants import SEVERITY_RANK
from .models import ApiToken, ScanFinding, ScanRule, SigningKey, Submission


class DecisionActionForm(ActionForm):
    """The admin action bar, with the note that reject and request changes require."""

    note = forms.CharField(
        required=False,
        label="Note to the author",
        widget=forms.TextInput(attrs={"size": 60, "placeholder": "Required to reject or request changes"}),
    )


class ScanFindingInline(admin.TabularInline):
    model = ScanFinding
    extra = 0
    can_delete = False
    fields = ("severity", "code", "message", "path", "line", "field", "excerpt")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class HighestSeverityFilter(admin.SimpleListFilter):
    title = "highest finding severity"
    parameter_name = "severity"

    def lookups(self, request, model_admin):
        return [(s, s.title()) for s in SEVERITY_RANK]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in SEVERITY_RANK:
            return queryset
        higher = [s for s, rank in SEVERITY_RANK.items() if rank > SEVERITY_RANK[value]]
        return queryset.filter(findings__severity=value).exclude(findings__severity__in=higher).distinct()


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Read-only for reviewers; decisions go through ``moderation.services`` as actions."""

    list_display = (
        "id",
        "package",
        "version",
        "publisher",
        "status",
        "flagged",
        "audit_verdict",
        "is_new_package",
        "created_at",
    )
    list_filter = (
        "status",
        "flagged",
        "audit_verdict",
        "is_new_package",
        HighestSeverityFilter,
        "package__kind",
        "package__category",
    )
    search_fields = (
        "package__identifier",
        "package__display_name",
        "publisher__name",
        "publisher__slug",
    )
    ordering = ("created_at",)
    date_hierarchy = "created_at"
    inlines = [ScanFindingInline]
    action_form = DecisionActionForm
    actions = ["approve", "reject", "request_changes"]
    fields = (
        "package",
        "version",
        "publisher",
        "submitted_by",
        "status",
        "flagged",
        "flag_reasons",
        "similar_to",
        "audit_score",
        "audit_verdict",
        "is_new_package",
        "api_token",
        "client_ip",
        "filename",
        "upload_sha256",
        "upload_size",
        "signing_key",
        "permissions_explained",
        "manifest_table",
        "release_notes",
        "reviewer_notes",
        "decided_by",
        "decided_at",
        "checked_at",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("package", "release__signing_key", "publisher")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("publishing.decide_submission")

    #: Decision name in the change page's form → moderation service and past-tense verb.
    DECISIONS = {
        "approve": (moderation.submission_approve, "Approved"),
        "reject": (moderation.submission_reject, "Rejected"),
        "request_changes": (moderation.submission_request_changes, "Sent back"),
    }

    def get_urls(self):
        decide = self.admin_site.admin_view(require_POST(self.decide_view))
        return [
            path("<int:object_id>/decide/", decide, name="publishing_submission_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        submission = self.get_object(request, object_id)
        can_decide = (
            submission is not None
            and self.has_decide_permission(request)
            and submission.status in moderation.DECIDABLE
        )
        extra_context = {**(extra_context or {}), "can_decide": can_decide}
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        """Apply the decision posted from a submission's page (``decision`` and ``note``)."""
        if not self.has_decide_permission(request):
            raise PermissionDenied
        submission = get_object_or_404(Submission, pk=object_id)
        decision = self.DECISIONS.get(request.POST.get("decision", ""))
        if decision is None:
            self.message_user(request, "Choose a decision.", messages.ERROR)
        else:
            self._decide(request, [submission], decision[0], decision[1])
        return HttpResponseRedirect(reverse("admin:publishing_submission_change", args=[submission.pk]))

    @admin.display(description="version")
    def version(self, obj: Submission) -> str:
        return obj.release.version

    @admin.display(description="signing key")
    def signing_key(self, obj: Submission) -> str:
        key = obj.release.signing_key
        return f"{key.label} — {key.fingerprint}" + (" (revoked)" if key.revoked_at else "")

    @admin.display(description="permissions")
    def permissions_explained(self, obj: Submission) -> str:
        items = explain_permissions(obj.release.permissions)
        if not items:
            return "None requested."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li><code>{}</code> — {}</li>", ((i["name"], i["explanation"]) for i in items)
            ),
        )

    @admin.display(description="manifest")
    def manifest_table(self, obj: Submission) -> str:
        rows = (
            (
                key,
                value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False),
            )
            for key, value in obj.release.manifest.items()
        )
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join(
                "", '<tr><th>{}</th><td><pre style="white-space: pre-wrap">{}</pre></td></tr>', rows
            ),
        )

    def _decide(self, request: HttpRequest, queryset, decide, verb: str) -> None:
        note = request.POST.get("note", "")
        done = 0
        for submission in queryset:
            try:
                decide(submission=submission, reviewer=request.user, note=note)
            except moderation.DecisionError as exc:
                self.message_user(request, f"#{submission.pk}: {exc}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} submission(s).", messages.SUCCESS)

    @admin.action(description="Approve and publish", permissions=["decide"])
    def approve(self, request, queryset):
        self._decide(request, queryset, moderation.submission_approve, "Approved")

    @admin.action(description="Reject (note required)", permissions=["decide"])
    def reject(self, request, queryset):
        self._decide(request, queryset, moderation.submission_reject, "Rejected")

    @admin.action(description="Request changes (note required)", permissions=["decide"])
    def request_changes(self, request, queryset):
        self._decide(request, queryset, moderation.submission_request_changes, "Sent back")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff see every token and can revoke any; the secret itself is never stored."""

    list_display = ("name", "token_prefix", "user", "publisher", "package", "is_staff_token", "expires_at")
    list_display += ("last_used_at", "last_used_ip", "revoked_at")
    list_filter = ("is_staff_token", "revoked_at")
    search_fields = ("name", "token_prefix", "user__email", "publisher__slug", "package__identifier")
    list_select_related = ("user", "publisher", "package")
    readonly_fields = [f.name for f in ApiToken._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        from .tokens import api_token_revoke

        tokens = [token for token in queryset if token.revoked_at is None]
        for token in tokens:
            api_token_revoke(token=token, by=request.user)
        self.message_user(request, f"Revoked {len(tokens)} token(s).", messages.SUCCESS)


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ("label", "publisher", "fingerprint", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("label", "fingerprint", "publisher__slug", "publisher__name")
    readonly_fields = ("publisher", "public_key", "fingerprint", "created_by", "created_at")


# --- YARA scan rules -------------------------------------------------------------------------
# Appended by the scanning work; the lead may fold this import into the import block at the top.


class ScanRuleForm(forms.ModelForm):
    """Refuses a YARA source that does not compile, makes YARA warn (a slow string), or holds more than one rule."""

    class Meta:
        model = ScanRule
        fields = ("name", "description", "severity", "enabled", "source")
        widgets = {
            "source": forms.Textarea(attrs={"rows": 24, "cols": 110, "style": "font-family: monospace"}),
        }

    def clean_source(self) -> str:
        from . import scanning

        source = self.cleaned_data["source"]
        try:
            scanning.validate_rule_source(source)
        except ValueError as exc:
            raise forms.ValidationError(
                "YARA cannot use this rule: %(error)s", params={"error": str(exc)}
            ) from exc
        return source


@admin.register(ScanRule)
class ScanRuleAdmin(admin.ModelAdmin):
    """Staff edit the YARA rules every scan runs; a saved change applies from the next scan on."""

    form = ScanRuleForm
    list_display = ("name", "severity", "enabled", "description", "updated_at")
    list_filter = ("enabled", "severity")
    search_fields = ("name", "description", "source")
    readonly_fields = ("created_at", "updated_at")
    ordering = ("name",)
