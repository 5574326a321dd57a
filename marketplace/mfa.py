"""Two-factor authentication: did this session pass it, and where to send a session that did not.

"Needs two-factor" always means that *this session* authenticated with a second factor, never that
the user merely has one enrolled: a password alone must not open what the second factor guards.
django-allauth records every authentication step of a session (password, TOTP, recovery code,
re-authentication); :func:`session_passed_mfa` reads those records through allauth's public
``allauth.account.authentication.get_authentication_records``.

The rules (README, "Configuration"):

- ``MFA_REQUIRED_FOR_PUBLISHING``: signing keys, uploads and publisher tokens (``publishing.views``);
- ``MFA_REQUIRED_FOR_STAFF``: the admin and the staff pages beside it (:func:`staff_mfa_required`,
  used by ``marketplace.admin.MarketplaceAdminSite``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

#: The method allauth records when a session passes a second factor (TOTP, recovery code, WebAuthn),
#: at login or when re-authenticating.
MFA_METHOD = "mfa"

#: The refusal codes (docs/error-codes.md, ``auth.*``): the page the user lands on names the rule.
PUBLISHING_CODE = "auth.mfa_required"
STAFF_CODE = "auth.staff_mfa_required"

STAFF_MESSAGE = (
    "The admin needs two-factor authentication: staff accounts must enrol an authenticator app, "
    "and every session must pass it."
)


def session_passed_mfa(request: HttpRequest) -> bool:
    """True when ``request``'s session authenticated its signed-in user with a second factor.

    Args:
        request: a request that went through the session and authentication middleware.

    Returns:
        False for anonymous users, for sessions that logged in with a password alone (or were
        created by ``force_login``), and for records left by another user in the same session.
    """
    if not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == MFA_METHOD for record in records)


def mfa_challenge(request: HttpRequest, *, code: str, message: str) -> HttpResponse:
    """Send a signed-in user whose session has not passed a second factor to the step that gives it.

    A user without an authenticator goes to allauth's TOTP enrolment, then passes it; a user with
    one goes to allauth's second-factor re-authentication, which records the step in the session and
    comes back to this page.

    Args:
        request: the refused request (its full path becomes ``next``).
        code: the refusal code (:data:`PUBLISHING_CODE`, :data:`STAFF_CODE`).
        message: what the user reads on the next page: which rule asked for the second factor.

    Returns:
        a redirect (302).
    """
    messages.warning(request, f"{message} ({code})")
    step = "mfa_reauthenticate" if is_mfa_enabled(request.user) else "mfa_activate_totp"
    return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")


def staff_mfa_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse ``view`` to staff whose session has not passed a second factor, when
    ``MFA_REQUIRED_FOR_STAFF`` is on; everyone else goes through to ``view``, which does its own
    checks (a non-staff user is refused there).

    Args:
        view: a Django view.

    Returns:
        the wrapped view; refused requests get :func:`mfa_challenge`'s redirect.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and user.is_authenticated
            and user.is_staff
            and not session_passed_mfa(request)
        ):
            return mfa_challenge(request, code=STAFF_CODE, message=STAFF_MESSAGE)
        return view(request, *args, **kwargs)

    return wrapper
