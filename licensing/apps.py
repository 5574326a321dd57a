"""The licensing app's configuration; ``ready()`` connects the fake gateway to the webhook service."""

from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "licensing"

    def ready(self) -> None:
        from .gateways import fake
        from .webhooks import webhook_receive

        # The fake gateway plays Stripe, which posts its events to our webhook endpoint: tell it
        # where that is here, so the gateways (which the services below the webhooks call) never
        # import the webhooks.
        fake.connect_endpoint(webhook_receive)
