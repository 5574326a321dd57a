"""A listing that knows its visitor: price and terms for everyone, the visitor's license, one action that works.

Each state of docs/package-format.md, "Pricing" as the Install card says it: free, paid and not
owned (anonymous or signed in), owned, trial running, trial ended, expired; and the cards'
price with its period.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.constants import Pricing
from licensing.constants import LicenseStatus
from tests.conftest import make_user
from tests.factories import LicenseFactory, PublishedPackageFactory

pytestmark = pytest.mark.django_db

PRIMARY = re.compile(r'class="btn btn-primary[^"]*"')


def listing(client, package) -> str:
    response = client.get(reverse("catalog:package-detail", args=[package.identifier]))
    assert response.status_code == 200
    return response.content.decode()


def text(body: str) -> str:
    """The page's words as a person reads them: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def primary_actions(body: str) -> list[str]:
    """The primary buttons of the Install card (the one action the listing offers this visitor)."""
    card = body[body.index('<aside class="detail-install"') :]
    return PRIMARY.findall(card[: card.index("</aside>")])


def download_links(body: str) -> list[str]:
    return re.findall(r'href="([^"]+/download)"', body)


def pro(**fields):
    return PublishedPackageFactory(
        identifier="sql-query", display_name="SQL Query", pricing=Pricing.PRO, price_cents=1900, **fields
    )


def trial(**fields):
    return PublishedPackageFactory(
        identifier="github-issues",
        display_name="GitHub Issues",
        pricing=Pricing.TRIAL,
        price_cents=900,
        **fields,
    )


def test_a_free_listing_offers_the_download_and_the_plain_install(client):
    package = PublishedPackageFactory(identifier="csv-tools")

    body = listing(client, package)

    words = text(body)
    assert "Free" in words and "Buy" not in words and "Owned" not in words
    assert "mkt install csv-tools" in words
    assert len(download_links(body)) == 1
    assert len(primary_actions(body)) == 1


def test_an_anonymous_visitor_sees_price_period_and_terms_and_no_download(client):
    package = pro()

    body = listing(client, package)

    words = text(body)
    assert "$19 / year" in words
    assert "1-year license, renewed yearly at $19 · 3 activations" in words
    assert "Sign in to buy" in words
    assert download_links(body) == []  # it would answer 402
    assert len(primary_actions(body)) == 1


def test_a_signed_in_visitor_without_a_license_gets_one_buy_button_and_no_download(client, user):
    package = pro()
    client.force_login(user)

    body = listing(client, package)

    words = text(body)
    assert "Buy · $19 / year" in words and "Owned" not in words
    assert download_links(body) == []
    assert "mkt install --license KEY sql-query" in words
    assert len(primary_actions(body)) == 1


def test_every_download_the_listing_offers_is_served(client, publish, build_pkg, django_user_model):
    """Finding: "Download" on a paid listing answered 402 to anyone without a license."""
    user = make_user(django_user_model, "carol")  # a customer, not the publisher's member
    paid = publish(build_pkg(id="sql-query", pricing="pro", price_cents=1900)).package
    free = publish(build_pkg(id="csv-tools")).package
    offered = {}
    for visitor in ("anonymous", "customer", "owner"):
        if visitor == "customer":
            client.force_login(user)
        if visitor == "owner":
            LicenseFactory(owner=user, package=paid)
        for package in (paid, free):
            links = download_links(listing(client, package))
            offered[visitor, package.identifier] = len(links)
            for url in links:
                response = client.get(url)
                assert response.status_code == 200, (visitor, url)
                b"".join(response.streaming_content)

    assert offered == {
        ("anonymous", "sql-query"): 0,
        ("anonymous", "csv-tools"): 1,
        ("customer", "sql-query"): 0,
        ("customer", "csv-tools"): 1,
        ("owner", "sql-query"): 1,
        ("owner", "csv-tools"): 1,
    }


def test_an_owner_sees_owned_the_key_hint_and_the_download(client, user):
    package = pro()
    license = LicenseFactory(owner=user, package=package)
    client.force_login(user)

    body = listing(client, package)

    words = text(body)
    assert "Owned" in words
    assert f"Key ending …{license.key_last4}" in words
    assert "0 of 3 activations in use" in words
    assert "See your key on “My licenses”" in words
    assert "mkt install --license KEY sql-query" in words
    assert "Buy" not in words
    assert len(download_links(body)) == 1
    assert len(primary_actions(body)) == 1


def test_a_running_trial_shows_the_days_left(client, user):
    package = trial()
    LicenseFactory(owner=user, package=package, start=timezone.now() - dt.timedelta(days=3, hours=1))
    client.force_login(user)

    words = text(listing(client, package))

    assert "14-day free trial" in words
    assert "Trial · 11 days left" in words
    assert "Start" not in words
    assert "$9" not in words  # a trial is never charged


def test_a_trial_not_yet_started_offers_it_with_its_length(client, user):
    package = trial()
    client.force_login(user)

    body = listing(client, package)

    words = text(body)
    assert "Start 14-day free trial" in words
    assert "Free for 14 days, once per customer, no payment · 1 activation" in words
    assert download_links(body) == []


def test_an_ended_trial_says_so_and_offers_no_second_one(client, user):
    package = trial()
    LicenseFactory(owner=user, package=package, start=timezone.now() - dt.timedelta(days=30))
    client.force_login(user)

    body = listing(client, package)

    words = text(body)
    assert "Your free trial ended" in words
    assert "Start" not in words and "Owned" not in words
    assert download_links(body) == []


def test_an_expired_license_links_to_renewal_and_offers_buying_again(client, user):
    package = pro()
    LicenseFactory(
        owner=user,
        package=package,
        start=timezone.now() - dt.timedelta(days=400),
        status=LicenseStatus.EXPIRED,
    )
    client.force_login(user)

    body = listing(client, package)

    words = text(body)
    assert "expired" in words and "Renew it on “My licenses”" in words
    assert "Buy · $19 / year" in words and "Owned" not in words
    assert download_links(body) == []


def test_a_revoked_license_is_not_owned(client, user):
    package = pro()
    LicenseFactory(owner=user, package=package, status=LicenseStatus.REVOKED)
    client.force_login(user)

    words = text(listing(client, package))

    assert "Owned" not in words and "Buy · $19 / year" in words


def test_per_skill_and_enterprise_terms(client):
    skill = PublishedPackageFactory(identifier="code-review", pricing=Pricing.PER_SKILL, price_cents=500)
    team = PublishedPackageFactory(identifier="team-sync", pricing=Pricing.ENTERPRISE, price_cents=4950)

    skill_words, team_words = text(listing(client, skill)), text(listing(client, team))

    assert "$5 per skill" in skill_words and "Perpetual license, paid once · 1 activation" in skill_words
    assert "$49.50 / year" in team_words and "unlimited activations" in team_words


def test_cards_show_price_with_period_or_trial_length(client):
    pro()
    trial()
    PublishedPackageFactory(identifier="code-review", pricing=Pricing.PER_SKILL, price_cents=500)
    PublishedPackageFactory(identifier="csv-tools")

    for url in (reverse("catalog:search"), reverse("catalog:home")):
        body = client.get(url).content.decode()
        prices = re.findall(r'data-testid="card-price">([^<]+)<', body)
        assert {"$19 / year", "14-day free trial", "$5 per skill", "Free"} <= set(prices), url


def test_the_owners_listing_is_never_served_to_others_from_the_cache(client, user, django_user_model):
    package = pro()
    LicenseFactory(owner=user, package=package)
    url = reverse("catalog:package-detail", args=[package.identifier])
    client.get(url)  # an anonymous visit fills the cache

    client.force_login(user)
    owned = client.get(url)
    client.logout()
    anonymous = client.get(url)
    client.force_login(make_user(django_user_model, "carol"))
    other = client.get(url)

    assert "Owned" in text(owned.content.decode())
    assert "Owned" not in text(anonymous.content.decode()) and "Sign in to buy" in text(
        anonymous.content.decode()
    )
    assert "Owned" not in text(other.content.decode()) and "Buy · $19 / year" in text(other.content.decode())


def test_the_license_required_page_names_the_price_with_its_terms(client, publish, build_pkg):
    paid = publish(build_pkg(id="sql-query", pricing="pro", price_cents=1900)).package

    response = client.get(reverse("catalog:release-download", args=[paid.identifier, "1.0.0"]))

    assert response.status_code == 402
    words = text(response.content.decode())
    assert "$19 / year: 1-year license, renewed yearly at $19 · 3 activations" in words
    assert "mkt install --license ARG-… sql-query" in words


def test_a_license_past_its_expiry_can_be_bought_again_from_the_listing(client, user, author):
    """The Buy button an expired license gets leads to checkout, even before the expiry task ran."""
    from licensing.models import ConnectedAccount

    package = pro(publisher=author.publisher)
    ConnectedAccount.objects.create(
        publisher=author.publisher, stripe_account_id="acct_test_alice", charges_enabled=True
    )
    customer = make_user(django_user_model=type(user), username="carol")
    LicenseFactory(owner=customer, package=package, start=timezone.now() - dt.timedelta(days=400))
    client.force_login(customer)

    words = text(listing(client, package))
    response = client.post(reverse("licensing:buy", args=[package.identifier]))

    assert "Buy · $19 / year" in words and "Owned" not in words
    assert response.status_code == 302 and "/fake-stripe/checkout/" in response["Location"]
