"""Admin for publishing rows: API tokens (revoke), signing keys, and the YARA scan rules staff edit.

The moderation queue (submissions and decisions) is in the reviewer console, ``moderation/admin/``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from tokens.models import ApiToken

from . import scanning
from .models import ScanRule, SigningKey
from .tokens import api_token_revoke


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


class ScanRuleForm(forms.ModelForm):
    """Refuses a YARA source that does not compile, makes YARA warn (a slow string), or holds more than one rule."""

    class Meta:
        model = ScanRule
        fields = ("name", "description", "severity", "enabled", "source")
        widgets = {
            "source": forms.Textarea(attrs={"rows": 24, "cols": 110, "style": "font-family: monospace"}),
        }

    def clean_source(self) -> str:
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
