"""The TUF repository's bookkeeping: versions of the signed files, the targets, the pending changes.

The signed metadata itself lives as files in the ``packages`` storage under ``tuf/metadata/``
(``docs/operators.md``, "TUF repository"); these tables hold what the next run needs to write
the next versions without reading those files back.
"""

from __future__ import annotations

from django.db import models


class RepositoryState(models.Model):
    """The one row: the current version of each top-level role (0 = not initialised)."""

    root_version = models.PositiveIntegerField(default=0)
    targets_version = models.PositiveIntegerField(default=0)
    snapshot_version = models.PositiveIntegerField(default=0)
    timestamp_version = models.PositiveIntegerField(default=0)
    root_expires = models.DateTimeField(null=True, blank=True)
    targets_expires = models.DateTimeField(null=True, blank=True)
    snapshot_expires = models.DateTimeField(null=True, blank=True)
    timestamp_expires = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "TUF repository state"

    def __str__(self) -> str:
        return f"root v{self.root_version}, snapshot v{self.snapshot_version}"

    @property
    def initialised(self) -> bool:
        """True once ``tuf_init`` wrote the first root."""
        return self.root_version > 0


class Bin(models.Model):
    """One hash bin (a succinctly delegated targets role, ``bins-XX``): its current version."""

    index = models.PositiveIntegerField(primary_key=True)
    version = models.PositiveIntegerField(default=0)
    expires = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"bin {self.index:02x} v{self.version}"


class TargetEntry(models.Model):
    """One target as the repository lists it: a release's artifact, or the blocklist document."""

    path = models.CharField(max_length=400, unique=True)
    bin = models.PositiveIntegerField(db_index=True)
    length = models.PositiveBigIntegerField(help_text="Bytes.")
    sha256 = models.CharField(max_length=64)
    custom = models.JSONField(default=dict, blank=True)
    release = models.OneToOneField(
        "catalog.Release", null=True, blank=True, on_delete=models.CASCADE, related_name="tuf_target"
    )

    def __str__(self) -> str:
        return self.path


class PendingChange(models.Model):
    """A release (or every release of a package) or the blocklist whose target may have changed.

    Written in the transaction of the transition that changed it, so no change is lost when the
    broker is down; a run of ``repository.tasks.tuf_refresh`` takes every pending row at once.
    """

    release = models.ForeignKey("catalog.Release", null=True, blank=True, on_delete=models.CASCADE)
    package = models.ForeignKey("catalog.Package", null=True, blank=True, on_delete=models.CASCADE)
    blocklist = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"pending change #{self.pk}"
