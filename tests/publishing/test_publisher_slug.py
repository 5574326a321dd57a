"""The create-publisher form fills a blank slug from the name: slugified, and unique."""

from __future__ import annotations

import pytest

from catalog.models import Publisher
from publishing import services
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = "/publishers/create/"


@pytest.fixture
def member(client, django_user_model):
    user = make_user(django_user_model, "newcomer")
    client.force_login(user)
    return user


def test_a_blank_slug_is_made_from_the_name(client, member):
    response = client.post(URL, {"name": "Café Tools & Co.", "slug": "", "type": "individual"})

    assert response.status_code == 302
    publisher = Publisher.objects.get(name="Café Tools & Co.")
    assert publisher.slug == "cafe-tools-co"
    assert response["Location"] == f"/publishers/{publisher.slug}/keys/"


def test_a_taken_slug_gets_the_first_free_number(client, member, django_user_model):
    other = make_user(django_user_model, "first")
    services.publisher_create(user=other, name="Acme", slug="acme")
    services.publisher_create(user=other, name="Acme two", slug="acme-2")

    client.post(URL, {"name": "ACME", "slug": "", "type": "individual"})

    assert Publisher.objects.get(name="ACME").slug == "acme-3"


def test_a_name_with_no_usable_character_still_gets_a_slug(client, member):
    client.post(URL, {"name": "日本語", "slug": "", "type": "individual"})

    assert Publisher.objects.get(name="日本語").slug == "publisher"


def test_a_long_name_gives_a_slug_within_the_limit(client, member):
    name = "A very long publisher name " * 3

    client.post(URL, {"name": name.strip(), "slug": "", "type": "individual"})

    slug = Publisher.objects.get(name=name.strip()).slug
    assert len(slug) <= 64 and not slug.endswith("-") and slug.startswith("a-very-long-publisher-name")


def test_a_typed_slug_is_kept_and_a_taken_one_refused(client, member):
    client.post(URL, {"name": "Mine", "slug": "my-own", "type": "individual"})
    again = client.post(URL, {"name": "Other", "slug": "my-own", "type": "individual"})

    assert Publisher.objects.get(name="Mine").slug == "my-own"
    assert again.status_code == 200 and "This slug is taken." in again.content.decode()


def test_the_form_carries_the_static_slug_script(client, member):
    page = client.get(URL).content.decode()

    assert 'data-slug-from="name"' in page and "js/publisher-slug.js" in page
