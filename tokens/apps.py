"""The ``tokens`` app (API tokens)."""

from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = "API tokens"
