"""``marketplace.middleware``: a NUL in a path is 404, in a query parameter 400, on every page and API.

PostgreSQL cannot compare text holding NUL (``DataError``, a 500); the unit
suite runs on PostgreSQL too (``scripts/test.sh``), where these failed before.
"""

from __future__ import annotations

import pytest

from tests.factories import PublishedPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(author):
    return PublishedPackageFactory(
        identifier="hello-connector",
        publisher=author.publisher,
        release__signing_key=author.key,
        release__private_key=author.signing_key,
    )


NUL_PATHS = [
    "/packages/a%00b/",
    "/packages/a%00b/1.0.0/download",
    "/packages/%00/reviews/",
    "/packages/a%00b/report/",
    "/packages/a%00b/watch/",
    "/checkout/buy/a%00/",
    "/tags/a%00b/",
    "/publishers/a%00b/",
    "/api/v1/catalog/a%00b",
    "/api/v1/license/ARG-%00",
    "/api/objectstack/v1/listings/a%00b",
]


@pytest.mark.parametrize("path", NUL_PATHS)
@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_a_nul_in_a_path_is_not_found(client, package, user, path, who):
    if who == "customer":
        client.force_login(user)
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


def test_a_nul_in_a_review_edit_path_is_not_found(client, package, user):
    client.force_login(user)
    assert client.get("/packages/a%00b/reviews/edit/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=a%00b",
        "/search/?tag=a%00b",
        "/packages/hello-connector/1.0.0/download?key=a%00b",
        "/packages/hello-connector/?x%00=1",
    ],
)
def test_a_nul_in_a_query_parameter_is_a_bad_request(client, package, url):
    assert client.get(url).status_code == 400


@pytest.mark.parametrize(
    "url", ["/api/v1/catalog?q=a%00b", "/api/v1/catalog/hello-connector/download?version=1%00"]
)
def test_the_api_answers_a_nul_in_its_error_body(client, package, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "request.malformed"
    response = client.get("/api/v1/catalog/a%00b")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
