"""``GET /api/v1/blocklist``: the signed list of blocked releases (docs/api.md, "Blocklist")."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ..blocklist import blocklist_document

#: Seconds clients and caches may reuse a blocklist.
CACHE_SECONDS = 60


class BlockedReleaseSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The package identifier.")
    version = serializers.CharField()
    sha256 = serializers.CharField(help_text="Lowercase hex SHA-256 of the release's package file.")
    severity = serializers.ChoiceField(choices=["soft", "hard"], help_text="soft: warn; hard: disable.")
    reason = serializers.CharField()
    blocked_at = serializers.CharField(help_text="UTC ISO 8601 ending in Z.")


class BlocklistSerializer(serializers.Serializer):
    blocklist = BlockedReleaseSerializer(many=True)
    signed = serializers.CharField(help_text="What the signature covers: `rfc8785(blocklist)`.")
    algorithm = serializers.CharField(help_text="`ed25519`.")
    generated_at = serializers.CharField(help_text="UTC ISO 8601 ending in Z; not signed.")
    public_key = serializers.CharField(help_text="The marketplace's Ed25519 public key, standard base64.")
    key_fingerprint = serializers.CharField(help_text="`SHA256:` + unpadded base64 of SHA-256 of the key.")
    signature = serializers.CharField(help_text="Ed25519 signature, standard base64.")


class BlocklistApi(APIView):
    """The blocked releases, signed by the marketplace: ``GET /api/v1/blocklist``.

    ``blocklist`` holds one row per blocked release (``id``, ``version``,
    ``sha256``, ``severity`` ``soft``/``hard``, ``reason``, ``blocked_at``),
    sorted by ``id`` then version; a whole-package block is expanded to every
    published release. What is signed, exactly: the bytes
    ``rfc8785.dumps(body["blocklist"])``, the RFC 8785 canonical JSON of the
    ``blocklist`` array alone, signed with pure Ed25519; ``signature`` is
    the standard base64 of the 64-byte signature, and ``signed`` names the
    covered part (``"rfc8785(blocklist)"``). ``generated_at`` is not signed.
    Clients check ``key_fingerprint`` against the fingerprint they pinned.
    Public, cacheable for a minute.
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(responses={200: BlocklistSerializer}, auth=[])
    def get(self, request, *args, **kwargs) -> Response:
        return Response(blocklist_document(), headers={"Cache-Control": f"public, max-age={CACHE_SECONDS}"})
