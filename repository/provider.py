"""What the TUF repository asks of the moderation app, and moderation's registration.

``repository`` sits below ``moderation`` (``docs/architecture.md``): it may not import the
blocklist. Yet two of its answers are moderation's: which releases a confirmed block covers
(they leave the targets) and the bytes of the current blocklist document (itself a target).
So the repository states here what it needs (:class:`Moderation`), and
``moderation.apps.ModerationConfig.ready`` registers ``moderation.blocklist`` as the
implementation, as ``publishing/status_owner.py`` does for the upload pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Moderation(Protocol):
    """The answers of the owner of the blocklist (``moderation.blocklist`` implements them)."""

    def blocked_release_ids(self, release_ids: Iterable[int]) -> set[int]:
        """The ones among ``release_ids`` that a confirmed, unlifted block (soft or hard) covers."""

    def blocklist_bytes(self) -> bytes:
        """The current ``GET /api/v1/blocklist`` document, as the exact bytes clients verify."""


_moderation: Moderation | None = None


def register(implementation: Moderation) -> None:
    """Make ``implementation`` the one the repository asks (called once, when Django starts)."""
    global _moderation
    _moderation = implementation


def moderation() -> Moderation:
    """The registered implementation.

    Raises:
        RuntimeError: nothing registered (the ``moderation`` app is not installed).
    """
    if _moderation is None:
        raise RuntimeError("No blocklist owner is registered: is the moderation app installed?")
    return _moderation
