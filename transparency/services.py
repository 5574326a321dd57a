"""Appending to the transparency log, and the entry of each event (docs/api.md, "Transparency log").

:func:`append` adds one entry inside the caller's transaction, so the entry commits with the
state change it records, or neither does. Indexes are gapless: each is taken under a row lock on
the log head. The event functions below build each kind's body; ``moderation.transitions``
calls the release and block ones from its transitions, ``publishing.services`` the key ones.
"""

from __future__ import annotations

import rfc8785
from argent_pkg import tlog
from django.db import transaction
from django.utils import timezone

from api.serializers import utc_z
from marketplace.celery import enqueue_on_commit

from . import tasks
from .models import LogEntry
from .tree import locked_head

#: The kinds of entry, one per event (docs/api.md, "Transparency log", lists their fields).
KINDS = frozenset(
    {"release.published", "release.yanked", "block.added", "block.lifted", "key.registered", "key.revoked"}
)


# --- appending ------------------------------------------------------------------------------------


def canonical_entry(kind: str, body: dict) -> bytes:
    """The entry's bytes: RFC 8785 canonical JSON of ``{"kind": kind, "time": UTC, **body}``.

    Raises:
        ValueError: an unknown kind, a body naming ``kind`` or ``time``, or bytes longer than an
            entry bundle can carry (``argent_pkg.tlog.MAX_ENTRY_BYTES``).
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown log entry kind {kind!r}.")
    if "kind" in body or "time" in body:
        raise ValueError("A log entry's body may not set kind or time.")
    data = rfc8785.dumps({"kind": kind, "time": utc_z(timezone.now()), **body})
    if len(data) > tlog.MAX_ENTRY_BYTES:
        raise ValueError("A log entry is at most 65,535 bytes.")
    return data


def append(
    kind: str,
    body: dict,
    *,
    publisher=None,
    package_identifier: str = "",
    version: str = "",
    key_fingerprint: str = "",
) -> LogEntry:
    """Append one entry to the log, inside the caller's transaction; returns it with its index.

    Args:
        kind: one of :data:`KINDS`.
        body: the event's fields (JSON values); stored as :func:`canonical_entry`.
        publisher: the ``catalog.Publisher`` the entry names (its members are e-mailed), or None.
        package_identifier, version, key_fingerprint: what the entry names, for look-ups.

    The index is taken under a row lock on the log head, so concurrent appends get gapless
    indexes and a rolled-back transaction takes its entry with it. Integration into the tree
    and the monitors' e-mails are enqueued for after the commit.

    Raises:
        RuntimeError: called outside a transaction (the entry must commit with its event).
        ValueError: see :func:`canonical_entry`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transparency.append runs inside the transaction of the event it records.")
    data = canonical_entry(kind, body)
    head = locked_head()
    entry = LogEntry.objects.create(
        index=head.size,
        kind=kind,
        body=data,
        leaf_hash=tlog.leaf_hash(data),
        publisher=publisher,
        package_identifier=package_identifier,
        version=version,
        key_fingerprint=key_fingerprint,
    )
    head.size += 1
    head.save(update_fields=["size"])
    enqueue_on_commit(tasks.log_integrate)
    if publisher is not None:
        enqueue_on_commit(tasks.log_monitor_notify, entry.pk)
    return entry


# --- the events -----------------------------------------------------------------------------------


def _release_fields(release) -> dict:
    return {"id": release.package.identifier, "version": release.version, "sha256": release.artifact_sha256}


def release_published(release) -> LogEntry:
    """Log ``release.published`` for a ``catalog.Release`` and write its ``log_index``.

    Body: ``id``, ``version``, ``sha256`` (of the package file), ``key_fingerprint`` and
    ``public_key`` of the author key, ``signature`` (the detached Ed25519 signature, base64),
    ``publisher`` (slug). Called by the ``release:publish`` transition.
    """
    package = release.package
    signatures = release.signatures or {}
    entry = append(
        "release.published",
        {
            **_release_fields(release),
            "key_fingerprint": release.key_fingerprint,
            "public_key": release.signing_key.public_key,
            "signature": signatures.get("detached") or signatures.get("embedded") or "",
            "publisher": package.publisher.slug,
        },
        publisher=package.publisher,
        package_identifier=package.identifier,
        version=release.version,
        key_fingerprint=release.key_fingerprint,
    )
    release.log_index = entry.index
    release.save(update_fields=["log_index"])
    return entry


def release_yanked(release) -> LogEntry:
    """Log ``release.yanked``: ``id``, ``version``, ``sha256``, ``publisher``, ``reason``."""
    package = release.package
    return append(
        "release.yanked",
        {**_release_fields(release), "publisher": package.publisher.slug, "reason": release.yanked_reason},
        publisher=package.publisher,
        package_identifier=package.identifier,
        version=release.version,
        key_fingerprint=release.key_fingerprint,
    )


def _block(kind: str, block) -> LogEntry:
    package, release = block.package, block.release
    return append(
        kind,
        {
            "id": package.identifier,
            "version": release.version if release else None,
            "sha256": release.artifact_sha256 if release else None,
            "severity": block.severity,
            "publisher": package.publisher.slug,
        },
        publisher=package.publisher,
        package_identifier=package.identifier,
        version=release.version if release else "",
    )


def block_added(block) -> LogEntry:
    """Log ``block.added`` for a confirmed ``moderation.BlockEntry``.

    Body: ``id``, ``version`` and ``sha256`` (null for a block of every version), ``severity``
    (``soft``/``hard``), ``publisher``. The reason stays out: it may name a reporter.
    """
    return _block("block.added", block)


def block_lifted(block) -> LogEntry:
    """Log ``block.lifted`` for a confirmed block that is lifted (same body as :func:`block_added`)."""
    return _block("block.lifted", block)


def _key(kind: str, key) -> LogEntry:
    publisher = key.publisher
    return append(
        kind,
        {"publisher": publisher.slug, "key_fingerprint": key.fingerprint, "public_key": key.public_key},
        publisher=publisher,
        key_fingerprint=key.fingerprint,
    )


def key_registered(key) -> LogEntry:
    """Log ``key.registered`` for a ``publishing.SigningKey``: ``publisher``, ``key_fingerprint``, ``public_key``."""
    return _key("key.registered", key)


def key_revoked(key) -> LogEntry:
    """Log ``key.revoked`` for a ``publishing.SigningKey`` (same body as :func:`key_registered`)."""
    return _key("key.revoked", key)
