"""Staff views of money: payments (with refunds and platform totals), connected accounts, webhook
events and subscriptions, all read-only (Stripe and the webhooks are the only writers); and the
account plans, which staff edit."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from marketplace.admin import ReadOnlyAdmin

from . import checkout, earnings
from .models import ConnectedAccount, Payment, Plan, Subscription, WebhookEvent
from .plans import EFFECTIVE_STATUSES


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "kind",
        "package",
        "buyer",
        "amount_cents",
        "application_fee_cents",
        "refunded_cents",
        "status",
        "paid_at",
    ]
    list_filter = ["status", "kind", "currency"]
    search_fields = ["checkout_session_id", "payment_intent_id", "buyer__email", "package__identifier"]
    date_hierarchy = "created_at"
    list_select_related = ["package", "buyer"]
    actions = ["refund"]
    change_list_template = "admin/licensing/payment/change_list.html"

    def has_change_permission(self, request, obj=None) -> bool:
        # Needed for actions; every field stays read-only.
        return request.user.has_perm("licensing.change_payment")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    @admin.action(description="Refund in full (reverse the transfer and the application fee)")
    def refund(self, request, queryset) -> None:
        for payment in queryset:
            try:
                checkout.refund_start(payment=payment, reviewer=request.user)
            except checkout.CheckoutError as exc:
                self.message_user(request, f"Payment {payment.pk}: {exc}", messages.WARNING)
            else:
                self.message_user(request, f"Payment {payment.pk}: refund requested.", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "platform_totals": earnings.totals(payments_qs=earnings.sales()),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def get_urls(self):
        totals = path(
            "totals/", self.admin_site.admin_view(self.totals_view), name="licensing_payment_totals"
        )
        return [totals, *super().get_urls()]

    def totals_view(self, request: HttpRequest) -> HttpResponse:
        """Platform totals per month and per publisher (staff who may view payments)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Platform totals",
            "opts": self.model._meta,
            "report": earnings.platform_report(),
        }
        return TemplateResponse(request, "admin/licensing/payment/totals.html", context)


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(ReadOnlyAdmin):
    list_display = [
        "publisher",
        "stripe_account_id",
        "details_submitted",
        "charges_enabled",
        "payouts_enabled",
    ]
    list_filter = ["charges_enabled", "payouts_enabled"]
    search_fields = ["stripe_account_id", "publisher__slug"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at"]
    list_filter = ["type"]
    search_fields = ["event_id"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Account plans (issue 6): staff edit prices, caps, publishing and seats here."""

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
