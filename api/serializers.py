"""Reply shapes every API dialect shares: the error body and UTC timestamps (docs/api.md, "Errors")."""

from __future__ import annotations

from datetime import UTC

from rest_framework import serializers


def utc_z(value) -> str | None:
    """A datetime as UTC ISO 8601 ending in ``Z`` (docs/api.md), or None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def put_present(out: dict, key: str, value) -> None:
    """Set ``out[key]`` only when ``value`` is not None or empty (ObjectStack's schemas allow absence, not null)."""
    if value not in (None, ""):
        out[key] = value


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable dotted code, e.g. `manifest.id_invalid`.")
    field = serializers.CharField(allow_null=True, help_text="Manifest field, member path, or null.")
    message = serializers.CharField()


class ErrorResponseSerializer(serializers.Serializer):
    ok = serializers.BooleanField(default=False)
    errors = ErrorSerializer(many=True)
