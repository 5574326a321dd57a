"""The log's JSON API: what to pin, and one release's inclusion proof (docs/api.md, "Transparency log")."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.serializers import ErrorResponseSerializer
from catalog.api.views import PublicApiView

from . import tree


class LogInfoSerializer(serializers.Serializer):
    origin = serializers.CharField(
        help_text="The log's name: the first line of its checkpoints and its key's name."
    )
    verifier_key = serializers.CharField(
        help_text="`ORIGIN+KEYID+base64(0x01 || key)` (C2SP signed-note key)."
    )
    public_key = serializers.CharField(help_text="The log's Ed25519 public key, 32 bytes in standard base64.")
    base_url = serializers.CharField(
        help_text="Where `checkpoint`, `tile/…` and `tile/entries/…` are served."
    )
    tile_height = serializers.IntegerField(help_text="Always 8: 256 hashes per full tile.")


class ReleaseProofSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The package identifier.")
    version = serializers.CharField()
    log_index = serializers.IntegerField(
        help_text="0-based index of the release's `release.published` entry."
    )
    entry = serializers.CharField(help_text="The entry's bytes (RFC 8785 canonical JSON), standard base64.")
    leaf_hash = serializers.CharField(help_text="SHA-256(0x00 || entry), standard base64 (RFC 9162, 2.1.1).")
    checkpoint = serializers.CharField(
        allow_null=True, help_text="The latest signed checkpoint (signed note)."
    )
    tree_size = serializers.IntegerField(
        allow_null=True, help_text="The checkpoint's size; null until integrated."
    )
    inclusion_proof = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="RFC 9162 inclusion proof of `log_index` in `tree_size`, bottom-up, standard base64; "
        "null until the entry is integrated (retry in a few seconds).",
    )
    log = LogInfoSerializer()


class LogInfoApi(PublicApiView):
    """``GET /api/v1/log``: the log's origin, verifier key and where its files are served."""

    @extend_schema(operation_id="log_info", responses={200: LogInfoSerializer}, auth=[])
    def get(self, request) -> Response:
        return Response(tree.log_info())


class ReleaseProofApi(PublicApiView):
    """``GET /api/v1/log/releases/{id}/{version}``: the release's entry, the checkpoint, the inclusion proof."""

    @extend_schema(
        operation_id="log_release_proof",
        responses={200: ReleaseProofSerializer, 404: OpenApiResponse(ErrorResponseSerializer)},
        auth=[],
    )
    def get(self, request, identifier: str, version: str) -> Response:
        answer = tree.release_proof(identifier, version)
        if answer is None:
            raise Http404("The log holds no published release with this identifier and version.")
        return Response(answer, headers={"Cache-Control": "no-cache"})
