"""Authors' money pages: Stripe Connect onboarding, and a publisher's earnings (with CSV export)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from catalog.models import Publisher

from .. import connect, earnings
from ..models import ConnectedAccount


def _member_publisher(request: HttpRequest, slug: str) -> Publisher:
    publisher = get_object_or_404(Publisher, slug=slug)
    if not publisher.has_member(request.user):
        raise PermissionDenied("You are not a member of this publisher.")
    return publisher


@login_required
@require_POST
def connect_start(request: HttpRequest, slug: str) -> HttpResponse:
    publisher = _member_publisher(request, slug)
    return redirect(connect.connect_onboarding_start(publisher=publisher, user=request.user))


@login_required
def connect_refresh(request: HttpRequest, slug: str) -> HttpResponse:
    """Stripe sends the author here when an Account Link expired: make a fresh one."""
    publisher = _member_publisher(request, slug)
    return redirect(connect.connect_onboarding_start(publisher=publisher, user=request.user))


@login_required
def connect_return(request: HttpRequest, slug: str) -> HttpResponse:
    """Back from onboarding (not proof it is finished): read the account's flags, show earnings."""
    publisher = _member_publisher(request, slug)
    account = ConnectedAccount.objects.filter(publisher=publisher).first()
    if account is not None:
        account = connect.connected_account_sync(account=account)
        if account.charges_enabled:
            messages.success(
                request, "Your Stripe account can accept payments: you can publish paid packages."
            )
        else:
            messages.info(request, "Stripe has not enabled charges yet; this page updates when it does.")
    return redirect("licensing:earnings", slug=publisher.slug)


@login_required
def earnings_page(request: HttpRequest, slug: str) -> HttpResponse:
    publisher = _member_publisher(request, slug)
    context = {
        "publisher": publisher,
        "account": ConnectedAccount.objects.filter(publisher=publisher).first(),
        "can_sell": connect.can_sell(publisher),
        "totals": earnings.totals(payments_qs=earnings.sales(publisher=publisher)),
        "rows": [(p, earnings.net(p)) for p in earnings.sales(publisher=publisher)[:200]],
    }
    return render(request, "licensing/earnings.html", context)


@login_required
def earnings_csv(request: HttpRequest, slug: str) -> HttpResponse:
    publisher = _member_publisher(request, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="earnings-{publisher.slug}.csv"'
    earnings.write_csv(response, publisher=publisher)
    return response
