"""'My licenses' (``/account/licenses/``): a customer's keys, activations and receipts.

Keys are shown masked (``ARG-…-XXXX``); a POST reveals one key in the reply
(never in a URL, never cached). Deactivating an installation is a POST too.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import licenses
from ..models import Activation, License


def _owned_licenses(user):
    return (
        License.objects.filter(owner=user)
        .select_related("package", "package__publisher")
        .prefetch_related(
            Prefetch(
                "activations",
                queryset=Activation.objects.filter(deactivated_at__isnull=True),
                to_attr="active_activations",
            ),
            "payments",
        )
    )


def _render(request: HttpRequest, *, revealed: License | None = None, key: str = "") -> HttpResponse:
    now = timezone.now()
    rows = []
    for license in _owned_licenses(request.user):
        rows.append(
            {
                "license": license,
                "status": licenses.status_of(license, now=now),
                "key": key if revealed is not None and license.pk == revealed.pk else "",
                "receipts": [
                    (payment, f"${payment.amount_cents // 100}.{payment.amount_cents % 100:02d}")
                    for payment in license.payments.all()
                ],
            }
        )
    return render(request, "licensing/licenses.html", {"rows": rows})


@never_cache
@login_required
@require_GET
def license_list(request: HttpRequest) -> HttpResponse:
    return _render(request)


@never_cache
@login_required
@require_POST
def license_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one key in clear, in the reply to a POST (so it is in no URL, history or cache)."""
    license = get_object_or_404(License, pk=pk, owner=request.user)
    return _render(request, revealed=license, key=licenses.license_reveal(license))


@login_required
@require_POST
def activation_deactivate(request: HttpRequest, pk: int, activation_pk: int) -> HttpResponse:
    license = get_object_or_404(License, pk=pk, owner=request.user)
    licenses.activation_release_by_owner(license=license, activation_id=activation_pk, user=request.user)
    messages.success(request, "The installation was deactivated; its activation is free again.")
    return redirect("licenses:list")
