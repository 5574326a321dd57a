"""Anonymous catalog responses, kept in the cache until the catalog changes.

Most catalog traffic is anonymous and repeats (the home page, popular
searches, the API lists the ArgentOS client polls), and every such request
would otherwise rank, count and render the same packages again. A view
wrapped in :func:`cached_for_anonymous` answers an anonymous ``GET`` from the
cache (``CACHES["default"]``: Redis when ``REDIS_URL`` is set, so every worker
shares it) for at most ``CATALOG_CACHE_SECONDS`` seconds (0 turns it off).

**Anonymous** means a ``GET`` with no session cookie, no messages cookie and
no ``Authorization`` header; anyone signed in, or holding a token, is answered
fresh. **Stored** are only ``200`` answers that set no cookie and used no CSRF
token (a form for a signed-in visitor is never shared), and not streamed.

**Invalidation**: the cache keys carry a catalog version, which
:func:`catalog_changed` moves on after every saved or deleted package,
release, review, publisher, kind or category (signals, connected in
``CatalogConfig.ready``; at once and after the transaction commits). A moderation
decision, a new release, a review or an edit therefore shows at once.
Counters written with ``UPDATE`` (downloads, installs over 30 days) show
within ``CATALOG_CACHE_SECONDS``.

The key also holds the path, the query parameters (sorted, so their order does
not make a new entry) and the headers the answers vary on (``HX-Request``,
``HX-History-Restore-Request``, ``Accept``), all hashed: a key never holds a
parameter's value in clear (a ``?key=`` license key, say).

**Bounded**: a view wrapped with ``params`` names the query parameters it
reads; a request with any other parameter (``?x=1``, ``?x=2``… made to fill
the cache) is answered fresh and not kept, so the number of entries follows
the real searches, not the strings a client invents. The cache itself has a
memory bound and an eviction policy (README, "Production"; ``scripts/test.sh``).
Responses carry ``X-Catalog-Cache: hit`` or ``miss`` (absent when not
cacheable). Kept API answers still count against the per-address rate limit
of anonymous catalog reads (``admit``; docs/api.md, "Rate limits"). Each kept
answer is also gzip-compressed once, when stored, and sent compressed to
clients that accept it (every browser does), so a hit costs no compression
and a tenth of the bytes.

**Two tiers** when the settings define the ``catalog-local`` cache (they do
when ``REDIS_URL`` is set): answers are looked up in the process's memory
first, then in Redis (and copied to memory), so most hits cost no round trip;
each process re-reads the catalog version from Redis at most every
:data:`VERSION_MEMO_SECONDS`, so a change made by another process shows
there within that time (at once in the process that made it).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
import threading
import time
from collections.abc import Callable, Collection
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

#: The cache key of the catalog version.
VERSION_KEY = "catalog:version"
#: The alias of the per-process tier in front of the shared cache (optional).
LOCAL_ALIAS = "catalog-local"
#: How long a process trusts the version it last read from the shared cache, seconds (two tiers only).
VERSION_MEMO_SECONDS = 1.0

_memo = threading.local()
#: ``gzip`` in ``Accept-Encoding`` without ``q=0``.
_GZIP_ACCEPTED = re.compile(r"\bgzip\b(?!\s*;\s*q=0(\.0*)?\s*(,|$))", re.IGNORECASE)
#: Request headers that change an answer, so part of the key.
VARY_HEADERS = ("HX-Request", "HX-History-Restore-Request", "Accept")
#: What :func:`cached_for_anonymous` writes in ``X-Catalog-Cache``.
CACHE_HEADER = "X-Catalog-Cache"


def _local_tier():
    """The per-process cache in front of the shared one, or None (one tier)."""
    return caches[LOCAL_ALIAS] if LOCAL_ALIAS in settings.CACHES else None


def _read_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns() // 1_000_000, timeout=None)
        version = cache.get(VERSION_KEY)
    return int(version)


def catalog_version() -> int:
    """The current catalog version (an integer that only grows while the cache keeps it).

    A missing version (first use, eviction, a flushed cache) starts from the
    time in milliseconds, so it never returns to a number older entries carry.
    With two tiers, read from the shared cache at most every
    :data:`VERSION_MEMO_SECONDS` per thread.
    """
    if _local_tier() is None:
        return _read_version()
    now = time.monotonic()
    if getattr(_memo, "until", 0.0) < now:
        _memo.version, _memo.until = _read_version(), now + VERSION_MEMO_SECONDS
    return _memo.version


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there (first use or evicted): a fresh, larger version
        cache.add(VERSION_KEY, time.time_ns() // 1_000_000, timeout=None)
    _memo.until = 0.0  # this thread sees its own change at once


def catalog_changed(**_signal_kwargs) -> None:
    """Move the catalog version on now and again once the current transaction commits (a signal receiver).

    Every cached anonymous answer made before is then out of reach; the
    second move drops what another request may have cached from the state
    before the commit while the transaction ran.
    """
    _bump()
    transaction.on_commit(_bump)


def _is_anonymous(request) -> bool:
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def _key(request, version: int) -> str:
    query = urlencode(sorted((name, value) for name, values in request.GET.lists() for value in values))
    parts = [request.path, query, *(request.headers.get(name, "") for name in VARY_HEADERS)]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"catalog:response:{version}:{digest}"


def _known_parameters(request, params: Collection[str]) -> bool:
    """True when the request names only query parameters in ``params``."""
    return all(name in params for name in request.GET)


def _storable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


#: Bodies shorter than this (bytes) are not worth compressing.
GZIP_MIN_BYTES = 512


def _entry(response) -> tuple[dict[str, str], bytes, bytes | None]:
    """What the cache keeps of an answer: headers, body and the body gzip-compressed once (or None).

    Bytes and headers only: a DRF answer would also carry its data, costly to unpickle.
    """
    headers = {name: value for name, value in response.items() if name.lower() != "content-length"}
    body = response.content
    compressed = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
    return headers, body, compressed


def _answer(request, entry: tuple[dict[str, str], bytes, bytes | None], how: str) -> HttpResponse:
    """The kept answer, gzip-compressed when the client accepts it (RFC 9110 section 12.5.3)."""
    headers, body, compressed = entry
    response = HttpResponse(body, headers=headers)
    if compressed is not None:
        patch_vary_headers(response, ["Accept-Encoding"])
        if _GZIP_ACCEPTED.search(request.headers.get("Accept-Encoding", "")):
            response.content = compressed
            response["Content-Encoding"] = "gzip"
    response[CACHE_HEADER] = how
    return response


def cached_for_anonymous(
    view, *, params: Collection[str], admit: Callable[[HttpRequest], bool] | None = None
):
    """Decorate a view function (or ``View.as_view()``) to answer anonymous ``GET`` from the cache.

    See the module docstring for what is cached, for how long and how it is
    invalidated. Template and DRF responses are rendered here, before storing.

    ``admit(request)``, when given, is asked before a kept answer is sent: it
    counts the request (a rate limit) and returns False to refuse it, and the
    view then answers (its own refusal, e.g. ``429``). A miss goes to the view,
    which applies the same limit itself, so every request is counted once.

    ``params`` are the query parameters the view reads (required, so that no
    cached view forgets them): a request with any other is answered by the view
    and not kept (module docstring, "Bounded").
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.CATALOG_CACHE_SECONDS
        if seconds <= 0 or not _is_anonymous(request) or not _known_parameters(request, params):
            return view(request, *args, **kwargs)
        key = _key(request, catalog_version())
        local = _local_tier()
        entry = local.get(key) if local is not None else None
        if entry is None:
            entry = cache.get(key)
            if entry is not None and local is not None:
                local.set(key, entry, seconds)
        if entry is not None:
            if admit is not None and not admit(request):
                return view(request, *args, **kwargs)
            return _answer(request, entry, "hit")
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if not _storable(request, response):
            return response
        entry = _entry(response)
        cache.set(key, entry, seconds)
        if local is not None:
            local.set(key, entry, seconds)
        return _answer(request, entry, "miss")

    return wrapped
