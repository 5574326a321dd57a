"""``/api/docs/``: docstrings rendered as Markdown, a table of contents, and which reads need no token."""

import re

import pytest
from django.test import Client

from publishing.api.docs import docstring_html, section_of, token_rule

pytestmark = pytest.mark.django_db


def test_docstrings_are_rendered_not_shown_raw():
    html = docstring_html(
        "Calls :func:`catalog.search.fetch_page` on ``GET /api/v1/catalog``.\n\n* one\n* two"
    )
    assert "<code>catalog.search.fetch_page</code>" in html
    assert "<code>GET /api/v1/catalog</code>" in html
    assert "<li>one</li>" in html
    assert ":func:" not in html and "``" not in html


def test_raw_html_in_a_docstring_is_escaped():
    assert "<script>" not in docstring_html("<script>alert(1)</script>")


@pytest.mark.parametrize(
    ("security", "rule"),
    [
        (None, "none"),
        ([{}], "none"),
        ([{"bearerToken": []}, {}], "optional"),
        ([{"bearerToken": []}], "required"),
    ],
)
def test_token_rule(security, rule):
    assert token_rule(security) == rule


def test_sections_take_the_longest_prefix():
    assert section_of("/api/v1/catalog") == "argentos"
    assert section_of("/api/v1/marketplace/categories") == "cloud-os"
    assert section_of("/api/objectstack/v1/listings") == "objectstack"
    assert section_of("/cp/api/v1/admin/marketplace/queue") == "staff"


def test_the_page_has_contents_and_marks_public_reads(client: Client):
    page = client.get("/api/docs/").content.decode()
    assert page.count('href="#catalog_list"') == 1  # in the contents
    assert re.search(r'id="argentos".*id="cloud-os".*id="objectstack".*id="staff"', page, re.S)
    catalog = page[page.index('id="catalog_list"') :]
    catalog = catalog[: catalog.index("</section>")]
    assert "No token" in catalog and "Bearer token" not in catalog
    publish = page[page.index('id="publish"') :]
    assert "Bearer token" in publish[: publish.index("</section>")]
    assert "``" not in page and ":mod:`" not in page and ":class:`" not in page
