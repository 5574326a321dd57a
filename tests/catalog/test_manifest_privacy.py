"""The author's e-mail in a manifest is never shown publicly (docs/package-format.md, ``author``)."""

import pytest
from django.test import Client

from tests.factories import PublishedPackageFactory

pytestmark = pytest.mark.django_db


def test_the_cloud_os_detail_leaves_out_the_authors_email(client: Client):
    PublishedPackageFactory(
        identifier="mail-connector",
        release__manifest_fields={
            "author": {"name": "Ada", "email": "ada@example.com", "url": "https://ada.example"}
        },
    )
    response = client.get("/api/v1/marketplace/connectors/items/mail-connector")
    assert response.status_code == 200
    author = response.json()["manifest"]["author"]
    assert author["name"] == "Ada" and author["url"] == "https://ada.example"
    assert "email" not in author
    assert b"ada@example.com" not in response.content
