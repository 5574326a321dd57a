"""What a customer reads on the search page and the listing: the name order, the "Works with"
filter's refusal, and compatibility in words.

Runs on SQLite by default and on PostgreSQL with ``DATABASE_URL`` (the name order must be the same on both).
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from catalog import watch
from catalog.compatibility import compatibility_text
from tests.conftest import make_user
from tests.factories import PublishedPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_case():
    for identifier, name in [("banana", "Banana Tools"), ("apple", "apple sync"), ("cherry", "cherry Pick")]:
        PublishedPackageFactory(identifier=identifier, display_name=name, pricing="free")


def test_name_sort_ignores_letter_case_on_the_page(client, mixed_case):
    response = client.get(reverse("catalog:search"), {"sort": "name"})

    assert [p.identifier for p in response.context["page_obj"].object_list] == ["apple", "banana", "cherry"]


@pytest.mark.parametrize(
    ("direction", "expected"),
    [("asc", ["apple", "banana", "cherry"]), ("desc", ["cherry", "banana", "apple"])],
)
def test_name_sort_ignores_letter_case_in_the_api(client, mixed_case, direction, expected):
    response = client.get("/api/objectstack/v1/listings", {"sortBy": "name", "sortDirection": direction})

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == expected


def test_an_invalid_works_with_version_is_named_with_its_rule_on_the_search_page(client, mixed_case):
    response = client.get(reverse("catalog:search"), {"platformVersion": "latest"})
    partial = client.get(
        reverse("catalog:search"), {"platformVersion": "latest"}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "“latest” is not an ArgentOS version: write numbers separated by dots, such as 2026.5.0." in body
    assert 'aria-invalid="true"' in body
    # The filter is left out rather than matching nothing: every package is listed.
    assert response.context["paginator"].count == 3
    assert "is not an ArgentOS version" in partial.content.decode()


def test_a_valid_works_with_version_gets_no_message(client, mixed_case):
    body = client.get(reverse("catalog:search"), {"platformVersion": "2026.5.0"}).content.decode()

    assert "is not an ArgentOS version" not in body
    assert 'aria-invalid="true"' not in body


def test_the_api_refuses_an_invalid_platform_version_with_a_code(client, mixed_case):
    response = client.get("/api/objectstack/v1/listings", {"platformVersion": "latest"})

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "search.version_invalid"
    assert error["field"] == "platformVersion"
    assert "such as 2026.5.0" in error["message"]


@pytest.mark.parametrize(
    ("specifier", "words"),
    [
        ("<2027,>=2026.3.0", "2026.3.0 and later, before 2027"),
        (">=2026", "2026 and later"),
        ("<2026", "Before 2026"),
        ("~=2026.3.0", "2026.3.0 and later, before 2026.4"),
        ("==2026.*", "Any 2026.x"),
        ("==2026.3.0", "2026.3.0 only"),
        (">2026.1,!=2026.2.0,<=2027", "Later than 2026.1, 2027 and earlier, not 2026.2.0"),
        ("", "Any ArgentOS version"),
        ("not a specifier", "not a specifier"),
    ],
)
def test_compatibility_in_words(specifier, words):
    assert compatibility_text(specifier) == words


def test_the_listing_shows_compatibility_in_words(client):
    package = PublishedPackageFactory(
        identifier="weather-connector", pricing="free", release__compatibility=">=2026.3.0,<2027"
    )

    body = client.get(package.get_absolute_url()).content.decode()

    assert "2026.3.0 and later, before 2027" in body
    assert "&lt;2027,&gt;=2026.3.0" not in body.replace('title="&lt;2027,&gt;=2026.3.0"', "")
    assert ">&gt;=2026.3.0,&lt;2027<" not in body


def test_the_watchers_email_gives_compatibility_in_words(django_user_model):
    package = PublishedPackageFactory(
        identifier="weather-connector", release__compatibility=">=2026.3.0,<2027"
    )
    watch.watch_create(package=package, user=make_user(django_user_model, "bob"))
    mail.outbox.clear()

    assert watch.release_watchers_send(release_id=package.latest_release.pk) == 1

    assert "works with: 2026.3.0 and later, before 2027" in mail.outbox[0].body
