from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"

    def ready(self) -> None:
        """Register the moderation services as the owner of the statuses the upload pipeline changes."""
        from publishing import status_owner

        from . import services

        status_owner.register(services)
