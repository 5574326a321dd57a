"""The audit log of decisions: visible to reviewers, never editable."""

from django.contrib import admin

from .models import Decision


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "submission",
        "action",
        "reviewer",
        "status_before",
        "status_after",
    )
    list_filter = ("action",)
    search_fields = ("submission__package__identifier", "note", "reviewer__email")
    list_select_related = ("submission__package", "submission__release", "reviewer")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Reports, blocklist, retro-hunts and verification requests register themselves there.
from . import admin_reports  # noqa: E402, F401
