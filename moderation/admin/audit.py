"""The audit log of decisions (visible to reviewers, never editable) and the canned reasons staff edit."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from marketplace.admin import ReadOnlyAdmin
from marketplace.text import validate_single_line

from ..models import CannedReason, Decision


def _link(obj, label: str) -> tuple[str, str]:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk]), label


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "targets", "action", "reviewer_column", "note_column", "transition")
    list_filter = ("action", ("reviewer", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "package__identifier",
        "submission__package__identifier",
        "release__version",
        "publisher__slug",
        "publisher__name",
        "note",
        "reviewer__email",
    )
    date_hierarchy = "created_at"
    list_select_related = (
        "submission__package",
        "submission__release",
        "package",
        "release__package",
        "publisher",
        "reviewer",
    )
    actions = None
    fields = ("created_at", "targets", "action", "reviewer_column", "note", "transition")
    readonly_fields = fields

    @admin.display(description="targets")
    def targets(self, obj: Decision) -> str:
        links = []
        if obj.submission_id:
            links.append(_link(obj.submission, f"submission #{obj.submission_id}"))
        if obj.package_id:
            links.append(_link(obj.package, obj.package.identifier))
        if obj.release_id:
            links.append(_link(obj.release, f"release {obj.release.version}"))
        if obj.publisher_id:
            links.append(_link(obj.publisher, f"publisher {obj.publisher.name}"))
        return format_html_join(" · ", '<a href="{}">{}</a>', links) or "—"

    @admin.display(description="reviewer", ordering="reviewer__email")
    def reviewer_column(self, obj: Decision) -> str:
        return obj.reviewer.email if obj.reviewer else "system"

    @admin.display(description="note")
    def note_column(self, obj: Decision) -> str:
        return (
            format_html('<span title="{}">{}</span>', obj.note, Truncator(obj.note).chars(80))
            if obj.note
            else ""
        )

    @admin.display(description="status before → after")
    def transition(self, obj: Decision) -> str:
        if not obj.status_before and not obj.status_after:
            return "—"
        return f"{obj.status_before or '—'} → {obj.status_after or '—'}"


class CannedReasonForm(forms.ModelForm):
    """A canned reason's fields; its title is one line (``marketplace.text.validate_single_line``)."""

    title = forms.CharField(max_length=100, validators=[validate_single_line])

    class Meta:
        model = CannedReason
        fields = ("action", "title", "text", "enabled", "position")


@admin.register(CannedReason)
class CannedReasonAdmin(admin.ModelAdmin):
    """Reusable notes reviewers pick in a submission's decision form; staff with the model permissions edit them."""

    form = CannedReasonForm

    list_display = ("title", "action", "enabled", "position", "text_preview")
    list_filter = ("action", "enabled")
    list_editable = ("enabled", "position")
    search_fields = ("title", "text")
    ordering = ("action", "position", "title")
    fields = ("action", "title", "text", "enabled", "position")

    @admin.display(description="text")
    def text_preview(self, obj: CannedReason) -> str:
        return Truncator(obj.text).chars(100)
