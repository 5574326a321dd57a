"""Account plans: the seeded plans, whose plan covers a user, install caps, publishing."""

from __future__ import annotations

import pytest
from django.conf import settings

from catalog.api.services import install_record
from catalog.constants import MemberRole, PublisherType
from catalog.models import Install, Kind, PublisherMember
from licensing import plans
from licensing.models import Plan
from publishing import services
from tests.conftest import make_user, subscribe
from tests.licensing.plan_helpers import kind_package

pytestmark = pytest.mark.django_db

UPGRADE = f"{settings.SITE_URL}/account/plan/"


@pytest.fixture
def customer(django_user_model):
    return make_user(django_user_model, "carol")


def install(package, user=None, tenant_id="", release=None):
    return install_record(
        package=package, release=release or package.latest_release, user=user, tenant_id=tenant_id
    )


# --- the seeded plans ----------------------------------------------------------------------------------


def test_four_plans_are_seeded_with_the_issue_caps_on_real_kinds():
    assert list(Plan.objects.values_list("slug", "can_publish", "max_members")) == [
        ("free", False, 1),
        ("pro", True, 1),
        ("team", True, 5),
        ("enterprise", True, 25),
    ]
    free = Plan.objects.get(slug="free")
    assert free.install_caps == {"app": 3, "skill": 5, "widget": 10, "theme": 3, "plugin": 3}
    assert set(free.install_caps) <= set(Kind.objects.values_list("slug", flat=True))
    assert [p.price_cents for p in Plan.objects.all()] == [0, 900, 3900, 14900]
    assert all(p.install_caps == {} for p in Plan.objects.exclude(slug="free"))


def test_caps_summary_names_the_kinds_in_their_order():
    assert plans.caps_summary(Plan.objects.get(slug="free")) == [
        "5 skills",
        "3 plugins",
        "3 apps",
        "10 widgets",
        "3 themes",
    ]
    assert plans.caps_summary(Plan.objects.get(slug="pro")) == []


# --- whose plan --------------------------------------------------------------------------------------------


def test_without_a_subscription_everyone_is_on_free(customer):
    assert plans.plan_of(customer).slug == "free"
    assert plans.plan_of(None).slug == "free"
    assert plans.subscription_of(customer) is None


@pytest.mark.parametrize(("status", "plan"), [("active", "pro"), ("past_due", "pro"), ("canceled", "free")])
def test_own_subscription_counts_while_active_or_past_due(customer, status, plan):
    subscribe(customer, "pro", status=status)
    assert plans.plan_of(customer).slug == plan


def test_a_missing_free_row_falls_back_to_the_seeded_caps(customer):
    Plan.objects.filter(slug="free").delete()
    assert plans.plan_of(customer).install_caps == plans.FREE_CAPS


def test_team_plan_covers_the_organizations_first_members_up_to_its_seats(django_user_model):
    buyer = make_user(django_user_model, "boss")
    org = services.publisher_create(user=buyer, name="Acme", slug="acme", type=PublisherType.ORGANIZATION)
    members = [make_user(django_user_model, f"member{n}") for n in range(3)]
    for member in members:
        PublisherMember.objects.create(publisher=org, user=member, role=MemberRole.MEMBER)
    outsider = make_user(django_user_model, "outsider")
    Plan.objects.filter(slug="team").update(max_members=3)
    subscription = subscribe(buyer, "team", organization=org)

    assert plans.covered_member_ids(subscription) == [buyer.pk, members[0].pk, members[1].pk]
    assert [plans.plan_of(u).slug for u in (buyer, *members, outsider)] == [
        "team",
        "team",
        "team",
        "free",
        "free",
    ]
    assert plans.subscription_of(members[0]) == subscription
    # A member who leaves frees a seat for the next one.
    PublisherMember.objects.filter(user=members[0]).delete()
    assert plans.plan_of(members[2]).slug == "team"


def test_the_best_covering_plan_wins(django_user_model, customer):
    buyer = make_user(django_user_model, "boss")
    org = services.publisher_create(user=buyer, name="Acme", slug="acme", type=PublisherType.ORGANIZATION)
    PublisherMember.objects.create(publisher=org, user=customer, role=MemberRole.MEMBER)
    subscribe(customer, "pro")
    subscribe(buyer, "enterprise", organization=org)
    assert plans.plan_of(customer).slug == "enterprise"
    subscribe(buyer, "enterprise", organization=org, status="canceled")
    assert plans.plan_of(customer).slug == "pro"


# --- publishing -------------------------------------------------------------------------------------------


def test_free_cannot_publish_pro_and_staff_can(customer, reviewer):
    refusal = plans.publishing_refusal(customer)
    assert refusal == (
        f"Your Free plan does not include publishing: upgrade to Pro at {UPGRADE} to publish packages."
    )
    subscribe(customer, "pro")
    assert plans.publishing_refusal(customer) is None
    assert plans.publishing_refusal(reviewer) is None


# --- install caps -------------------------------------------------------------------------------------------


def test_free_caps_themes_at_three_with_a_message_naming_cap_count_and_upgrade(author, customer):
    themes = [kind_package(author, "theme") for _ in range(4)]
    for theme in themes[:3]:
        assert install(theme, customer)[1] is True

    with pytest.raises(plans.InstallRefused) as excinfo:
        install(themes[3], customer)

    assert excinfo.value.code == "install.plan_cap"
    assert excinfo.value.message == (
        f"Free plan: at most 3 themes installed (you have 3). Upgrade to Pro at {UPGRADE}"
    )
    assert Install.objects.filter(user=customer).count() == 3


def test_reinstalling_and_updating_an_installed_package_is_never_refused(author, customer):
    apps = [kind_package(author, "app", versions=("1.0.0", "1.1.0")) for _ in range(3)]
    for app in apps:
        install(app, customer, release=app.releases.get(version="1.0.0"))
    Plan.objects.filter(slug="free").update(install_caps={"app": 2})  # Staff lowered the cap meanwhile.

    install_, created = install(apps[0], customer, release=apps[0].releases.get(version="1.0.0"))
    assert created is False
    _, created = install(apps[2], customer, release=apps[2].releases.get(version="1.1.0"))
    assert created is True
    with pytest.raises(plans.InstallRefused, match="at most 2 apps installed \\(you have 3\\)"):
        install(kind_package(author, "app"), customer)


def test_uncapped_kinds_paid_plans_and_staff_install_without_limit(author, customer, reviewer):
    for _ in range(5):
        install(kind_package(author, "connector"), customer)
    assert plans.installed_counts(user=customer) == {"connector": 5}
    subscribe(customer, "pro")
    for _ in range(5):
        install(kind_package(author, "theme"), customer)
    for _ in range(5):
        install(kind_package(author, "theme"), reviewer)
    assert plans.installed_counts(user=customer) == {"connector": 5, "theme": 5}


def test_a_cap_of_one_is_singular_and_the_upgrade_is_the_next_plan_that_allows_more(author, customer):
    Plan.objects.filter(slug="free").update(install_caps={"widget": 1})
    Plan.objects.filter(slug="pro").update(install_caps={"widget": 1})
    install(kind_package(author, "widget"), customer)
    with pytest.raises(plans.InstallRefused, match="at most 1 widget installed.*Upgrade to Team at"):
        install(kind_package(author, "widget"), customer)


def test_tokenless_tenants_are_counted_apart_under_free_caps(author, customer):
    subscribe(customer, "pro")
    themes = [kind_package(author, "theme") for _ in range(4)]
    for theme in themes:
        install(theme, customer, tenant_id="laptop-1")
    for theme in themes[:3]:
        install(theme, tenant_id="laptop-1")
    with pytest.raises(plans.InstallRefused) as excinfo:
        install(themes[3], tenant_id="laptop-1")
    assert excinfo.value.message == (
        "Free plan: at most 3 themes installed (tenant 'laptop-1' has 3). Log in with an account token "
        f"(mkt login) and upgrade to Pro at {UPGRADE}"
    )
    install(themes[3], tenant_id="laptop-2")
    assert plans.installed_counts(tenant_id="laptop-1") == {"theme": 3}
    assert plans.installed_counts(user=customer) == {"theme": 4}


def test_a_subscribed_organizations_slug_is_reserved_for_tokenless_installs(author, django_user_model):
    buyer = make_user(django_user_model, "boss")
    org = services.publisher_create(user=buyer, name="Acme", slug="acme", type=PublisherType.ORGANIZATION)
    package = kind_package(author, "connector")
    install(package, tenant_id="acme")  # Not subscribed yet: an ordinary tenant id.
    subscribe(buyer, "team", organization=org)

    with pytest.raises(plans.InstallRefused) as excinfo:
        install(kind_package(author, "connector"), tenant_id="acme")
    assert excinfo.value.code == "install.tenant_reserved"
    assert "account token of one of its members" in excinfo.value.message
    with pytest.raises(plans.InstallRefused):
        install(package, tenant_id="acme")
    # A member's token: counted for the member, under the team plan, tenant recorded.
    install_, created = install(package, buyer, tenant_id="acme")
    assert created and install_.user == buyer and install_.tenant_id == "acme"


def test_plan_usage_lists_every_kind_with_its_cap(author, customer):
    install(kind_package(author, "theme"), customer)
    usage = {row.kind.slug: (row.used, row.cap, row.full) for row in plans.plan_usage(customer)}
    assert usage["theme"] == (1, 3, False)
    assert usage["connector"] == (0, None, False)
    assert set(usage) == set(Kind.objects.values_list("slug", flat=True))
