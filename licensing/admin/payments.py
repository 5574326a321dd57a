"""Staff views of money: payments (with refunds and platform totals), connected accounts and webhook
events, all read-only (Stripe and the webhooks are the only writers)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from marketplace.admin import ReadOnlyAdmin

from .. import checkout, earnings
from ..models import ConnectedAccount, Payment, WebhookEvent


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
        """Platform totals per month and per publisher: staff who may view payments, and the reviewer
        groups, which hold ``licensing.view_platform_totals`` (``moderation.roles``; README, "Staff see
        platform totals")."""
        if not (self.has_view_permission(request) or request.user.has_perm("licensing.view_platform_totals")):
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
