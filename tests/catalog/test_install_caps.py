"""``POST /api/objectstack/v1/install`` enforces the account plans' install caps."""

from __future__ import annotations

import pytest
from django.conf import settings

from catalog.constants import PublisherType
from catalog.models import Install
from publishing import services
from tests.conftest import make_user, subscribe
from tests.licensing.plan_helpers import kind_package
from tokens import services as token_services

pytestmark = pytest.mark.django_db

INSTALL = "/api/objectstack/v1/install"
UPGRADE = f"{settings.SITE_URL}/account/plan/"


@pytest.fixture
def free_member(django_user_model):
    """A Free-plan customer and their account token (``mkt login`` stores one)."""
    user = make_user(django_user_model, "carol")
    raw = token_services.api_token_create(user=user, name="laptop", account=True)[1]
    return user, raw


def post(client, body: dict, raw: str | None = None):
    headers = {"Authorization": f"Bearer {raw}"} if raw else {}
    return client.post(INSTALL, body, content_type="application/json", headers=headers)


def test_the_fourth_theme_of_a_free_account_is_refused_in_the_error_format(client, author, free_member):
    user, raw = free_member
    themes = [kind_package(author, "theme") for _ in range(4)]
    for theme in themes[:3]:
        assert post(client, {"listingId": theme.identifier}, raw).status_code == 201

    response = post(client, {"listingId": themes[3].identifier}, raw)

    assert response.status_code == 403
    assert response.json() == {
        "ok": False,
        "errors": [
            {
                "code": "install.plan_cap",
                "field": None,
                "message": f"Free plan: at most 3 themes installed (you have 3). Upgrade to Pro at {UPGRADE}",
            }
        ],
    }
    # Updating and re-installing stay allowed; so does everything on Pro.
    assert post(client, {"listingId": themes[0].identifier}, raw).status_code == 200
    subscribe(user, "pro")
    assert post(client, {"listingId": themes[3].identifier}, raw).status_code == 201
    assert Install.objects.filter(user=user).count() == 4


def test_tokenless_tenants_get_free_caps_and_organizations_are_reserved(client, author, django_user_model):
    apps = [kind_package(author, "app") for _ in range(4)]
    for app in apps[:3]:
        assert post(client, {"listingId": app.identifier, "tenantId": "t-1"}).status_code == 201
    capped = post(client, {"listingId": apps[3].identifier, "tenantId": "t-1"})
    assert capped.status_code == 403
    assert capped.json()["errors"][0]["code"] == "install.plan_cap"
    assert "tenant 't-1' has 3" in capped.json()["errors"][0]["message"]

    boss = make_user(django_user_model, "boss")
    org = services.publisher_create(user=boss, name="Acme", slug="acme", type=PublisherType.ORGANIZATION)
    subscribe(boss, "team", organization=org)
    reserved = post(client, {"listingId": apps[0].identifier, "tenantId": "acme"})
    assert reserved.status_code == 403
    assert reserved.json()["errors"][0]["code"] == "install.tenant_reserved"
    raw = token_services.api_token_create(user=boss, name="ops", publisher=org)[1]
    assert post(client, {"listingId": apps[0].identifier, "tenantId": "acme"}, raw).status_code == 201
