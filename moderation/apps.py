from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"

    def ready(self) -> None:
        """Register the moderation services as the owner of the statuses the upload pipeline changes,
        and the blocklist as what the TUF repository asks about blocks."""
        from publishing import status_owner
        from repository import provider

        from . import blocklist, services

        status_owner.register(services)
        provider.register(blocklist)
