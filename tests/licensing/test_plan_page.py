"""The "Plan" page (``/account/plan/``): plans, caps and prices, the current plan, installs used."""

from __future__ import annotations

import re

import pytest

from catalog.api.services import install_record
from tests.conftest import PASSWORD, make_user, subscribe
from tests.licensing.plan_helpers import kind_package

pytestmark = pytest.mark.django_db

PAGE = "/account/plan/"


@pytest.fixture
def customer(django_user_model):
    return make_user(django_user_model, "carol")


def text(html: str) -> str:
    """The page's text with tags removed and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def card(html: str, slug: str) -> str:
    """The text of one plan's card."""
    match = re.search(
        rf'<li class="card plan-card[^"]*" data-plan="{slug}">(.*?)</li>\s*(?:<li class="card|</ul>)',
        html,
        re.S,
    )
    assert match, slug
    return text(match.group(1))


def test_the_page_needs_a_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_free_customer_sees_the_plans_their_plan_and_installs_against_caps(client, customer, author):
    for _ in range(2):
        kind = kind_package(author, "theme")
        install_record(package=kind, release=kind.latest_release, user=customer)
    client.login(username=customer.username, password=PASSWORD)

    response = client.get(PAGE)

    html = response.content.decode()
    assert "Your plan: Free" in text(html)
    usage = {row.kind.slug: (row.used, row.cap) for row in response.context["usage"]}
    assert usage["theme"] == (2, 3) and usage["connector"] == (0, None)
    assert "Theme 2 3" in text(html) and "Connector 0 Unlimited" in text(html)
    assert re.findall(r'data-plan="([a-z]+)"', html) == ["free", "pro", "team", "enterprise"]
    assert "Current" in card(html, "free") and "Current" not in card(html, "pro")
    assert "up to 5 skills, 3 plugins, 3 apps, 10 widgets, 3 themes" in card(html, "free")
    assert "$9.00 a month" in card(html, "pro") and "Unlimited installs" in card(html, "pro")
    assert "Up to 5 members of one organization" in card(html, "team")
    assert "$149.00 a month" in card(html, "enterprise")


def test_pro_customer_sees_pro_as_current(client, customer):
    subscribe(customer, "pro")
    client.login(username=customer.username, password=PASSWORD)
    html = client.get(PAGE).content.decode()
    assert "Your plan: Pro" in text(html)
    assert "Current" in card(html, "pro") and "Current" not in card(html, "free")
