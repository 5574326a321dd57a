"""``api.parsers.JSONParser``: deeply nested JSON bodies are refused with ``400 request.malformed``.

Before it, ``[`` x 100,000 or ``{"a":`` x 5,000 raised ``RecursionError`` in the decoder (a 500).
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

#: ``api.parsers.MAX_JSON_DEPTH`` (a literal, so that this file also runs on older code).
MAX_JSON_DEPTH = 32

ENDPOINTS = ["/api/v1/activate", "/api/v1/deactivate", "/api/v1/license", "/api/objectstack/v1/install"]
DEEP_BODIES = {
    "arrays": "[" * 100_000,
    "objects": '{"a":' * 5_000,
    "closed arrays": "[" * 5_000 + "]" * 5_000,
    "just over the limit": json.dumps({"key": json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)}),
}


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_a_deeply_nested_body_is_malformed(client, path, body):
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["errors"]] == ["request.malformed"]


def test_a_body_within_the_limit_reaches_the_view(client):
    body = {
        "key": "ARG-0000",
        "machine_id": json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)),
    }
    response = client.post("/api/v1/activate", body, content_type="application/json")
    assert response.status_code == 400
    assert "request.malformed" not in [e["code"] for e in response.json()["errors"]]


def test_json_depth():
    from api.parsers import MAX_JSON_DEPTH as limit
    from api.parsers import json_depth

    assert limit == MAX_JSON_DEPTH
    assert json_depth(1) == 0
    assert json_depth([]) == 1
    assert json_depth({"a": [{"b": []}]}) == 4
