"""The fake gateway's stand-ins for Stripe's hosted checkout and onboarding (``STRIPE_BACKEND=fake`` only)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from marketplace.settings import StripeBackend

from ..constants import PaymentKind, PaymentStatus
from ..gateways import fake
from ..models import ConnectedAccount, Payment
from .earnings import _member_publisher


def _fake_only() -> None:
    if settings.STRIPE_BACKEND is not StripeBackend.FAKE:
        raise Http404("The fake gateway is off.")


def fake_checkout(request: HttpRequest, session_id: str) -> HttpResponse:
    """Stands in for Stripe Checkout: Pay sends our endpoint the signed events Stripe would send."""
    _fake_only()
    payment = get_object_or_404(
        Payment.objects.select_related("package", "buyer", "plan", "organization"),
        checkout_session_id=session_id,
    )
    plan_payment = payment.kind == PaymentKind.SUBSCRIPTION
    if request.method == "POST":
        if request.POST.get("action") == "pay":
            if payment.status == PaymentStatus.PENDING:
                if plan_payment:
                    objects = fake.fake_subscription_payment_objects(payment)
                    events = ("checkout.session.completed", "invoice.paid")
                else:
                    objects = fake.fake_payment_objects(payment)
                    events = ("checkout.session.completed", "payment_intent.succeeded")
                for event_type in events:
                    fake.deliver_event(event_type, objects[event_type])
            if plan_payment:
                return redirect(f"{reverse('plans:page')}?checkout=success")
            return redirect("licensing:checkout-success", payment_id=payment.pk)
        messages.info(request, "Checkout cancelled: you were not charged.")
        return redirect("plans:page") if plan_payment else redirect(payment.package)
    context = {
        "payment": payment,
        "plan_payment": plan_payment,
        "author_share": payment.amount_cents - payment.application_fee_cents,
    }
    return render(request, "licensing/fake_checkout.html", context)


@login_required
def fake_onboarding(request: HttpRequest, account_id: str) -> HttpResponse:
    """Stands in for Stripe's Express onboarding: Complete sends a signed ``account.updated``.

    Only a member of the publisher that owns the account may see or complete it, as on the Earnings
    pages that start onboarding (404 for an unknown account, 403 for anyone else).
    """
    _fake_only()
    account = get_object_or_404(
        ConnectedAccount.objects.select_related("publisher"), stripe_account_id=account_id
    )
    _member_publisher(request, account.publisher.slug)
    return_url = request.GET.get("return_url", "")
    if not url_has_allowed_host_and_scheme(return_url, allowed_hosts={request.get_host()}) and not (
        return_url.startswith(settings.SITE_URL + "/")
    ):
        return_url = ""
    if request.method == "POST":
        fake.deliver_event(
            "account.updated",
            {
                "id": account.stripe_account_id,
                "object": "account",
                "type": "express",
                "details_submitted": True,
                "charges_enabled": True,
                "payouts_enabled": True,
            },
        )
        return redirect(return_url or "licensing:earnings", *([] if return_url else [account.publisher.slug]))
    return render(request, "licensing/fake_onboarding.html", {"account": account, "return_url": return_url})
