"""Staff views of money: payments (with refunds and platform totals), connected accounts, webhook
events and subscriptions, all read-only (Stripe and the webhooks are the only writers); and the
account plans, which staff edit. ``payments`` and ``plans`` hold the ModelAdmins."""

# Importing the modules registers their ModelAdmins with the admin site.
from . import payments, plans  # noqa: F401
