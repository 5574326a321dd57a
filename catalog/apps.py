from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .cache import catalog_changed
        from .models import Category, Kind, Package, Publisher, Release, Review

        # Cached anonymous answers (catalog.cache) end with any change to what they show.
        for model in (Package, Release, Review, Publisher, Kind, Category):
            post_save.connect(
                catalog_changed, sender=model, dispatch_uid=f"catalog-changed-save-{model.__name__}"
            )
            post_delete.connect(
                catalog_changed, sender=model, dispatch_uid=f"catalog-changed-delete-{model.__name__}"
            )
