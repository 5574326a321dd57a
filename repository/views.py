"""The TUF repository's files, served from the ``packages`` storage (``docs/api.md``, "TUF repository").

In production a CDN or the bucket itself may serve the same ``tuf/`` prefix; these views are
what a development site and the tests read, with the cache headers such a front must keep:
versioned files never change (``immutable``), ``timestamp.json`` and ``blocklist.json`` must
be fetched fresh (``no-cache``).
"""

from __future__ import annotations

import re

from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpRequest

from .services import BLOCKLIST_TARGET, METADATA_PREFIX, TARGETS_PREFIX

#: ``N.root.json``, ``N.targets.json``, ``N.snapshot.json``, ``N.bins-XX.json``, ``timestamp.json``.
METADATA_NAME = re.compile(
    r"\A(?:[1-9][0-9]{0,9}\.(?:root|targets|snapshot|bins-[0-9a-f]{2})|timestamp)\.json\Z"
)
#: ``blocklist.json`` and ``SHA256.blocklist.json``.
TARGET_NAME = re.compile(r"\A(?:[0-9a-f]{64}\.)?" + re.escape(BLOCKLIST_TARGET) + r"\Z")
IMMUTABLE = "public, max-age=31536000, immutable"
FRESH = "no-cache"


def _serve(name: str, cache_control: str) -> FileResponse:
    storage = storages["packages"]
    if not storage.exists(name):
        raise Http404("No such TUF file.")
    response = FileResponse(storage.open(name, "rb"), content_type="application/json")
    response["Cache-Control"] = cache_control
    return response


def metadata_file(request: HttpRequest, name: str) -> FileResponse:
    """``GET /tuf/metadata/<name>``: one metadata file; 404 for any other name or a file not written yet."""
    if not METADATA_NAME.match(name):
        raise Http404("No such TUF metadata file.")
    return _serve(METADATA_PREFIX + name, FRESH if name == "timestamp.json" else IMMUTABLE)


def target_file(request: HttpRequest, name: str) -> FileResponse:
    """``GET /tuf/targets/<name>``: the blocklist target (plain, or under its SHA-256: immutable)."""
    if not TARGET_NAME.match(name):
        raise Http404("No such TUF target.")
    return _serve(TARGETS_PREFIX + name, FRESH if name == BLOCKLIST_TARGET else IMMUTABLE)
