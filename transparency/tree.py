"""The transparency log's tree: its key, integrating entries, the served files, proofs.

What the log proves and the threat it answers: docs/operators.md, "The transparency log". The
format (hashing, proofs, checkpoints, tiles) is ``argent_pkg.tlog``, shared with the client.

- entries are appended by ``transparency.services.append``;
- :func:`integrate` (the ``log_integrate`` task, run after the commit) stores the new tree nodes,
  signs a checkpoint and writes the tiles, entry bundles and checkpoint under ``log/`` in the
  ``packages`` storage (:func:`publish_files`).
- :func:`release_proof` answers ``GET /api/v1/log/releases/{id}/{version}``.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass

import nacl.signing
from argent_pkg import tlog
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q

from marketplace.keyfiles import signing_key_from_setting

from .models import Checkpoint, LogEntry, LogHead, TreeNode

logger = logging.getLogger(__name__)

#: The folder of the ``packages`` storage the log is served from (docs/api.md, "Transparency log").
PREFIX = "log/"
#: The only mutable file of the log.
CHECKPOINT_PATH = "checkpoint"

# --- the log key ----------------------------------------------------------------------------------


def log_signing_key() -> nacl.signing.SigningKey:
    """The log's Ed25519 key, read from ``settings.LOG_SIGNING_KEY_PATH`` (cached per path).

    With ``DEBUG`` on, a missing key file is generated (mode 0600) on first use, like the
    marketplace's own key (:func:`marketplace.keyfiles.signing_key_from_setting`, the one loader).
    Rule: README, "Configuration", ``LOG_SIGNING_KEY_PATH``.

    Raises:
        ImproperlyConfigured: the file is missing and ``DEBUG`` is off.
        OSError, FormatError: the file cannot be read or holds no key.
    """
    return signing_key_from_setting("LOG_SIGNING_KEY_PATH", what="transparency log key")


def log_verifier_key() -> str:
    """The log's verifier key, ``<origin>+<key ID>+<base64(0x01 || key)>`` (``argent_pkg.tlog.verifier_key``)."""
    return tlog.verifier_key(settings.LOG_ORIGIN, bytes(log_signing_key().verify_key))


def log_info() -> dict:
    """What a client pins and where it reads the log: ``GET /api/v1/log`` (docs/api.md, "Transparency log")."""
    public = bytes(log_signing_key().verify_key)
    return {
        "origin": settings.LOG_ORIGIN,
        "verifier_key": log_verifier_key(),
        "public_key": base64.b64encode(public).decode(),
        "base_url": settings.LOG_BASE_URL,
        "tile_height": tlog.TILE_HEIGHT,
    }


def locked_head() -> LogHead:
    """The log head row, locked until the transaction ends (created on first use)."""
    head = LogHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        LogHead.objects.get_or_create(pk=1)
        head = LogHead.objects.select_for_update().get(pk=1)
    return head


# --- reading the stored tree ----------------------------------------------------------------------


class StoredNodes:
    """The stored tree as an ``argent_pkg.tlog.NodeReader``, with a cache of the nodes read or added.

    :meth:`prefetch` loads every node a computation will read in one query: it runs the
    computation once against placeholders to learn the positions.
    """

    def __init__(self) -> None:
        self.cache: dict[tuple[int, int], bytes] = {}

    def __call__(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self.cache:
            row = TreeNode.objects.filter(level=level, index=index).values_list("hash", flat=True).first()
            if row is None:
                raise LookupError(f"The tree node {level}/{index} is not stored.")
            self.cache[key] = bytes(row)
        return self.cache[key]

    def prefetch(self, compute) -> None:
        """Load, in one query, the nodes ``compute(reader)`` reads (``compute`` is run on placeholders)."""
        wanted: set[tuple[int, int]] = set()

        def record(level: int, index: int) -> bytes:
            if (level, index) not in self.cache:
                wanted.add((level, index))
            return bytes(tlog.HASH_SIZE)

        compute(record)
        if not wanted:
            return
        query = Q()
        for level, index in wanted:
            query |= Q(level=level, index=index)
        for level, index, value in TreeNode.objects.filter(query).values_list("level", "index", "hash"):
            self.cache[(level, index)] = bytes(value)


# --- integrating ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Integrated:
    """What :func:`integrate` did: the tree size before and after (equal when nothing was new)."""

    before: int
    after: int


def integrate(*, batch: int = 10_000) -> Integrated:
    """Store the node hashes of the entries appended since the last run and sign a checkpoint.

    Runs under the log head's row lock (appends wait for it), at most ``batch`` entries at a
    time; then writes the files (:func:`publish_files`). Idempotent: a run with nothing new
    only writes the files that are missing.
    """
    with transaction.atomic():
        head = locked_head()
        before = head.integrated
        after = min(head.size, before + batch)
        if after > before:
            nodes = StoredNodes()
            # The old tree's perfect subtrees along its right edge: the new leaves' left siblings.
            nodes.prefetch(lambda reader: tlog.subtree_hash(reader, 0, before))
            new: list[TreeNode] = []
            leaves = LogEntry.objects.filter(index__gte=before, index__lt=after).order_by("index")
            expected = before
            for index, leaf in leaves.values_list("index", "leaf_hash"):
                if index != expected:
                    raise RuntimeError(f"The log has a gap at index {expected}.")
                expected += 1
                nodes.cache[(0, index)] = bytes(leaf)
                new.append(TreeNode(level=0, index=index, hash=bytes(leaf)))
                level, position = 0, index
                while position & 1:  # this leaf completes a perfect subtree one level up
                    value = tlog.node_hash(nodes(level, position - 1), nodes(level, position))
                    level, position = level + 1, position >> 1
                    nodes.cache[(level, position)] = value
                    new.append(TreeNode(level=level, index=position, hash=value))
            if expected != after:
                raise RuntimeError(f"The log has a gap at index {expected}.")
            TreeNode.objects.bulk_create(new, batch_size=2000)
            nodes.prefetch(lambda reader: tlog.subtree_hash(reader, 0, after))
            root = tlog.subtree_hash(nodes, 0, after)
            checkpoint = tlog.Checkpoint(settings.LOG_ORIGIN, after, root)
            Checkpoint.objects.create(
                size=after, root_hash=root, note=tlog.sign_checkpoint(checkpoint, log_signing_key())
            )
            head.integrated = after
            head.save(update_fields=["integrated"])
    publish_files()
    return Integrated(before=before, after=after)


def latest_checkpoint() -> Checkpoint | None:
    """The checkpoint of the largest tree, or None before the first entry is integrated."""
    return Checkpoint.objects.order_by("-size").first()


def _storage():
    return storages["packages"]


def _write_once(path: str, data: bytes) -> bool:
    """Write an immutable file unless it exists; True when written."""
    storage = _storage()
    name = PREFIX + path
    if storage.exists(name):
        return False
    storage.save(name, ContentFile(data))
    return True


def publish_files() -> int:
    """Write the tiles, entry bundles and checkpoint of the latest checkpoint's tree; returns files written.

    Every file but the checkpoint is immutable and written once (a full tile and the partial
    tiles each checkpoint needs, C2SP ``tlog-tiles``, "Partial Tiles"); the checkpoint is
    written last, so a client never reads one whose tiles are missing.
    """
    with transaction.atomic():
        # The latest checkpoint's row lock lets one process at a time write files (appends do not wait).
        checkpoint = Checkpoint.objects.select_for_update().order_by("-size").first()
        if checkpoint is None:
            return 0
        return _write_files(checkpoint)


def _write_files(checkpoint: Checkpoint) -> int:
    """Write what ``checkpoint`` needs that is missing (see :func:`publish_files`)."""
    size = checkpoint.size
    storage = _storage()
    name = PREFIX + CHECKPOINT_PATH
    if storage.exists(name):
        with storage.open(name, "rb") as current:
            if current.read().decode() == checkpoint.note:
                return 0
    written = 0
    level = 0
    while size >> (tlog.TILE_HEIGHT * level):
        # Tiles are written left to right, so a tile that exists has all those left of it: scan
        # from the right to the first one that exists, then write the missing ones in order.
        missing = []
        for n in range((((size >> (tlog.TILE_HEIGHT * level)) - 1) // tlog.TILE_WIDTH), -1, -1):
            width = tlog.tile_width(level, n, size)
            path = tlog.tile_path(level, n, width)
            bundle_path = tlog.entries_path(n, width) if level == 0 else None
            if storage.exists(PREFIX + path) and (
                bundle_path is None or storage.exists(PREFIX + bundle_path)
            ):
                break
            missing.append((n, width, path, bundle_path))
        for n, width, path, bundle_path in reversed(missing):
            first = n * tlog.TILE_WIDTH
            hashes = TreeNode.objects.filter(
                level=level * tlog.TILE_HEIGHT, index__gte=first, index__lt=first + width
            ).order_by("index")
            data = b"".join(bytes(h) for h in hashes.values_list("hash", flat=True))
            if len(data) != width * tlog.HASH_SIZE:
                raise RuntimeError(f"The stored nodes for {path} are incomplete.")
            if bundle_path is not None:  # the entries first: a tile that exists has its bundle
                bodies = LogEntry.objects.filter(index__gte=first, index__lt=first + width).order_by("index")
                bundle = tlog.encode_bundle(bytes(b) for b in bodies.values_list("body", flat=True))
                written += _write_once(bundle_path, bundle)
            written += _write_once(path, data)
        level += 1
    # The checkpoint is mutable: replace it (the storages do not overwrite on save).
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(checkpoint.note.encode()))
    return written + 1


# --- proofs ---------------------------------------------------------------------------------------


def _b64(value: bytes) -> str:
    return base64.b64encode(bytes(value)).decode()


def inclusion(index: int, size: int) -> list[bytes]:
    """The inclusion proof of entry ``index`` in the stored tree of ``size`` (RFC 9162, section 2.1.3.1)."""
    nodes = StoredNodes()
    nodes.prefetch(lambda reader: tlog.inclusion_proof(reader, index, size))
    return tlog.inclusion_proof(nodes, index, size)


def consistency(size1: int, size2: int) -> list[bytes]:
    """The consistency proof between two stored tree sizes (RFC 9162, section 2.1.4.1)."""
    nodes = StoredNodes()
    nodes.prefetch(lambda reader: tlog.consistency_proof(reader, size1, size2))
    return tlog.consistency_proof(nodes, size1, size2)


def release_proof(identifier: str, version: str) -> dict | None:
    """The release's ``release.published`` entry, the latest checkpoint and the inclusion proof.

    Returns None when the log holds no such entry. ``inclusion_proof`` is None (and ``checkpoint``
    may be) while the entry waits for the integration task. Shape: docs/api.md, "Transparency
    log", ``GET /api/v1/log/releases/{id}/{version}``.
    """
    entry = (
        LogEntry.objects.filter(kind="release.published", package_identifier=identifier, version=version)
        .order_by("index")
        .first()
    )
    if entry is None:
        return None
    checkpoint = latest_checkpoint()
    integrated = checkpoint is not None and entry.index < checkpoint.size
    return {
        "id": identifier,
        "version": version,
        "log_index": entry.index,
        "entry": _b64(entry.body),
        "leaf_hash": _b64(entry.leaf_hash),
        "checkpoint": checkpoint.note if checkpoint else None,
        "tree_size": checkpoint.size if integrated else None,
        "inclusion_proof": [_b64(h) for h in inclusion(entry.index, checkpoint.size)] if integrated else None,
        "log": log_info(),
    }


# --- the audit ------------------------------------------------------------------------------------


class AuditFailed(Exception):
    """The stored log does not match what it signed; the message names the first bad index or checkpoint."""


def audit(*, chunk: int = 5000) -> int:
    """Rebuild the tree from the stored entries and check it against every stored checkpoint.

    For each entry, in index order: the index follows the last one with no gap, its leaf hash
    is recomputed from the stored bytes and compared with the stored leaf hash and level-0
    node. At each checkpoint's size the rebuilt root must equal the checkpoint's, and the
    checkpoint's note must verify with the log key and state that size and root
    (``argent_pkg.tlog.open_checkpoint``). Streams the entries: memory stays ``O(log n)``.

    Returns:
        the number of entries checked.

    Raises:
        AuditFailed: the first rule that fails, naming the entry index or checkpoint size.
    """
    public = bytes(log_signing_key().verify_key)
    checkpoints = list(Checkpoint.objects.order_by("size").values_list("size", "root_hash", "note"))
    stored_nodes = TreeNode.objects.filter(level=0).order_by("index").values_list("index", "hash")
    nodes = iter(stored_nodes.iterator(chunk_size=chunk))
    stack: list[tuple[int, bytes]] = []  # perfect subtrees, heights decreasing (see tlog.root_of)

    def root() -> bytes:
        if not stack:
            return tlog.EMPTY_ROOT
        value = stack[-1][1]
        for _, left in reversed(stack[:-1]):
            value = tlog.node_hash(left, value)
        return value

    def check_checkpoints(size: int) -> None:
        while checkpoints and checkpoints[0][0] == size:
            _, stored_root, note = checkpoints.pop(0)
            try:
                signed = tlog.open_checkpoint(note, settings.LOG_ORIGIN, public)
            except tlog.FormatError as exc:
                raise AuditFailed(f"The checkpoint at size {size} does not verify: {exc}") from exc
            rebuilt = root()
            if signed.size != size or signed.root != bytes(stored_root):
                raise AuditFailed(f"The checkpoint row at size {size} differs from its signed note.")
            if rebuilt != signed.root:
                raise AuditFailed(
                    f"The entries 0 to {size - 1} do not hash to the signed checkpoint at size {size}: "
                    "an entry before that index was changed."
                )

    count = 0
    check_checkpoints(0)
    entries = LogEntry.objects.order_by("index").values_list("index", "body", "leaf_hash")
    for index, body, stored_leaf in entries.iterator(chunk_size=chunk):
        if index != count:
            raise AuditFailed(f"The log has a gap: index {count} is missing (the next stored is {index}).")
        leaf = tlog.leaf_hash(bytes(body))
        if leaf != bytes(stored_leaf):
            raise AuditFailed(f"Entry {index}: its bytes do not hash to its stored leaf hash.")
        node = next(nodes, None)
        if node is not None and node[0] == index and bytes(node[1]) != leaf:
            raise AuditFailed(f"Entry {index}: its bytes do not hash to the tree's leaf {index}.")
        height, value = 0, leaf
        while stack and stack[-1][0] == height:
            value = tlog.node_hash(stack.pop()[1], value)
            height += 1
        stack.append((height, value))
        count += 1
        check_checkpoints(count)
    if checkpoints:
        raise AuditFailed(f"The checkpoint at size {checkpoints[0][0]} names entries the log does not hold.")
    return count
