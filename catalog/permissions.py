"""Plain-words explanations of package permissions (docs/package-format.md, "Kinds and permissions")."""

from __future__ import annotations

_SIMPLE = {
    "network": "Connect to any host on the network.",
    "chat_inject": "Add messages to your agent's conversations.",
    "fs:tmp": "Read and write files in a temporary directory.",
    "fs:read": "Read files on your machine.",
    "fs:write": "Create, change and delete files on your machine.",
    "process": "Start other programs on your machine.",
}
_PREFIXED = {
    "network:": "Connect to {} over the network.",
    "secrets:": "Read the secret {} from your vault.",
    "mcp:": "Offer the tool {} to your agent.",
    "docker:": "Run its container with the Linux capability {}.",
    "port:": "Listen on port {}.",
    "mount:": "Mount the directory {} into its container.",
    "data:read.": "Read the data source {}.",
    "refresh:": "Refresh itself every {}.",
}


def explain_permission(permission: str) -> str:
    """A sentence a customer understands for one permission string, e.g. ``network:api.github.com``."""
    if permission in _SIMPLE:
        return _SIMPLE[permission]
    for prefix, template in _PREFIXED.items():
        if permission.startswith(prefix):
            return template.format(permission[len(prefix) :])
    return f"A permission this marketplace does not describe: {permission}."


def explain_permissions(permissions: list[str]) -> list[dict[str, str]]:
    """``[{"name": ..., "explanation": ...}]`` for a release's permissions, in manifest order."""
    return [{"name": p, "explanation": explain_permission(p)} for p in permissions]
