"""Staff views of account plans, which staff edit, and of subscriptions, which only the webhooks write."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q

from marketplace.admin import ReadOnlyAdmin

from ..models import Plan, Subscription
from ..plans import EFFECTIVE_STATUSES


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Account plans: staff edit prices, caps, publishing and seats here."""

    list_display = [
        "name",
        "slug",
        "price_cents",
        "install_caps",
        "can_publish",
        "max_members",
        "stripe_price_id",
        "position",
        "active_subscriptions",
    ]
    list_editable = ["position"]
    search_fields = ["name", "slug", "stripe_price_id"]
    ordering = ["position"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_count=Count("subscriptions", filter=Q(subscriptions__status__in=EFFECTIVE_STATUSES))
            )
        )

    @admin.display(description="Active subscriptions", ordering="active_count")
    def active_subscriptions(self, plan: Plan) -> int:
        return plan.active_count


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    """Subscriptions are written by the Stripe webhooks only; staff look them up here."""

    list_display = [
        "user",
        "plan",
        "organization",
        "status",
        "current_period_end",
        "stripe_subscription_id",
        "created_at",
    ]
    list_filter = ["plan", "status"]
    search_fields = ["user__email", "organization__slug", "organization__name", "stripe_subscription_id"]
    list_select_related = ["user", "plan", "organization"]
    date_hierarchy = "created_at"
