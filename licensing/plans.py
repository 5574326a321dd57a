"""Account plans: whose plan covers a user, install caps, publishing.

The rules, in one place:

* **A user's plan** is the best (highest ``Plan.position``) of their own subscription and the
  subscriptions that name an organization (a :class:`~catalog.models.Publisher`) they are a member
  of, when they are among that subscription's first ``plan.max_members`` members: the buyer first,
  then the other members in the order they joined. A subscription counts while its status is
  ``active`` or ``past_due`` (Stripe retries a failed renewal before it cancels the subscription and
  says so with ``customer.subscription.deleted``). Everyone else is on the Free plan.
* **Staff** are exempt: no install caps, and they may publish.
* **Install caps**: ``plan.install_caps`` maps a kind slug (``catalog.Kind.slug``) to the most
  distinct packages of that kind an account may have installed; a kind it does not name is not
  capped. Re-installing or updating a package the account has installed is never refused.
* **Accounts**: an install sent with a token (``POST /api/objectstack/v1/install``) is counted for
  the token's user, under the user's plan. A tokenless install names a ``tenantId`` and is counted
  for that tenant id under the Free caps. A tenant id equal to the slug of an organization with an
  active subscription is reserved: a tokenless install naming it is refused
  (``install.tenant_reserved``), so nobody outside the organization can spend or pollute its
  installs; its members send their own token.
* **Publishing** needs a plan with ``can_publish`` (Pro, Team, Enterprise), see
  :func:`publishing_refusal`; ``publishing.services.submission_create`` enforces it when the
  setting ``PLANS_ENFORCE_PUBLISHING`` is on (the default).

Counting and recording an install happen in one transaction after :func:`account_lock`, which
locks the user's row (or, for a tenant id, takes a PostgreSQL advisory lock on it), so two
installs that race cannot both pass a cap.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse

from catalog.entitlements import InstallRefused
from catalog.models import Install, Kind, Package

from .constants import SubscriptionStatus
from .models import Plan, Subscription

FREE = "free"
#: Subscription states that keep the plan (``past_due``: Stripe is still retrying the payment).
EFFECTIVE_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)
#: The Free plan as seeded (``licensing/migrations/0002_seed_plans.py``), used if its row is missing.
FREE_CAPS = {"app": 3, "skill": 5, "widget": 10, "theme": 3, "plugin": 3}


@dataclass(frozen=True)
class KindUsage:
    """One row of the plan page: installs of one kind against the plan's cap (``None``: unlimited)."""

    kind: Kind
    used: int
    cap: int | None

    @property
    def full(self) -> bool:
        return self.cap is not None and self.used >= self.cap


def upgrade_url() -> str:
    """The absolute URL of the plan page (``/account/plan/``), named in every refusal."""
    return settings.SITE_URL + reverse("plans:page")


def free_plan() -> Plan:
    """The Free plan's row, or an unsaved stand-in with the seeded caps if staff deleted it."""
    return Plan.objects.filter(slug=FREE).first() or Plan(
        slug=FREE, name="Free", install_caps=dict(FREE_CAPS), can_publish=False, max_members=1
    )


def covered_member_ids(subscription: Subscription) -> list[int]:
    """The users a subscription covers: its buyer, then its organization's members by join date.

    At most ``subscription.plan.max_members`` user ids; without an organization, only the buyer.
    """
    ids = [subscription.user_id]
    if subscription.organization_id is not None:
        members = (
            subscription.organization.memberships.order_by("created_at", "pk")
            .exclude(user_id=subscription.user_id)
            .values_list("user_id", flat=True)
        )
        ids += list(members[: max(subscription.plan.max_members - 1, 0)])
    return ids[: max(subscription.plan.max_members, 1)]


def covering_subscriptions(user) -> list[Subscription]:
    """The effective subscriptions that cover ``user`` (own, or an organization's within its seats)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    candidates = (
        Subscription.objects.filter(status__in=EFFECTIVE_STATUSES)
        .filter(Q(user=user) | Q(organization__memberships__user=user))
        .select_related("plan", "organization")
        .distinct()
    )
    return [sub for sub in candidates if sub.user_id == user.pk or user.pk in covered_member_ids(sub)]


def subscription_of(user) -> Subscription | None:
    """The subscription that gives ``user`` their plan (the best one), or ``None`` on Free."""
    subscriptions = covering_subscriptions(user)
    if not subscriptions:
        return None
    return max(subscriptions, key=lambda sub: (sub.plan.position, sub.plan.pk))


def plan_of(user) -> Plan:
    """The plan of ``user`` (see the module's rules); Free for anonymous users and tenants."""
    subscription = subscription_of(user)
    return subscription.plan if subscription is not None else free_plan()


# --- installs ------------------------------------------------------------------------------------------


def _tenant_lock_id(tenant_id: str) -> int:
    digest = hashlib.sha256(f"install-tenant:{tenant_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def account_lock(*, user=None, tenant_id: str = "") -> None:
    """Serialise installs of one account until the end of the current transaction.

    A user's row is locked with ``SELECT … FOR UPDATE``; a tenant id (no row of its own) takes a
    PostgreSQL transaction-level advisory lock on a 64-bit hash of it. SQLite serialises writers
    itself. Call inside ``transaction.atomic()``.
    """
    if user is not None:
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    elif tenant_id and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_tenant_lock_id(tenant_id)])


def _account_installs(*, user=None, tenant_id: str = ""):
    if user is not None:
        return Install.objects.filter(user=user)
    return Install.objects.filter(user__isnull=True, tenant_id=tenant_id)


def installed_counts(*, user=None, tenant_id: str = "") -> dict[str, int]:
    """Kind slug → how many distinct packages of that kind the account has installed.

    The account is ``user`` when given (every install sent with their tokens), else the tenant id
    (tokenless installs that named it).
    """
    rows = (
        _account_installs(user=user, tenant_id=tenant_id)
        .values("package__kind__slug")
        .annotate(packages=Count("package", distinct=True))
    )
    return {row["package__kind__slug"]: row["packages"] for row in rows}


def plan_usage(user) -> list[KindUsage]:
    """Every kind with the user's installs of it and their plan's cap, in the kinds' order."""
    plan = plan_of(user)
    counts = installed_counts(user=user)
    caps = plan.install_caps or {}
    return [
        KindUsage(kind=kind, used=counts.get(kind.slug, 0), cap=caps.get(kind.slug))
        for kind in Kind.objects.order_by("position", "slug")
    ]


def caps_summary(plan: Plan) -> list[str]:
    """The plan's caps as phrases in the kinds' order, e.g. ``["3 apps", "5 skills"]``; empty: none."""
    caps = plan.install_caps or {}
    return [
        f"{caps[kind.slug]} {_kind_label(kind, caps[kind.slug])}"
        for kind in Kind.objects.order_by("position", "slug")
        if kind.slug in caps
    ]


def _upgrade_plan(plan: Plan, kind_slug: str, cap: int) -> Plan | None:
    """The cheapest plan above ``plan`` that allows more packages of the kind."""
    for candidate in Plan.objects.filter(position__gt=plan.position).order_by("position", "pk"):
        other = (candidate.install_caps or {}).get(kind_slug)
        if other is None or other > cap:
            return candidate
    return None


def _kind_label(kind: Kind, count: int) -> str:
    return kind.name.lower() if count == 1 else kind.plural


def tenant_reserved_by(tenant_id: str) -> Subscription | None:
    """The effective subscription whose organization's slug is ``tenant_id``, if any."""
    if not tenant_id:
        return None
    return (
        Subscription.objects.filter(status__in=EFFECTIVE_STATUSES, organization__slug=tenant_id)
        .select_related("plan", "organization")
        .first()
    )


def install_check(*, package: Package, user=None, tenant_id: str = "") -> None:
    """Refuse an install the account's plan does not allow; call after :func:`account_lock`.

    Args:
        package: the package being installed (its kind is what is capped).
        user: the token's user, or ``None`` for a tokenless install.
        tenant_id: the request's ``tenantId`` (required when ``user`` is ``None``).

    Raises:
        InstallRefused: ``install.tenant_reserved`` for a tokenless install naming a subscribed
            organization's slug; ``install.plan_cap`` when the account has as many distinct
            packages of the kind as its plan allows and this package is not one of them. The
            message names the plan, the kind, the cap, the current count and the upgrade URL.
    """
    if user is not None and user.is_staff:
        return
    if user is None:
        reserved = tenant_reserved_by(tenant_id)
        if reserved is not None:
            raise InstallRefused(
                "install.tenant_reserved",
                f"The tenant id '{tenant_id}' belongs to the organization {reserved.organization.name} "
                f"({reserved.plan.name} plan): install with the account token of one of its members "
                "(mkt login).",
            )
    installs = _account_installs(user=user, tenant_id=tenant_id)
    if installs.filter(package=package).exists():
        return  # Re-installing or updating is never refused.
    plan = plan_of(user) if user is not None else free_plan()
    kind = package.kind
    cap = (plan.install_caps or {}).get(kind.slug)
    if cap is None:
        return
    count = installs.filter(package__kind=kind).values("package").distinct().count()
    if count < cap:
        return
    upgrade = _upgrade_plan(plan, kind.slug, cap)
    target = upgrade.name if upgrade is not None else "a bigger plan"
    if user is not None:
        have, how = f"you have {count}", f"Upgrade to {target} at {upgrade_url()}"
    else:
        have = f"tenant '{tenant_id}' has {count}"
        how = f"Log in with an account token (mkt login) and upgrade to {target} at {upgrade_url()}"
    raise InstallRefused(
        "install.plan_cap",
        f"{plan.name} plan: at most {cap} {_kind_label(kind, cap)} installed ({have}). {how}",
    )


# --- publishing ----------------------------------------------------------------------------------------


def publishing_plan() -> Plan | None:
    """The cheapest plan that includes publishing (Pro as seeded), or ``None`` if staff removed them all."""
    return Plan.objects.filter(can_publish=True).order_by("position", "pk").first()


def publishing_refusal(user, *, plan_page_url: str | None = None) -> str | None:
    """Why ``user`` may not publish (a sentence naming the plan and the upgrade), or ``None``.

    Staff may always publish; others need a plan with ``can_publish`` (Free has "no
    publishing"; Pro, Team and Enterprise may publish).

    Args:
        user: the uploader.
        plan_page_url: the absolute URL of the plan page to name; default :func:`upgrade_url`
            (``SITE_URL``). The web pages pass the one built from the request's host.
    """
    if user is None or user.is_staff:
        return None
    plan = plan_of(user)
    if plan.can_publish:
        return None
    upgrade = publishing_plan()
    target = upgrade.name if upgrade is not None else "a paid plan"
    return (
        f"Your {plan.name} plan does not include publishing: upgrade to {target} at "
        f"{plan_page_url or upgrade_url()} to publish packages."
    )


@dataclass(frozen=True)
class PlanSummary:
    """What a user's plan allows, for the author pages that show it before any work.

    ``can_publish`` is the rule of :func:`publishing_refusal` (staff always may, and so may
    everyone while ``PLANS_ENFORCE_PUBLISHING`` is off, which ``unenforced`` says); ``caps`` are :func:`caps_summary`'s
    phrases (empty: no install caps); ``upgrade`` is the cheapest plan that includes publishing
    when this one does not (``None`` otherwise).
    """

    plan: Plan
    staff: bool
    can_publish: bool
    unenforced: bool
    caps: list[str]
    upgrade: Plan | None


def plan_summary(user) -> PlanSummary:
    """The :class:`PlanSummary` of ``user`` (an authenticated user)."""
    plan = plan_of(user)
    staff = bool(getattr(user, "is_staff", False))
    can_publish = staff or plan.can_publish or not settings.PLANS_ENFORCE_PUBLISHING
    return PlanSummary(
        plan=plan,
        staff=staff,
        can_publish=can_publish,
        unenforced=not settings.PLANS_ENFORCE_PUBLISHING,
        caps=[] if staff else caps_summary(plan),
        upgrade=None if can_publish else publishing_plan(),
    )
