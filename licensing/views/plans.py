"""The "Plan" page (``/account/plan/``): the plans with caps and prices, the customer's plan, their
installs against its caps, and the buttons that start a subscription checkout or cancel one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateformat import format as date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from catalog.constants import PublisherType

from .. import plans, subscriptions
from ..models import Plan


def _organizations(user):
    return user.publishers.filter(type=PublisherType.ORGANIZATION).order_by("name")


@never_cache
@login_required
@require_GET
def plan_page(request: HttpRequest) -> HttpResponse:
    subscription = plans.subscription_of(request.user)
    if request.GET.get("checkout") == "success":
        if subscription is None:
            messages.info(
                request,
                "Thank you: your plan changes as soon as Stripe confirms the payment (usually seconds).",
            )
        else:
            renews = (
                f"It renews on {date_format(subscription.current_period_end, 'j M Y')}"
                if subscription.current_period_end
                else "It renews every month"
            )
            messages.success(
                request,
                f"You are now on the {subscription.plan.name} plan. {renews}; a confirmation is on its way "
                f"to {request.user.email}.",
            )
    context = {
        "plans": [(plan, plans.caps_summary(plan)) for plan in Plan.objects.order_by("position", "pk")],
        "current": subscription.plan if subscription else plans.free_plan(),
        "subscription": subscription,
        "own": subscription is not None and subscription.user_id == request.user.pk,
        "usage": plans.plan_usage(request.user),
        "organizations": _organizations(request.user),
    }
    return render(request, "licensing/plan.html", context)


@login_required
@require_POST
def plan_subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    """Start the Checkout Session of a paid plan (an organization is required for multi-member plans)."""
    plan = get_object_or_404(Plan, slug=slug)
    organization = None
    if request.POST.get("organization"):
        organization = _organizations(request.user).filter(slug=request.POST["organization"]).first()
    try:
        url = subscriptions.subscription_checkout_start(
            buyer=request.user, plan=plan, organization=organization
        )
    except subscriptions.SubscriptionError as exc:
        messages.error(request, str(exc))
        return redirect("plans:page")
    return redirect(url)


@login_required
@require_POST
def plan_cancel(request: HttpRequest) -> HttpResponse:
    """Cancel the customer's own paid subscription at Stripe (the webhook then moves them to Free)."""
    try:
        subscriptions.subscription_cancel_start(user=request.user)
    except subscriptions.SubscriptionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, "Your subscription is being cancelled; this page shows Free once Stripe confirms."
        )
    return redirect("plans:page")
