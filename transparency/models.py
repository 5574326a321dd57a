"""The transparency log's rows: the entries, the stored tree nodes, the head and the checkpoints.

The log is an RFC 9162 Merkle tree (``argent_pkg.tlog``); docs/operators.md, "The transparency
log", says what it proves. Rows are only ever added: ``log_audit`` finds one that was edited.
"""

from __future__ import annotations

from django.db import models


class LogHead(models.Model):
    """The one row (``pk=1``) that orders appends: locked by every append, it counts the entries.

    ``size`` is the number of entries appended (the next index); ``integrated`` the number whose
    node hashes, tiles and checkpoint are written (``integrated <= size``).
    """

    size = models.PositiveBigIntegerField(default=0)
    integrated = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"log head: {self.size} entries, {self.integrated} integrated"


class LogEntry(models.Model):
    """One event the marketplace vouches for, in canonical JSON (RFC 8785).

    ``index`` is the entry's 0-based leaf position: unique and gapless (assigned under the head's
    row lock). ``body`` holds the exact bytes hashed into the tree; ``leaf_hash`` is their RFC 9162
    leaf hash. The other fields copy what the body names, for monitors and look-ups.
    """

    index = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=32)
    body = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    publisher = models.ForeignKey(
        "catalog.Publisher", null=True, blank=True, on_delete=models.SET_NULL, related_name="log_entries"
    )
    package_identifier = models.CharField(max_length=64, blank=True, db_index=True)
    version = models.CharField(max_length=128, blank=True)
    key_fingerprint = models.CharField(max_length=60, blank=True, db_index=True)

    class Meta:
        ordering = ["index"]
        verbose_name_plural = "log entries"
        indexes = [models.Index(fields=["package_identifier", "version"], name="logentry_release")]

    def __str__(self) -> str:
        return f"#{self.index} {self.kind}"


class TreeNode(models.Model):
    """The hash of one perfect subtree: leaves ``index * 2**level`` to ``(index + 1) * 2**level - 1``.

    Level 0 holds the leaf hashes. Written when the subtree is complete, never changed: any
    proof at any size reads ``O(log n)`` of them (``argent_pkg.tlog.subtree_hash``).
    """

    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="treenode_position")]

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class Checkpoint(models.Model):
    """A signed tree head: the log's size, its root and the signed note (C2SP ``tlog-checkpoint``)."""

    size = models.PositiveBigIntegerField(unique=True)
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField(help_text="The signed note, exactly as served at log/checkpoint.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-size"]
        get_latest_by = "size"

    def __str__(self) -> str:
        return f"checkpoint at {self.size}"
