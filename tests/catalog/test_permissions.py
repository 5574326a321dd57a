"""Plain-words permission explanations."""

import pytest

from catalog.permissions import explain_permission, explain_permissions


@pytest.mark.parametrize(
    ("permission", "words"),
    [
        ("network", "Connect to any host on the network."),
        ("network:api.github.com", "Connect to api.github.com over the network."),
        ("secrets:GITHUB_TOKEN", "Read the secret GITHUB_TOKEN from your vault."),
        ("refresh:30s", "Refresh itself every 30s."),
        ("port:8080", "Listen on port 8080."),
        ("made-up", "A permission this marketplace does not describe: made-up."),
    ],
)
def test_explain_permission(permission, words):
    assert explain_permission(permission) == words


def test_explain_permissions_keeps_order():
    assert [p["name"] for p in explain_permissions(["process", "fs:read"])] == [
        "process",
        "fs:read",
    ]
