"""The license API (docs/api.md, "Licenses"), the 'My licenses' page and keys kept out of logs."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from licensing import keys, licenses
from licensing.constants import PaymentKind, PaymentStatus
from licensing.models import Payment


@pytest.fixture
def issued(pro_package, user):
    return licenses.license_issue(package=pro_package, owner=user)


def _post(client: Client, path: str, data: dict, **extra):
    return client.post(path, data, content_type="application/json", **extra)


def test_activate_reply_shape_and_idempotence(client, issued, pro_package):
    license, key = issued
    response = _post(
        client, "/api/v1/activate", {"key": key, "instance_id": "laptop", "package": "pro-package"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] is True
    assert body["license"] == {
        "package": "pro-package",
        "pricing": "pro",
        "status": "active",
        "expires_at": license.expires_at.isoformat().replace("+00:00", "Z"),
        "activations_used": 1,
        "activations_limit": 3,
    }
    assert body["activation"]["instance_id"] == "laptop"
    assert (body["activations_used"], body["activations_limit"]) == (1, 3)
    assert body["expires_at"] == body["license"]["expires_at"]
    again = _post(client, "/api/v1/activate", {"key": key.lower(), "instance_id": "laptop"}).json()
    assert again["activation"]["id"] == body["activation"]["id"] and again["activations_used"] == 1


def test_cap_reached_is_409(client, issued):
    _, key = issued
    for n in range(3):
        assert _post(client, "/api/v1/activate", {"key": key, "instance_id": f"i{n}"}).status_code == 200
    response = _post(client, "/api/v1/activate", {"key": key, "instance_id": "i3"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "license.activation_limit"
    assert _post(client, "/api/v1/deactivate", {"key": key, "instance_id": "i0"}).json() == {
        "ok": True,
        "activations_used": 2,
        "activations_limit": 3,
    }
    assert _post(client, "/api/v1/activate", {"key": key, "instance_id": "i3"}).status_code == 200


def test_unknown_revoked_expired_and_malformed(client, issued):
    license, key = issued
    unknown = _post(client, "/api/v1/activate", {"key": keys.generate_key(), "instance_id": "a"})
    assert unknown.status_code == 404
    assert unknown.json() == {
        "ok": False,
        "errors": [{"code": "license.not_found", "field": "key", "message": "No license has this key."}],
    }
    wrong_package = _post(client, "/api/v1/activate", {"key": key, "instance_id": "a", "package": "nope"})
    assert wrong_package.status_code == 404 and wrong_package.json() == unknown.json()
    typo = key[:-1] + ("0" if key[-1] != "0" else "1")
    response = _post(client, "/api/v1/activate", {"key": typo, "instance_id": "a"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "license.key_invalid"
    missing = _post(client, "/api/v1/activate", {"key": key})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "instance_id"
    licenses.license_revoke(license=license, reason="Refunded.")
    response = _post(client, "/api/v1/activate", {"key": key, "instance_id": "a"})
    assert response.status_code == 410
    assert response.json()["errors"][0]["code"] == "license.revoked"
    assert "Refunded" not in response.content.decode()
    assert (
        _post(client, "/api/v1/deactivate", {"key": keys.generate_key(), "instance_id": "a"}).status_code
        == 404
    )


def test_license_lookup_get_and_post(client, issued):
    license, key = issued
    licenses.activation_register(key=key, instance_id="a")
    by_get = client.get(f"/api/v1/license/{key}")
    by_post = _post(client, "/api/v1/license", {"key": key})
    assert by_get.status_code == by_post.status_code == 200
    assert by_get.json() == by_post.json()
    assert by_get.json()["status"] == "active" and by_get.json()["activations_used"] == 1
    licenses.license_suspend(license=license, reason="Disputed.")
    assert _post(client, "/api/v1/license", {"key": key}).json()["status"] == "revoked"
    assert client.get(f"/api/v1/license/{keys.generate_key()}").status_code == 404
    assert client.get("/api/v1/license/garbage").status_code == 400
    assert _post(client, "/api/v1/license", {}).status_code == 400
    assert _post(client, "/api/v1/license", ["not", "an", "object"]).status_code == 400


def test_rate_limited_per_key_prefix(client, issued, settings):
    _, key = issued
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "license_key": "2/minute",
        },
    }
    assert _post(client, "/api/v1/license", {"key": key}).status_code == 200
    assert client.get(f"/api/v1/license/{key}", REMOTE_ADDR="10.0.0.2").status_code == 200
    throttled = _post(client, "/api/v1/license", {"key": key}, REMOTE_ADDR="10.0.0.3")
    assert throttled.status_code == 429
    assert throttled.json()["errors"][0]["code"] == "rate_limited"
    # Another key prefix is not affected.
    assert _post(client, "/api/v1/license", {"key": keys.generate_key()}).status_code in (404, 429)


def test_rate_limited_per_address(client, issued, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "license_address": "3/minute",
        },
    }
    for _ in range(3):
        assert _post(client, "/api/v1/license", {"key": "garbage"}).status_code == 400
    assert _post(client, "/api/v1/license", {"key": "garbage"}).status_code == 429
    assert _post(client, "/api/v1/license", {"key": "garbage"}, REMOTE_ADDR="10.9.9.9").status_code == 400


def test_keys_never_reach_the_logs(client, issued, caplog):
    license, key = issued
    typo = key[:-1] + ("0" if key[-1] != "0" else "1")
    revoked_package_key = key
    caplog.set_level(logging.DEBUG)
    other_key = keys.generate_key()
    for raw in (key, key.lower(), other_key, typo, "ARG-garbage-1234"):
        client.get(f"/api/v1/license/{raw}")
        _post(client, "/api/v1/license", {"key": raw})
        _post(client, "/api/v1/activate", {"key": raw, "instance_id": "a"})
        _post(client, "/api/v1/deactivate", {"key": raw, "instance_id": "a"})
    licenses.license_revoke(license=license, reason="Refunded.")
    client.get(f"/api/v1/license/{revoked_package_key}")
    _post(client, "/api/v1/activate", {"key": revoked_package_key, "instance_id": "b"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/api/v1/license/ARG-…-" in logged  # the 404s were logged, masked
    body = lambda k: k.removeprefix("ARG-").replace("-", "").upper()  # noqa: E731
    for secret in (key, other_key, typo):
        assert secret not in logged and secret.lower() not in logged
        assert body(secret)[:20] not in logged.upper().replace("-", "")


# --- downloads through the catalog API --------------------------------------------------------------------


def test_paid_download_with_a_real_key(client, build_pkg, publish, user):
    submission = publish(build_pkg(pricing="pro", price_cents=1900))
    package = submission.package
    url = f"/api/v1/catalog/{package.identifier}/download"
    assert client.get(url).status_code == 402
    _, key = licenses.license_issue(package=package, owner=user)
    assert client.get(url, HTTP_X_LICENSE_KEY=key).status_code == 302
    assert client.get(url, {"key": key.lower()}).status_code == 302
    licensed = client.get("/api/v1/catalog/licensed", {"key": key})
    assert licensed.status_code == 200


# --- My licenses ---------------------------------------------------------------------------------------------


def test_my_licenses_page(client, issued, user, django_user_model):
    from tests.conftest import make_user

    license, key = issued
    activation, _ = licenses.activation_register(key=key, instance_id="desk-42")
    Payment.objects.create(
        buyer=user,
        package=license.package,
        license=license,
        kind=PaymentKind.PURCHASE,
        amount_cents=1950,
        status=PaymentStatus.PAID,
    )
    assert client.get("/account/licenses/").status_code == 302  # sign in first
    client.force_login(user)
    page = client.get("/account/licenses/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"ARG-…-{key[-4:]}" in html and key not in html
    assert "desk-42" in html and "$19.50" in html and "Pro-Package" in html
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]

    revealed = client.post(f"/account/licenses/{license.pk}/reveal/")
    assert revealed.status_code == 200 and key in revealed.content.decode()
    assert client.get(f"/account/licenses/{license.pk}/reveal/").status_code == 405

    response = client.post(f"/account/licenses/{license.pk}/activations/{activation.pk}/deactivate/")
    assert response.status_code == 302
    assert licenses.activations_used(license) == 0

    client.force_login(make_user(django_user_model, "mallory"))
    assert client.post(f"/account/licenses/{license.pk}/reveal/").status_code == 404
    assert "No licenses yet" in client.get("/account/licenses/").content.decode()
