"""Admin for reviews: read-only, with "hide" and "show again" actions that take a reason.

Both actions call ``moderation.reviews``, which
checks :data:`catalog.reviews.HIDE_PERMISSION` again and writes the audit log.
Reviews are never edited or deleted here: hiding keeps the customer's words
for the record and takes them out of the rating.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.utils.text import Truncator

from catalog import reviews
from catalog.models import Review
from marketplace.admin import ReadOnlyAdmin

from .. import reviews as review_moderation
from .actions import apply_each


class HiddenFilter(admin.SimpleListFilter):
    title = "visibility"
    parameter_name = "hidden"

    def lookups(self, request, model_admin):
        return [("no", "Visible"), ("yes", "Hidden")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(hidden_reason="")
        if self.value() == "no":
            return queryset.filter(hidden_reason="")
        return queryset


class ReviewActionForm(ActionForm):
    reason = forms.CharField(
        required=False,
        label="Reason",
        max_length=reviews.HIDDEN_REASON_MAX,
        widget=forms.TextInput(
            attrs={"size": 50, "placeholder": "Required to hide; the review's author reads it"}
        ),
    )


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("package", "user", "rating", "excerpt", "has_reply", "hidden_column", "created_at")
    list_filter = (HiddenFilter, "rating")
    search_fields = ("package__identifier", "user__username", "user__email", "text")
    list_select_related = ("package", "user")
    readonly_fields = [f.name for f in Review._meta.fields]
    date_hierarchy = "created_at"
    action_form = ReviewActionForm
    actions = ["hide", "unhide"]

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or self.has_hide_permission(request)

    def has_hide_permission(self, request) -> bool:
        return request.user.has_perm(reviews.HIDE_PERMISSION)

    @admin.display(description="review")
    def excerpt(self, obj: Review) -> str:
        return Truncator(obj.text).chars(80) or "—"

    @admin.display(description="reply", boolean=True)
    def has_reply(self, obj: Review) -> bool:
        return bool(obj.reply)

    @admin.display(description="hidden", ordering="hidden_reason")
    def hidden_column(self, obj: Review) -> str:
        return obj.hidden_reason or "—"

    @admin.action(description="Hide from the public (reason required)", permissions=["hide"])
    def hide(self, request, queryset):
        reason = request.POST.get("reason", "")
        apply_each(
            self,
            request,
            queryset.select_related("package", "user"),
            lambda r: review_moderation.review_hide(review=r, reviewer=request.user, reason=reason),
            done="Hid {} review(s).",
            refused=(reviews.ReviewError,),
        )

    @admin.action(description="Show again", permissions=["hide"])
    def unhide(self, request, queryset):
        note = request.POST.get("reason", "")
        apply_each(
            self,
            request,
            queryset.select_related("package", "user"),
            lambda r: review_moderation.review_unhide(review=r, reviewer=request.user, note=note),
            done="Showed again {} review(s).",
            refused=(reviews.ReviewError,),
        )
