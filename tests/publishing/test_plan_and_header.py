"""The plan shown where it decides, the header's account menu, the landing page after login and the
author pages' links: what the pages say to a person."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from licensing.models import Subscription
from publishing import services
from tests.conftest import PASSWORD, make_user, subscribe

pytestmark = pytest.mark.django_db

PLAN_PAGE = "/account/plan/"


def text(response) -> str:
    """The page's words without tags or repeated white space."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


@pytest.fixture
def free_author(user):
    """``user`` on the Free plan with a publisher of their own."""
    services.publisher_create(user=user, name="Free Tools", slug="free-tools")
    return user


# --- the plan before any work -----------------------------------------------------------


def test_a_free_user_reads_on_the_dashboard_that_the_plan_cannot_publish(client, user):
    client.force_login(user)

    response = client.get(reverse("publishing:dashboard"))

    page = text(response)
    assert "Your Free plan does not include publishing" in page
    assert "uploads are refused until you upgrade to Pro" in page
    assert "Installs on Free: up to 5 skills, 3 plugins" in page
    assert re.search(
        rf'<a class="btn btn-primary btn-sm" href="{PLAN_PAGE}">Upgrade to Pro</a>', response.content.decode()
    )


def test_the_create_publisher_page_says_so_before_the_form(client, user):
    client.force_login(user)

    html = client.get(reverse("publishing:publisher-create")).content.decode()

    assert "Your Free plan does not include publishing" in html
    assert html.index(f'href="{PLAN_PAGE}">Upgrade to Pro') < html.index('name="slug"')


def test_the_upload_page_says_so_before_the_file_is_chosen(client, free_author):
    client.force_login(free_author)

    html = client.get(reverse("publishing:upload", args=["free-tools"])).content.decode()

    assert "Your Free plan does not include publishing" in html
    assert html.index(f'href="{PLAN_PAGE}">Upgrade to Pro') < html.index('name="package"')


def test_a_pro_author_reads_that_the_plan_includes_publishing(client, author):
    client.force_login(author.user)

    page = text(client.get(reverse("publishing:dashboard")))

    assert "Your Pro plan includes publishing" in page
    assert "does not include publishing" not in page


def test_with_plans_unenforced_the_free_user_reads_that_publishing_is_open(client, user, settings):
    settings.PLANS_ENFORCE_PUBLISHING = False
    client.force_login(user)

    page = text(client.get(reverse("publishing:dashboard")))

    assert "Publishing is open to every plan on this server" in page
    assert "Free plan includes publishing" not in page


def test_the_upload_refusal_links_to_the_plan_page_on_the_requests_host(
    client, free_author, build_pkg, settings
):
    settings.SITE_URL = "http://127.0.0.1:8000"
    client.force_login(free_author)
    built = build_pkg()

    with built.file() as fileobj:
        response = client.post(
            reverse("publishing:upload", args=["free-tools"]),
            {"package": fileobj},
            HTTP_HOST="127.0.0.1:8801",
        )

    html = response.content.decode()
    assert response.status_code == 403
    assert "plan.cannot_publish" in html
    assert '<a href="http://127.0.0.1:8801/account/plan/"' in html
    assert "127.0.0.1:8000" not in html
    assert f'href="{PLAN_PAGE}">Upgrade your plan</a>' in html


def test_the_api_refusal_still_names_site_url(author, settings):
    Subscription.objects.filter(user=author.user).delete()
    from licensing.plans import publishing_refusal

    assert f"{settings.SITE_URL}/account/plan/" in publishing_refusal(author.user)


# --- the header's account menu ---------------------------------------------------------


def test_the_header_has_an_account_menu_with_every_account_page(client, user):
    client.force_login(user)

    html = client.get("/").content.decode()

    menu = html[html.index('<details class="account-menu"') : html.index("</details>")]
    for href in ("/accounts/email/", "/accounts/2fa/", "/account/tokens/", "/account/licenses/", PLAN_PAGE):
        assert f'href="{href}"' in menu, href
    assert 'action="/accounts/logout/"' in menu and ">Sign out</button>" in menu
    assert "<script" not in menu


def test_the_header_login_link_returns_to_the_page(client):
    html = client.get("/search/?q=weather").content.decode()

    assert 'href="/accounts/login/?next=/search/%3Fq%3Dweather"' in html


# --- where login lands -----------------------------------------------------------------


def login(client, user, next_url: str | None = None):
    data = {"login": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("account_login"), data)


def test_after_login_a_customer_lands_on_the_home_page_not_publish(client, django_user_model):
    customer = make_user(django_user_model, "carol")

    assert login(client, customer)["Location"] == "/"


def test_after_login_an_author_lands_on_the_dashboard(client, author):
    assert login(client, author.user)["Location"] == "/dashboard/"


def test_after_login_the_visitor_returns_to_where_they_were(client, django_user_model):
    customer = make_user(django_user_model, "carol")
    subscribe(customer, "pro")

    assert login(client, customer, "/search/?q=weather")["Location"] == "/search/?q=weather"


# --- the dashboard's links and the help texts ------------------------------------------


def test_the_dashboard_links_to_tokens_and_statistics(client, author):
    client.force_login(author.user)

    html = client.get(reverse("publishing:dashboard")).content.decode()

    assert 'href="/publishers/alice-tools/tokens/"' in html
    assert 'href="/publishers/alice-tools/stats/"' in html
    assert 'href="/account/tokens/"' in html


def test_help_texts_show_code_not_backticks(client, author):
    client.force_login(author.user)

    html = client.get(reverse("publishing:key-list", args=["alice-tools"])).content.decode()

    assert "<code>mkt keygen</code>" in html
    assert "`" not in text_of_helptexts(html)


def text_of_helptexts(html: str) -> str:
    return " ".join(re.findall(r'<div class="helptext"[^>]*>(.*?)</div>', html, re.S))
