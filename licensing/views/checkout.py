"""Buyers' money pages: the buy button, the checkout success page (with the key) and renewals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from catalog.models import Package

from .. import checkout
from .. import licenses as license_services
from ..constants import PaymentStatus
from ..models import License, Payment


@login_required
@require_POST
def package_buy(request: HttpRequest, identifier: str) -> HttpResponse:
    package = get_object_or_404(Package.objects.select_related("publisher"), identifier=identifier)
    try:
        url = checkout.checkout_start(buyer=request.user, package=package)
    except checkout.CheckoutError as exc:
        messages.error(request, str(exc))
        return redirect(package)
    return redirect(url)


def _own_payment(request: HttpRequest, payment_id: int) -> Payment:
    payment = get_object_or_404(Payment.objects.select_related("package", "license"), pk=payment_id)
    if payment.buyer_id != request.user.pk:
        raise Http404("No such payment.")
    return payment


@login_required
def checkout_success(request: HttpRequest, payment_id: int) -> HttpResponse:
    """The key once the payment is confirmed; until then a page that refreshes itself."""
    payment = _own_payment(request, payment_id)
    license = payment.license
    confirmed = payment.status == PaymentStatus.PAID and license is not None
    context = {
        "payment": payment,
        "license": license,
        "confirmed": confirmed,
        "key": license_services.license_reveal(license) if confirmed else "",
        "email": request.user.email,
    }
    return render(request, "licensing/checkout_success.html", context)


@login_required
def license_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """The renewal link of the reminder e-mails: a confirmation page whose button opens checkout."""
    license = get_object_or_404(License.objects.select_related("package"), pk=pk, owner=request.user)
    if request.method == "POST":
        try:
            return redirect(checkout.renewal_checkout_start(license=license))
        except checkout.CheckoutError as exc:
            messages.error(request, str(exc))
    until = license_services.renewal_until(license)
    return render(request, "licensing/license_renew.html", {"license": license, "until": until})
