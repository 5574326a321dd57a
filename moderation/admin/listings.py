"""The reviewer console's listings and releases: suspend, unsuspend, deprecate, unlist, list again, yank.

Each action calls one ``moderation.services`` function, which takes the
listing's or release's transition (``moderation.transitions``): a refusal is
shown per object with its rule; the status fields are read-only in the forms.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.html import format_html

from catalog.models import Package, Release
from marketplace.admin import URL_FIELDS_HTTPS, ReadOnlyAdmin

from .. import services as moderation
from .actions import apply_each


class ListingActionForm(ActionForm):
    """The action bar of packages and releases: the reason customers and the author read."""

    reason = forms.CharField(
        required=False,
        label="Reason",
        widget=forms.TextInput(attrs={"size": 50, "placeholder": "Required to suspend, deprecate or yank"}),
    )
    replacement = forms.CharField(
        required=False,
        label="Replacement (deprecate)",
        widget=forms.TextInput(attrs={"size": 22, "placeholder": "package identifier"}),
    )


class ModerationActionsMixin:
    """Permission checks for the moderation actions, on the real permission codenames."""

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("catalog.moderate_package")

    def has_unsuspend_permission(self, request) -> bool:
        return request.user.has_perm("catalog.unsuspend_package")


@admin.register(Package)
class PackageAdmin(ModerationActionsMixin, admin.ModelAdmin):
    list_display = (
        "identifier",
        "display_name",
        "publisher",
        "kind",
        "category",
        "status",
        "latest_release",
    )
    list_filter = ("status", "kind", "category", "pricing")
    search_fields = ("identifier", "display_name", "publisher__name", "publisher__slug")
    list_select_related = ("publisher", "kind", "category", "latest_release__package")
    # The status and what goes with it change only through the listing's transitions (the actions).
    readonly_fields = (
        "status",
        "status_reason",
        "replacement",
        "latest_release",
        "created_at",
        "updated_at",
        "published_at",
    )
    formfield_overrides = URL_FIELDS_HTTPS
    action_form = ListingActionForm
    actions = ["suspend", "unsuspend", "deprecate", "unlist", "relist"]

    @admin.action(description="Suspend the listing (reason required)", permissions=["moderate"])
    def suspend(self, request, queryset):
        reason = request.POST.get("reason", "")
        apply_each(
            self,
            request,
            queryset,
            lambda p: moderation.package_suspend(package=p, reviewer=request.user, reason=reason),
            done="Suspended {} listing(s).",
        )

    @admin.action(description="Lift the suspension", permissions=["unsuspend"])
    def unsuspend(self, request, queryset):
        note = request.POST.get("reason", "")
        apply_each(
            self,
            request,
            queryset,
            lambda p: moderation.package_unsuspend(package=p, reviewer=request.user, note=note),
            done="Unsuspended {} listing(s).",
        )

    @admin.action(description="Deprecate (reason required, replacement optional)", permissions=["moderate"])
    def deprecate(self, request, queryset):
        reason = request.POST.get("reason", "")
        identifier = request.POST.get("replacement", "").strip()
        replacement = None
        if identifier:
            replacement = Package.objects.filter(identifier=identifier).first()
            if replacement is None:
                self.message_user(
                    request, f"No package {identifier!r} to name as the replacement.", messages.ERROR
                )
                return
        apply_each(
            self,
            request,
            queryset,
            lambda p: moderation.package_deprecate(
                package=p, reviewer=request.user, reason=reason, replacement=replacement
            ),
            done="Deprecated {} listing(s).",
        )

    @admin.action(description="List again (undo deprecate or unlist)", permissions=["moderate"])
    def relist(self, request, queryset):
        note = request.POST.get("reason", "")
        apply_each(
            self,
            request,
            queryset,
            lambda p: moderation.package_relist(package=p, reviewer=request.user, note=note),
            done="Listed {} listing(s) again.",
        )

    @admin.action(description="Unlist (hide from browsing and search)", permissions=["moderate"])
    def unlist(self, request, queryset):
        note = request.POST.get("reason", "")
        apply_each(
            self,
            request,
            queryset,
            lambda p: moderation.package_unlist(package=p, reviewer=request.user, note=note),
            done="Unlisted {} listing(s).",
        )


@admin.register(Release)
class ReleaseAdmin(ModerationActionsMixin, ReadOnlyAdmin):
    """Read-only: manifests and artifacts are never edited; a published release can be yanked."""

    list_display = ("package", "version", "published_at", "yanked_column", "size", "key_fingerprint")
    list_filter = ("yanked",)
    search_fields = ("package__identifier", "version", "artifact_sha256")
    list_select_related = ("package",)
    readonly_fields = [f.name for f in Release._meta.fields]
    action_form = ListingActionForm
    actions = ["yank"]

    @admin.display(description="yanked", ordering="yanked")
    def yanked_column(self, obj: Release) -> str:
        if not obj.yanked:
            return "—"
        return format_html('<span title="{}">yanked</span>', obj.yanked_reason)

    @admin.action(description="Yank the release (reason required)", permissions=["moderate"])
    def yank(self, request, queryset):
        reason = request.POST.get("reason", "")
        apply_each(
            self,
            request,
            queryset,
            lambda r: moderation.release_yank(release=r, reviewer=request.user, reason=reason),
            done="Yanked {} release(s).",
        )
