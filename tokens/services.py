"""API tokens (docs/api.md, "Authentication"): created, checked, used, revoked, and warned about before expiry.

This app sits below ``api`` and imports no other app: a token's publisher and package are
``catalog`` rows reached through its foreign keys or handed in by the caller.

A raw token is ``mkt_`` + 43 URL-safe characters (32 random bytes). It is shown
to its owner once; the database keeps only its SHA-256 (hex) and the first
characters, so that a list can show which token is which.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from marketplace import emails

from .models import ApiToken

logger = logging.getLogger(__name__)

#: Characters of the raw token kept for display (``mkt_`` and 8 more).
DISPLAY_PREFIX_CHARS = 12
#: Bounds of a token's lifetime, in days.
MIN_EXPIRES_DAYS, MAX_EXPIRES_DAYS = 1, 365
DEFAULT_EXPIRES_DAYS = 90
#: ``last_used_at`` and ``last_used_ip`` are written at most once per this interval.
LAST_USE_RESOLUTION = timedelta(minutes=1)
#: The owner is e-mailed this long before a token expires.
EXPIRY_WARNING_AHEAD = timedelta(days=7)


class ApiTokenNotAllowed(Exception):
    """A token could not be created with these arguments; ``str()`` says why."""


class ApiTokenInvalid(Exception):
    """A presented token is unknown, expired or revoked.

    Attributes:
        code: ``token.unknown``, ``token.expired``, ``token.revoked`` or ``token.owner_inactive``.
        message: a sentence for the client.
    """

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


def token_hash(raw: str) -> str:
    """The SHA-256 of a raw token, lowercase hex (the stored form)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_token_create(
    *,
    user: AbstractBaseUser,
    name: str,
    publisher: models.Model | None = None,
    package: models.Model | None = None,
    staff: bool = False,
    account: bool = False,
    expires_days: int = DEFAULT_EXPIRES_DAYS,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is never stored or shown again.

    Three kinds of token (``ApiToken.scope``): an author token (``publisher``
    given) publishes for that publisher; a staff token (``staff``) calls the
    staff API; an account token (``account``) has neither: it installs and
    reads as its user (``mkt login``, ``POST /api/objectstack/v1/install``,
    counted against the user's plan) and can never publish.

    Args:
        user: the owner; the API acts as this user.
        name: a label for the owner's list (at most 100 characters).
        publisher: for an author token, the ``catalog.Publisher`` it publishes for; ``user``
            must be a member.
        package: optionally limits an author token to this ``catalog.Package`` of ``publisher``.
        staff: a staff token (the staff API); only for ``user.is_staff``, no publisher.
        account: an account token (install and read): any active user, no publisher or package.
        expires_days: lifetime in days, 1 to 365.

    Raises:
        ApiTokenNotAllowed: a rule above is broken.
    """
    name = name.strip()
    if not name or len(name) > 100:
        raise ApiTokenNotAllowed("Give the token a name of 1 to 100 characters.")
    if not isinstance(expires_days, int) or not MIN_EXPIRES_DAYS <= expires_days <= MAX_EXPIRES_DAYS:
        raise ApiTokenNotAllowed(
            f"A token expires after {MIN_EXPIRES_DAYS} to {MAX_EXPIRES_DAYS} days, not {expires_days!r}."
        )
    if staff and account:
        raise ApiTokenNotAllowed("A token is either a staff token or an account token.")
    if account:
        if publisher is not None or package is not None:
            raise ApiTokenNotAllowed("An account token has no publisher or package.")
    elif staff:
        if not user.is_staff:
            raise ApiTokenNotAllowed("Only staff users can hold staff tokens.")
        if publisher is not None or package is not None:
            raise ApiTokenNotAllowed("A staff token has no publisher or package.")
    else:
        if publisher is None:
            raise ApiTokenNotAllowed("An author token needs a publisher.")
        if not publisher.has_member(user):
            raise ApiTokenNotAllowed(f"{user} is not a member of the publisher '{publisher.slug}'.")
        if package is not None and package.publisher_id != publisher.pk:
            raise ApiTokenNotAllowed(
                f"The package '{package.identifier}' does not belong to the publisher '{publisher.slug}'."
            )

    raw = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        publisher=publisher,
        package=package,
        is_staff_token=staff,
        name=name,
        token_prefix=raw[:DISPLAY_PREFIX_CHARS],
        token_hash=token_hash(raw),
        expires_at=timezone.now() + timedelta(days=expires_days),
    )
    logger.info("API token %s (%s) created for %s", token.pk, token.token_prefix, user)
    return token, raw


def api_token_authenticate(raw: str) -> ApiToken:
    """Return the live token for a raw token string, with its user, publisher and package loaded.

    An author token also stops working when its owner leaves its publisher.

    Raises:
        ApiTokenInvalid: unknown, expired (``expires_at`` passed), revoked, or
            the owner is inactive or no longer a member of the publisher.
    """
    raw = (raw or "").strip()
    if not raw.startswith(ApiToken.PREFIX):
        raise ApiTokenInvalid("token.unknown", "This is not a marketplace API token.")
    token = (
        ApiToken.objects.select_related("user", "publisher", "package")
        .filter(token_hash=token_hash(raw))
        .first()
    )
    if token is None:
        raise ApiTokenInvalid("token.unknown", "Unknown API token.")
    if token.revoked_at is not None:
        raise ApiTokenInvalid("token.revoked", f"This API token was revoked on {token.revoked_at:%Y-%m-%d}.")
    if token.expires_at <= timezone.now():
        raise ApiTokenInvalid(
            "token.expired", f"This API token expired on {token.expires_at:%Y-%m-%d}; create a new one."
        )
    if not token.user.is_active:
        raise ApiTokenInvalid("token.owner_inactive", "The owner of this API token is deactivated.")
    if token.publisher is not None and not token.publisher.has_member(token.user):
        raise ApiTokenInvalid(
            "token.owner_inactive", "The owner of this API token is no longer a member of its publisher."
        )
    return token


def api_token_record_use(*, token: ApiToken, ip: str | None) -> None:
    """Record when and from which address ``token`` was last used.

    Cheap: no query when the in-memory token was used less than a minute ago,
    otherwise one conditional ``UPDATE``, so concurrent requests write at most
    once per minute.
    """
    now = timezone.now()
    cutoff = now - LAST_USE_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > cutoff:
        return
    updated = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=cutoff))
        .update(last_used_at=now, last_used_ip=ip or None)
    )
    if updated:
        token.last_used_at, token.last_used_ip = now, ip or None


#: The admin permission that lets staff revoke any token (``tokens.admin.ApiTokenAdmin``'s action).
#: No reviewer group holds it (``moderation/roles.py``: "nothing on tokens").
REVOKE_ANY_PERMISSION = "tokens.change_apitoken"


def api_token_can_manage(*, token: ApiToken, user: AbstractBaseUser) -> bool:
    """True when ``user`` may see and revoke ``token`` on the token pages: its owner, or a member of
    its publisher.

    Being staff gives no power here: staff revoke other people's tokens only in the admin, with
    :data:`REVOKE_ANY_PERMISSION` (the role matrix in ``moderation/roles.py``).
    """
    if token.user_id == user.pk:
        return True
    return token.publisher is not None and token.publisher.has_member(user)


def api_token_revoke(*, token: ApiToken, by: AbstractBaseUser) -> ApiToken:
    """Revoke ``token`` at once; revoking a revoked token changes nothing.

    Args:
        token: the token to revoke.
        by: its owner, a member of its publisher (:func:`api_token_can_manage`), or active staff
            holding :data:`REVOKE_ANY_PERMISSION` (the admin's action).

    Raises:
        PermissionDenied: ``by`` is none of those.
    """
    may_revoke_any = by.is_staff and by.is_active and by.has_perm(REVOKE_ANY_PERMISSION)
    if not (may_revoke_any or api_token_can_manage(token=token, user=by)):
        raise PermissionDenied("You cannot revoke this token.")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.revoked_by = by
            token.save(update_fields=["revoked_at", "revoked_by"])
            logger.info("API token %s (%s) revoked by %s", token.pk, token.token_prefix, by)
    return token


def tokens_page(token: ApiToken) -> str:
    """The path of the page that lists ``token``: its publisher's, the account's, or the admin."""
    if token.publisher_id is not None:
        return reverse("publishing:token-list", args=[token.publisher.slug])
    if token.scope == ApiToken.Scope.INSTALL:
        return reverse("publishing:account-token-list")
    return "/admin/"


def api_tokens_warn_expiring(*, now: datetime | None = None) -> int:
    """E-mail each owner once about a live token that expires within a week.

    Meant to run daily (Celery beat, ``tokens.tasks.api_tokens_warn_expiring``).
    Each token is claimed with a conditional ``UPDATE`` of ``expiry_warning_sent_at``
    before its e-mail goes out, so overlapping runs never send two.

    Returns:
        the number of e-mails sent.
    """
    now = now or timezone.now()
    candidates = ApiToken.objects.select_related("user", "publisher", "package").filter(
        revoked_at__isnull=True,
        expiry_warning_sent_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + EXPIRY_WARNING_AHEAD,
    )
    sent = 0
    for token in candidates:
        claimed = ApiToken.objects.filter(pk=token.pk, expiry_warning_sent_at__isnull=True).update(
            expiry_warning_sent_at=now
        )
        if not claimed or not token.user.email:
            continue
        tokens_url = settings.SITE_URL + tokens_page(token)
        emails.send(
            template="publishing/emails/token_expiring",
            subject=f"Your API token “{token.name}” expires on {token.expires_at:%Y-%m-%d}",
            to=[token.user.email],
            context={"token": token, "tokens_url": tokens_url},
        )
        sent += 1
    return sent
