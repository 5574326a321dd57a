"""``GET /api/v1/license/check/{key}``, the key check of the ArgentOS dashboard and desktop app."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from licensing import keys, licenses
from licensing.models import License

FIELDS = {"valid", "status", "type", "orgName", "error"}


@pytest.fixture
def issued(pro_package, user):
    return licenses.license_issue(package=pro_package, owner=user)


def check(client: Client, key: str, **extra):
    return client.get(f"/api/v1/license/check/{key}", **extra)


def test_an_active_key_is_valid_with_its_type_and_publisher(client, issued, pro_package):
    _, key = issued

    response = check(client, key)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "valid": True,
        "status": "active",
        "type": "pro",
        "orgName": pro_package.publisher.name,
        "error": None,
    }


def test_a_key_is_read_like_everywhere_else_lower_case_included(client, issued):
    _, key = issued
    assert check(client, key.lower()).json()["valid"] is True


@pytest.mark.parametrize("status", ["expired", "revoked"])
def test_an_inactive_key_is_not_valid_and_says_why(client, issued, status):
    license, key = issued
    License.objects.filter(pk=license.pk).update(status=status)

    body = check(client, key).json()

    assert (body["valid"], body["status"], body["type"]) == (False, status, "pro")
    assert body["error"]


@pytest.mark.parametrize("key", [keys.generate_key(), "not-a-key", "x" * 300])
def test_an_unknown_or_malformed_key_is_200_unknown(client, db, key):
    response = check(client, key)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == FIELDS
    assert (body["valid"], body["status"], body["type"], body["orgName"]) == (False, "unknown", None, None)
    assert body["error"]


def test_checks_count_against_the_license_key_limit(client, db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "license_address": "2/minute",
        },
    }
    for _ in range(2):
        assert check(client, keys.generate_key(), REMOTE_ADDR="10.9.8.7").status_code == 200
    limited = check(client, keys.generate_key(), REMOTE_ADDR="10.9.8.7")
    assert limited.status_code == 429
    assert limited.json()["errors"][0]["code"] == "rate_limited"
    # The same budget as the other license endpoints.
    assert client.get(f"/api/v1/license/{keys.generate_key()}", REMOTE_ADDR="10.9.8.7").status_code == 429


def test_the_key_is_masked_in_the_request_log(client, db, caplog):
    from marketplace.logmask import mask_secrets

    secret = "my-typed-key-123"
    line = f'"GET /api/v1/license/check/{secret} HTTP/1.1" 200 80'
    assert secret not in mask_secrets(line)
    with caplog.at_level(logging.INFO):
        check(client, secret)
    assert secret not in caplog.text
