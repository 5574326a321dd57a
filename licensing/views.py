"""Money pages: the webhook endpoint, buy and success pages, renewals, Connect onboarding, earnings,
and the fake gateway's stand-ins for Stripe's hosted pages (``STRIPE_BACKEND=fake`` only)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from catalog.models import Package, Publisher
from marketplace.settings import StripeBackend

from . import checkout, connect, earnings, webhooks
from . import licenses as license_services
from .constants import PaymentKind, PaymentStatus
from .gateways import fake
from .models import ConnectedAccount, License, Payment

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's deliveries: 400 for anything not signed with our endpoint secret, else 200 at once."""
    try:
        webhooks.webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except webhooks.WebhookRejected as exc:
        logger.warning("Rejected a Stripe webhook: %s", exc)
        return HttpResponseBadRequest("Invalid Stripe webhook.", content_type="text/plain")
    except webhooks.WebhookRetryLater as exc:
        logger.info("Stripe webhook deferred: %s", exc)
        return HttpResponse("Not ready; retry later.", status=503, content_type="text/plain")
    return JsonResponse({"received": True})


# --- buying -----------------------------------------------------------------------------------------


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


# --- the fake gateway's hosted pages ----------------------------------------------------------------


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


def fake_onboarding(request: HttpRequest, account_id: str) -> HttpResponse:
    """Stands in for Stripe's Express onboarding: Complete sends a signed ``account.updated``."""
    _fake_only()
    account = get_object_or_404(
        ConnectedAccount.objects.select_related("publisher"), stripe_account_id=account_id
    )
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


# --- authors: Connect and earnings ----------------------------------------------------------------


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
