"""Admin for publishing rows: signing keys, and the YARA scan rules staff edit.

The moderation queue (submissions and decisions) is in the reviewer console, ``moderation/admin/``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from . import scanning
from .models import ScanRule, SigningKey


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ("label", "publisher", "fingerprint", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("label", "fingerprint", "publisher__slug", "publisher__name")
    readonly_fields = ("publisher", "public_key", "fingerprint", "created_by", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        # Keys are registered by their publisher (``services.signing_key_register``, which names the
        # publisher and checks the key); the admin form has no publisher to save one with.
        return False


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
