"""Public pages: home, listing, download and error pages."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from catalog.constants import VerificationLevel
from catalog.models import Package, Publisher
from tests.catalog.test_search import make_package
from tests.factories import PublishedPackageFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


def hello_connector(author, **fields) -> Package:
    """hello-connector 1.0.0 of ``author``'s publisher, published (rows only, see tests/factories.py)."""
    return PublishedPackageFactory(
        identifier="hello-connector", display_name="Hello Connector", publisher=author.publisher, **fields
    )


def in_review(author, identifier: str, display_name: str):
    """An uploaded release of a new package, awaiting review: the submission."""
    return SubmissionFactory(
        release__package__identifier=identifier,
        release__package__display_name=display_name,
        release__package__publisher=author.publisher,
        submitted_by=author.user,
    )


def test_home_lists_published_packages_only(client, author):
    hello_connector(author)
    in_review(author, "unreviewed-thing", "Unreviewed Thing")

    response = client.get(reverse("catalog:home"))

    assert response.status_code == 200
    assert b"Hello Connector" in response.content
    assert b"Unreviewed Thing" not in response.content


def test_listing_page_shows_what_a_customer_needs(client, author):
    readme = "# Hello\n\nUse it well.\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1))\n"
    release = hello_connector(author, readme=readme).latest_release

    response = client.get(reverse("catalog:package-detail", args=["hello-connector"]))

    body = response.content.decode()
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
        release.artifact_sha256,
        release.key_fingerprint,
        "Use it well.",
    ]:
        assert text in body, text
    assert "<script>alert(1)</script>" not in body
    assert 'href="javascript' not in body


def test_unpublished_listing_is_not_found(client, author):
    in_review(author, "hello-connector", "Hello Connector")

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


# --- home, search and browsing pages -----------------------------------------------------------


@pytest.fixture
def shelf(author):
    """Ten packages: connectors, skills and a theme from two publishers, one featured."""
    acme = Publisher.objects.create(
        slug="acme",
        name="Acme Corp",
        verification=VerificationLevel.PARTNER,
        description="Connectors for the tools your team already uses.",
        website="https://acme.example.com",
    )
    packages = []
    for i in range(6):
        packages.append(
            make_package(
                author,
                f"connector-{i}",
                display_name=f"Connector {i}",
                tagline="Sync records",
                tags=["sync", f"c{i}"],
                installs_30d=10 * i,
                category="crm" if i % 2 else "integration",
                publisher=acme if i < 3 else author.publisher,
                compatibility=">=2026" if i < 4 else "<2026",
            )
        )
    for i in range(3):
        packages.append(
            make_package(
                author, f"skill-{i}", kind="skill", category="ai", tagline="Writes text", tags=["sync"]
            )
        )
    packages.append(make_package(author, "dark-theme", kind="theme", category="ui-theme", featured=True))
    return packages


def test_home_shows_the_sections_and_browsing(client, shelf):
    response = client.get(reverse("catalog:home"))

    body = response.content.decode()
    assert response.status_code == 200
    assert [p.identifier for p in response.context["featured"]] == ["dark-theme"]
    assert response.context["popular"][0].identifier == "connector-5"
    assert len(response.context["newest"]) == 6
    assert response.context["updated"] == []  # no package has a release newer than its first
    assert {k.slug: k.n for k in response.context["kinds"]} == {"connector": 6, "skill": 3, "theme": 1}
    for text in [
        "Featured",
        "Popular",
        "New",
        "Browse by category",
        'href="/kinds/connectors/"',
        'href="/categories/crm/"',
    ]:
        assert text in body, text


def test_home_shows_recently_updated_packages(client, author):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    make_package(author, "fresh", published_at=now - dt.timedelta(days=9), release_published_at=now)

    response = client.get(reverse("catalog:home"))

    assert [p.identifier for p in response.context["updated"]] == ["fresh"]


def test_empty_home(client, db):
    response = client.get(reverse("catalog:home"))

    assert response.status_code == 200
    assert "No packages yet" in response.content.decode()


def test_home_with_search_parameters_redirects_to_the_search_page(client, db):
    response = client.get(reverse("catalog:home"), {"q": "weather", "kind": "connector"})

    assert response.status_code == 301
    assert response["Location"] == "/search/?q=weather&kind=connector"


def test_search_page_finds_and_says_when_nothing_matches(client, author):
    hello_connector(author)

    found = client.get(reverse("catalog:search"), {"q": "hello"})
    missing = client.get(reverse("catalog:search"), {"q": "zebra"})

    assert b"Hello Connector" in found.content
    assert found.context["total"] == 1
    assert missing.status_code == 200 and b"Hello Connector" not in missing.content
    assert missing.context["total"] == 0
    assert "No packages match “zebra”" in missing.content.decode()


def test_search_page_says_when_it_shows_packages_with_any_of_the_words(client, author):
    hello_connector(author)

    some = client.get(reverse("catalog:search"), {"q": "hello zebra"})
    every = client.get(reverse("catalog:search"), {"q": "hello connector"})

    assert some.context["total"] == 1 and b"Hello Connector" in some.content
    assert "No package has all of these words" in some.content.decode()
    assert every.context["total"] == 1
    assert "No package has all of these words" not in every.content.decode()


def test_search_page_facets_combine_with_the_query(client, shelf):
    response = client.get(reverse("catalog:search"), {"q": "sync", "category": "crm"})

    groups = {
        g["key"]: {o["facet"].value: o["facet"].count for o in g["options"]}
        for g in response.context["facet_groups"]
    }
    assert response.context["total"] == 3  # connectors 1, 3 and 5
    assert groups["category"] == {"crm": 3, "integration": 3, "ai": 3}
    assert groups["pricing"] == {"free": 3}
    assert groups["verification"] == {"partner": 1, "unverified": 2}
    assert groups["tag"]["sync"] == 3
    tabs = {t["label"]: t["count"] for t in response.context["kind_tabs"]}
    assert tabs == {"All": 3, "Connectors": 3}


def test_facet_links_toggle_one_value_and_keep_the_rest(client, shelf):
    response = client.get(reverse("catalog:search"), {"q": "sync", "pricing": "free", "page": "1"})

    groups = {g["key"]: g for g in response.context["facet_groups"]}
    crm = next(o for o in groups["category"]["options"] if o["facet"].value == "crm")
    free = next(o for o in groups["pricing"]["options"] if o["facet"].value == "free")
    assert crm["url"] == "/search/?q=sync&pricing=free&category=crm"
    assert free["selected"] and free["url"] == "/search/?q=sync"
    follow = client.get(crm["url"])
    assert follow.context["total"] == 3


def test_search_page_filters_by_tag_verification_and_compatibility(client, shelf):
    url = reverse("catalog:search")

    assert client.get(url, {"tag": ["sync", "c1"]}).context["total"] == 1
    assert client.get(url, {"verification": "partner"}).context["total"] == 3
    compatible = client.get(url, {"platformVersion": "2026.5.0"})
    assert (
        compatible.context["total"] == 4 + 3 + 1
    )  # connectors 0-3, the skills and the theme admit every version
    assert {p.identifier for p in compatible.context["page_obj"]} >= {"connector-0", "connector-3"}
    none = client.get(url, {"platformVersion": "1999.1.0", "kind": "connector"})
    assert none.context["total"] == 2
    assert client.get(url, {"pricing": "bogus", "verification": "bogus"}).context["total"] == 10


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("popularity", "connector-5"),
        ("rating", "connector-0"),
        ("newest", "connector-0"),
        ("updated", "connector-0"),
        ("name", "connector-0"),
        ("bogus", "dark-theme"),  # the default, best match: featured first, then popular
    ],
)
def test_search_page_sorts(client, shelf, sort, first):
    Package.objects.filter(identifier="connector-0").update(rating_average=5, rating_count=1)

    response = client.get(reverse("catalog:search"), {"sort": sort})

    assert response.context["page_obj"][0].identifier == first


def test_search_page_default_sort_is_best_match(client, shelf):
    browse = client.get(reverse("catalog:search"))
    search = client.get(reverse("catalog:search"), {"q": "skill"})

    assert browse.context["sort"] == "relevance" and browse.context["sort_param"] == ""
    assert [p.identifier for p in browse.context["page_obj"]][:2] == ["dark-theme", "connector-5"]
    assert search.context["page_obj"][0].identifier.startswith("skill-")
    assert '<option value="" selected>Best match</option>' in search.content.decode()


def test_search_page_paginates_by_24_keeping_the_parameters(client, author):
    for i in range(30):
        make_package(author, f"pkg-{i:02d}", tags=["bulk"])

    first = client.get(reverse("catalog:search"), {"tag": "bulk", "sort": "name"})
    second = client.get(reverse("catalog:search"), {"tag": "bulk", "sort": "name", "page": 2})

    assert len(first.context["page_obj"]) == 24 and len(second.context["page_obj"]) == 6
    assert 'href="?tag=bulk&amp;sort=name&amp;page=2"' in first.content.decode()
    assert second.context["page_obj"][0].identifier == "pkg-24"


def test_htmx_request_gets_only_the_results(client, shelf):
    full = client.get(reverse("catalog:search"), {"q": "sync"})
    partial = client.get(reverse("catalog:search"), {"q": "sync"}, headers={"HX-Request": "true"})
    restore = client.get(
        reverse("catalog:search"),
        {"q": "sync"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert "<html" in full.content.decode() and 'hx-get="/search/"' in full.content.decode()
    assert "<html" not in partial.content.decode() and "Connector 1" in partial.content.decode()
    assert "<html" in restore.content.decode()
    assert "HX-Request" in partial["Vary"]
    assert "HX-Push-Url" not in full


def test_htmx_pushes_the_address_without_empty_fields(client, shelf):
    response = client.get(
        reverse("catalog:search"),
        {"q": "sync", "sort": "", "platformVersion": "", "tag": ["sync", ""]},
        headers={"HX-Request": "true"},
    )

    assert response["HX-Push-Url"] == "/search/?q=sync&tag=sync"


def test_kind_page_is_a_tab(client, shelf):
    response = client.get(reverse("catalog:kind", args=["skills"]), {"q": "writes"})

    assert response.status_code == 200
    assert response.context["total"] == 3
    assert response.context["kind"].slug == "skill"
    tabs = {t["label"]: t for t in response.context["kind_tabs"]}
    assert tabs["Skills"]["current"] and tabs["Skills"]["url"] == "/kinds/skills/?q=writes"
    assert tabs["All"]["url"] == "/search/?q=writes"
    assert client.get(reverse("catalog:kind", args=["nothing"])).status_code == 404


def test_kind_as_a_parameter_on_the_search_page(client, shelf):
    response = client.get(reverse("catalog:search"), {"kind": "theme"})

    assert [p.identifier for p in response.context["page_obj"]] == ["dark-theme"]
    assert next(t for t in response.context["kind_tabs"] if t["current"])["label"] == "Themes"


def test_category_page(client, shelf):
    response = client.get(reverse("catalog:category", args=["crm"]))

    assert response.context["total"] == 3
    assert "category" not in {g["key"] for g in response.context["facet_groups"]}
    assert "<h1>CRM</h1>" in response.content.decode()
    assert client.get(reverse("catalog:category", args=["nothing"])).status_code == 404


def test_tag_page(client, shelf):
    response = client.get(reverse("catalog:tag", args=["sync"]), {"kind": "skill"})

    assert response.status_code == 200
    assert response.context["total"] == 3
    assert "#sync" in response.content.decode()
    assert client.get(reverse("catalog:tag", args=["nothing"])).context["total"] == 0


def test_publisher_page(client, shelf, author):
    Package.objects.filter(identifier="connector-0").update(status="suspended")

    response = client.get(reverse("catalog:publisher-detail", args=["acme"]))

    body = response.content.decode()
    assert response.status_code == 200
    assert [p.identifier for p in response.context["page_obj"]] == ["connector-2", "connector-1"]
    for text in ["Acme Corp", "Partner publisher", "Connectors for the tools", "https://acme.example.com"]:
        assert text in body, text
    unverified = client.get(reverse("catalog:publisher-detail", args=[author.publisher.slug]))
    assert "Unverified publisher" in unverified.content.decode()
    assert client.get(reverse("catalog:publisher-detail", args=["nobody"])).status_code == 404


# --- query counts: a page costs the same with 2 packages as with 10 -------------------------------

PAGES = [
    ("home", (), {}),
    ("search", (), {"q": "sync", "category": "crm", "tag": "sync", "platformVersion": "2026.5.0"}),
    ("search", (), {}),
    ("search", (), {"q": "sync zebra"}),  # no package has both words: any of them
    ("kind", ("connectors",), {"q": "sync"}),
    ("category", ("crm",), {}),
    ("tag", ("sync",), {}),
    ("publisher-detail", ("acme",), {}),
]


def _queries(client, name, args, params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"catalog:{name}", args=args), params)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(("name", "args", "params"), PAGES)
def test_catalog_pages_cost_a_fixed_number_of_queries(
    client, author, name, args, params, django_assert_max_num_queries
):
    acme = Publisher.objects.create(slug="acme", name="Acme Corp")
    for i in range(2):
        make_package(author, f"connector-{i}", tags=["sync"], category="crm", featured=True, publisher=acme)
    few = _queries(client, name, args, params)
    for i in range(2, 12):
        make_package(
            author,
            f"connector-{i}",
            tags=["sync", f"t{i}"],
            category="crm",
            featured=True,
            publisher=acme if i % 2 else author.publisher,
        )

    with django_assert_max_num_queries(few):
        client.get(reverse(f"catalog:{name}", args=args), params)
    assert few <= QUERY_BUDGET[name]


#: The most queries each page may run.
QUERY_BUDGET = {
    "home": 7,  # featured, popular, new, updated; counts by kind and category, kinds, categories
    # A page of ids, those packages, facets with the total, tags, compatible specifiers, and on
    # PostgreSQL the look-alikes of the query's words; with several words, whether any package has
    # them all (instead of compatible specifiers in the test with several words).
    "search": 6,
    "kind": 6,  # the kind, a page of ids, those packages, facets with the total, tags, look-alikes
    "category": 5,
    "tag": 4,  # a page of ids, those packages, facets with the total, tags
    "publisher-detail": 3,  # publisher, count, page
}


def test_paid_download_needs_a_license(client, publish, build_pkg, user):
    from licensing.licenses import license_issue

    package = publish(build_pkg(pricing="pro", price_cents=1900)).package
    url = reverse("catalog:release-download", args=[package.identifier, "1.0.0"])

    refused = client.get(url)
    _, key = license_issue(package=package, owner=user)
    with_key = client.get(url, headers={"X-License-Key": key})
    client.force_login(user)
    as_owner = client.get(url)

    assert refused.status_code == 402 and "paid package" in refused.content.decode()
    for response in (with_key, as_owner):
        assert response.status_code == 200
        b"".join(response.streaming_content)
