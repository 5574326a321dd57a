"""The licensing app's configuration; ``ready()`` answers the catalog, connects the fake gateway and
registers the payment deployment checks (:mod:`licensing.checks`)."""

from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "licensing"

    def ready(self) -> None:
        from catalog import entitlements as catalog_entitlements

        from . import checks, entitlements  # noqa: F401 - importing checks registers them.
        from .gateways import fake
        from .webhooks import webhook_receive

        # The fake gateway plays Stripe, which posts its events to our webhook endpoint: tell it
        # where that is here, so the gateways (which the services below the webhooks call) never
        # import the webhooks.
        fake.connect_endpoint(webhook_receive)
        # The catalog (below licensing) asks what a license unlocks and what a plan allows.
        catalog_entitlements.register(entitlements)
