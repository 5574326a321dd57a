"""Every operation of our OpenAPI document, fuzzed by schemathesis: none answers a server error.

Every path and method of ``/api/schema/`` (the catalog reads of the three dialects, activation,
license look-ups, installs, uploads, the staff queue, submissions, the blocklist) with generated
bodies, parameters and headers, sent three times: anonymous, with an author token and with a
staff token, so the views behind authentication are reached too. Through the WSGI application (no network); bounded: few
examples per operation, no deadline.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from marketplace.wsgi import application
from tests.factories import LicenseFactory, PublishedPackageFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def bearer_headers(author, reviewer) -> list[dict[str, str]]:
    """No credentials, an author token of ``alice-tools``, a staff token; with rows the paths name."""
    from tokens import services

    PublishedPackageFactory(
        identifier="hello-connector",
        publisher=author.publisher,
        release__signing_key=author.key,
        release__private_key=author.signing_key,
        release__stored=True,
    )
    LicenseFactory(owner=author.user)
    _, author_token = services.api_token_create(user=author.user, publisher=author.publisher, name="ci")
    _, staff_token = services.api_token_create(user=reviewer, staff=True, name="staff")
    return [{}, {"Authorization": f"Bearer {author_token}"}, {"Authorization": f"Bearer {staff_token}"}]


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
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_server_error(case, bearer_headers):
    for headers in bearer_headers:
        case.call_and_validate(checks=[not_a_server_error], headers=headers)
