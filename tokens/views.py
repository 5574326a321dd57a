"""API token pages: list a publisher's tokens, create one (shown once), revoke one; the same for a
customer's account tokens (``/account/tokens/``: install and read, never publish).

Publisher tokens: members of the publisher only, signed in. They are author pages, so the
``publishing`` URLconf that mounts them adds its two-factor requirement
(``publishing.views.mfa_required``): this app sits below ``publishing`` and ``catalog`` and imports
neither; a publisher is looked up through the token's foreign key. Account tokens: their owner,
signed in. Both are made by :func:`tokens.services.api_token_create` and rendered by the same
templates (``templates/publishing/token_*.html``). The URL names stay in the ``publishing``
namespace (``publishing:token-list`` …).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from . import services
from .forms import AccountTokenForm, ApiTokenForm
from .models import ApiToken

#: Session key holding a just-created token until the list page shows it once.
NEW_TOKEN_SESSION_KEY = "publishing.new_api_token"  # noqa: S105 - a session key, not a secret.


def _member_publisher(request: HttpRequest, slug: str):
    """The ``catalog.Publisher`` called ``slug`` (404), when the signed-in user is a member (403)."""
    publisher_model = ApiToken._meta.get_field("publisher").related_model
    publisher = get_object_or_404(publisher_model, slug=slug)
    if not publisher.has_member(request.user):
        raise PermissionDenied("You are not a member of this publisher.")
    return publisher


@never_cache
@login_required
def token_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The publisher's tokens, and a just-created token's secret exactly once."""
    publisher = _member_publisher(request, slug)
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    if new_token and new_token.get("publisher") != publisher.slug:
        new_token = None
    api_tokens = publisher.api_tokens.select_related("package", "user", "revoked_by")
    context = {"publisher": publisher, "tokens": api_tokens, "new_token": new_token, "now": timezone.now()}
    return render(request, "publishing/token_list.html", context)


@login_required
def token_create(request: HttpRequest, slug: str) -> HttpResponse:
    publisher = _member_publisher(request, slug)
    form = ApiTokenForm(request.POST or None, publisher=publisher)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.api_token_create(
                user=request.user, publisher=publisher, **form.cleaned_data
            )
        except services.ApiTokenNotAllowed as exc:
            form.add_error(None, str(exc))
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = {
                "publisher": publisher.slug,
                "name": token.name,
                "raw": raw,
            }
            return redirect("publishing:token-list", slug=publisher.slug)
    return render(request, "publishing/token_form.html", {"publisher": publisher, "form": form})


@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: confirm; POST: revoke. The token's owner and the members of its publisher only
    (:func:`tokens.services.api_token_can_manage`); anyone else, staff included, gets 403 and never
    the confirmation page, which shows the token. Staff revoke other people's tokens in the admin."""
    token = get_object_or_404(ApiToken.objects.select_related("publisher", "package"), pk=pk)
    if not services.api_token_can_manage(token=token, user=request.user):
        raise PermissionDenied("You cannot revoke this token.")
    if request.method == "POST":
        services.api_token_revoke(token=token, by=request.user)
        messages.success(request, f"Token “{token.name}” ({token.token_prefix}…) revoked.")
        if token.publisher is None:
            return redirect("publishing:dashboard")
        return redirect("publishing:token-list", slug=token.publisher.slug)
    return render(
        request, "publishing/token_confirm_revoke.html", {"token": token, "publisher": token.publisher}
    )


# --- account tokens ----------------------------------------------------------------------------------


@never_cache
@login_required
def account_token_list(request: HttpRequest) -> HttpResponse:
    """The user's account tokens, and a just-created token's secret exactly once."""
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    if new_token and not new_token.get("account"):
        new_token = None
    api_tokens = request.user.api_tokens.filter(publisher__isnull=True, is_staff_token=False).select_related(
        "user", "revoked_by"
    )
    context = {"publisher": None, "tokens": api_tokens, "new_token": new_token, "now": timezone.now()}
    return render(request, "publishing/token_list.html", context)


@login_required
def account_token_create(request: HttpRequest) -> HttpResponse:
    form = AccountTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.api_token_create(user=request.user, account=True, **form.cleaned_data)
        except services.ApiTokenNotAllowed as exc:
            form.add_error(None, str(exc))
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = {"account": True, "name": token.name, "raw": raw}
            return redirect("publishing:account-token-list")
    return render(request, "publishing/token_form.html", {"publisher": None, "form": form})


@login_required
def account_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: confirm; POST: revoke one of the user's own account tokens."""
    token = get_object_or_404(
        ApiToken.objects.filter(publisher__isnull=True, is_staff_token=False), pk=pk, user=request.user
    )
    if request.method == "POST":
        services.api_token_revoke(token=token, by=request.user)
        messages.success(request, f"Token “{token.name}” ({token.token_prefix}…) revoked.")
        return redirect("publishing:account-token-list")
    return render(request, "publishing/token_confirm_revoke.html", {"token": token, "publisher": None})
