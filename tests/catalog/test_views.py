"""Public pages: home, listing, download and error pages."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from publishing import services as publishing

pytestmark = pytest.mark.django_db


def test_home_lists_published_packages_only(client, publish, build_pkg, author):
    publish(build_pkg())
    publishing.submission_create(
        publisher=author.publisher,
        uploader=author.user,
        upload=build_pkg(id="unreviewed-thing", name="Unreviewed Thing").file(),
        filename="x",
    )

    response = client.get(reverse("catalog:home"))

    assert response.status_code == 200
    assert b"Hello Connector" in response.content
    assert b"Unreviewed Thing" not in response.content


def test_home_search_and_empty_state(client, publish, build_pkg):
    publish(build_pkg())

    found = client.get(reverse("catalog:home"), {"q": "hello"})
    missing = client.get(reverse("catalog:home"), {"q": "zebra"})

    assert b"Hello Connector" in found.content
    assert missing.status_code == 200 and b"Hello Connector" not in missing.content
    assert missing.context["total"] == 0


def test_home_costs_a_fixed_number_of_queries(client, publish, build_pkg, django_assert_max_num_queries):
    for i in range(5):
        publish(build_pkg(id=f"pkg-{i}", name=f"Package {i}"))

    with django_assert_max_num_queries(4):
        response = client.get(reverse("catalog:home"))

    assert response.context["total"] == 5


def test_listing_page_shows_what_a_customer_needs(client, publish, build_pkg):
    readme = b"# Hello\n\nUse it well.\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1))\n"
    pkg = build_pkg({"README.md": readme})
    submission = publish(pkg)

    response = client.get(reverse("catalog:package-detail", args=["hello-connector"]))

    body = response.content.decode()
    release = submission.release
    assert response.status_code == 200
    for text in [
        "Hello Connector",
        "1.0.0",
        "Connector",
        "Integration",
        "MIT",
        "network:api.example.com",
        "Connect to api.example.com over the network.",
        "Alice Tools",
        pkg.sha256,
        release.key_fingerprint,
        "Use it well.",
    ]:
        assert text in body, text
    assert "<script>alert(1)</script>" not in body
    assert 'href="javascript' not in body


def test_unpublished_listing_is_not_found(client, author, build_pkg):
    publishing.submission_create(
        publisher=author.publisher, uploader=author.user, upload=build_pkg().file(), filename="x"
    )

    assert client.get(reverse("catalog:package-detail", args=["hello-connector"])).status_code == 404
    assert (
        client.get(reverse("catalog:release-download", args=["hello-connector", "1.0.0"])).status_code == 404
    )


def test_download_serves_the_signed_bytes(client, publish, build_pkg):
    pkg = build_pkg()
    publish(pkg)

    response = client.get(reverse("catalog:release-download", args=["hello-connector", "1.0.0"]))

    data = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert hashlib.sha256(data).hexdigest() == pkg.sha256
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"] == 'attachment; filename="hello-connector-1.0.0.argent-pkg"'
    assert response["Content-Length"] == str(pkg.size)


@pytest.mark.parametrize(("url", "status"), [("/no/such/page/", 404)])
def test_error_pages_use_the_site_templates(client, settings, url, status):
    settings.DEBUG = False

    response = client.get(url)

    assert response.status_code == status
    assert b"Argent Marketplace" in response.content


def test_server_error_page_renders_without_context(rf):
    from marketplace.views import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert b"<html" in response.content.lower()


def test_forbidden_page_uses_the_site_template(client, author, django_user_model):
    from tests.conftest import make_user

    client.force_login(make_user(django_user_model, "outsider"))

    response = client.get(reverse("publishing:upload", args=[author.publisher.slug]))

    assert response.status_code == 403
    assert "You are not a member of this publisher." in response.content.decode()
