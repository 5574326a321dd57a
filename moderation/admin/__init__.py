"""The reviewer console: the moderation queue, listings and releases, reviews, reports, the blocklist,
retro-hunts, verification requests, and the audit log with its canned reasons.

Each module registers its admin classes; importing this package (Django's admin autodiscovery does)
registers them all. Decisions are actions that call ``moderation`` services, which take the
transitions of ``moderation.transitions``.
"""

from . import audit, listings, reports, reviews, submissions

__all__ = ["audit", "listings", "reports", "reviews", "submissions"]
