"""``GET /log/<path>``: the log's static files, read from the ``packages`` storage.

In production the operator serves ``log/`` of the bucket directly and sets ``LOG_BASE_URL``
(docs/operators.md, "The transparency log"); this view serves the same files where the storage
is local. Headers as C2SP ``tlog-tiles`` asks: tiles and bundles immutable, the checkpoint not cached.
"""

from __future__ import annotations

import re

from django.core.files.storage import storages
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from .tree import CHECKPOINT_PATH, PREFIX

#: The paths the log serves: the checkpoint, tiles and entry bundles (C2SP tlog-tiles).
LOG_PATH = re.compile(
    r"(?:tile/(?:entries|[0-9]|[1-5][0-9]|6[0-3])/(?:x[0-9]{3}/)*[0-9]{3}(?:\.p/[1-9][0-9]{0,2})?)"
)
IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def log_file(request: HttpRequest, path: str) -> HttpResponse:
    """One file of the log; 404 for any other path or a file not written (yet)."""
    if path != CHECKPOINT_PATH and not LOG_PATH.fullmatch(path):
        raise Http404("No such log file.")
    storage = storages["packages"]
    try:
        with storage.open(PREFIX + path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise Http404("No such log file.") from exc
    if path == CHECKPOINT_PATH:
        response = HttpResponse(data, content_type="text/plain; charset=utf-8")
        response["Cache-Control"] = "no-cache"
    else:
        response = HttpResponse(data, content_type="application/octet-stream")
        response["Cache-Control"] = IMMUTABLE
    return response
