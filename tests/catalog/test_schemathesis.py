"""Property-based tests of the catalog API's GET endpoints from our own OpenAPI document.

Schemathesis reads ``/api/schema/`` through the WSGI application (no network)
and generates requests for every catalog ``GET`` operation; none may answer
with a server error. Bounded: few examples per operation, no deadline.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from marketplace.wsgi import application
from tests.factories import PublishedPackageFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
    method="GET", path_regex=r"^/api/(v1/(catalog|marketplace)|objectstack/v1/(listings|publishers))"
)


@pytest.fixture
def catalog_rows(author):
    """hello-connector 1.0.0 with its package file stored (the download operations serve it)."""
    PublishedPackageFactory(
        identifier="hello-connector",
        display_name="Hello Connector",
        publisher=author.publisher,
        release__signing_key=author.key,
        release__private_key=author.signing_key,
        release__stored=True,
    )


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes "old" connections at the end of each request, as in production;
    inside a test transaction that would close the test's own PostgreSQL connection. Django's
    test client disconnects the same receivers for the same reason."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case, catalog_rows):
    case.call_and_validate(checks=[not_a_server_error])
