"""What the upload pipeline asks of the owner of the statuses, and the owner's registration.

``publishing`` sits below ``moderation`` (``docs/architecture.md``): the reviewer console and the
decisions import submissions, never the other way round. Yet an upload must ask whether the
listing accepts it, and the verification task must record its outcome and let the automatic
policy publish; those status changes belong to ``moderation.transitions`` alone. So publishing
states here what it needs (:class:`StatusOwner`), and the moderation app registers its services
as the implementation when Django starts (``moderation.apps.ModerationConfig.ready``), the way
Warehouse keeps its services behind interfaces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from catalog.models import Package

    from .models import Submission


class Refused(Exception):
    """The owner refused a status change; ``str()`` says why, ``code`` names the rule (docs/error-codes.md)."""

    def __init__(self, message: str, *, code: str = "decision.refused") -> None:
        super().__init__(message)
        self.code = code


class StatusOwner(Protocol):
    """The status changes the upload pipeline needs (``moderation.services`` implements them)."""

    def upload_admit(
        self, *, package: Package, uploader: AbstractBaseUser | None, take: bool = False
    ) -> None:
        """Refuse (:class:`Refused`) an upload of a new version to ``package``, or, with ``take``, record it
        (``package`` locked by the caller)."""

    def submission_checks_start(self, *, submission: Submission) -> bool:
        """Mark the checks of ``submission`` started (locked by the caller); False when they need not run."""

    def submission_checks_record(
        self, *, submission: Submission, rejected: bool, publish: bool
    ) -> Submission:
        """Record the outcome of the checks (locked by the caller) and, with ``publish``, let the policy approve."""


_owner: StatusOwner | None = None


def register(owner: StatusOwner) -> None:
    """Make ``owner`` the one that takes every status change the pipeline asks for (called once at start-up)."""
    global _owner
    _owner = owner


def status_owner() -> StatusOwner:
    """The registered owner.

    Raises:
        RuntimeError: none is registered (the ``moderation`` app is not installed).
    """
    if _owner is None:
        raise RuntimeError("No status owner is registered: add 'moderation' to INSTALLED_APPS.")
    return _owner
