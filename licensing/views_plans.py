"""The "Plan" page (``/account/plan/``): the plans with caps and prices, the customer's plan, their
installs against its caps, and the buttons that start a subscription checkout or cancel one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from catalog.constants import PublisherType

from . import plans
from .models import Plan


def _organizations(user):
    return user.publishers.filter(type=PublisherType.ORGANIZATION).order_by("name")


@never_cache
@login_required
@require_GET
def plan_page(request: HttpRequest) -> HttpResponse:
    subscription = plans.subscription_of(request.user)
    context = {
        "plans": [(plan, plans.caps_summary(plan)) for plan in Plan.objects.order_by("position", "pk")],
        "current": subscription.plan if subscription else plans.free_plan(),
        "subscription": subscription,
        "own": subscription is not None and subscription.user_id == request.user.pk,
        "usage": plans.plan_usage(request.user),
        "organizations": _organizations(request.user),
    }
    return render(request, "licensing/plan.html", context)
