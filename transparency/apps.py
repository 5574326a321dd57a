from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    """The transparency log of the marketplace's promises (docs/operators.md, "The transparency log")."""

    name = "transparency"
