"""Rate limits of the API: the rates come from settings, read on each request (api.md, "Authentication")."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class SettingsRateThrottle(SimpleRateThrottle):
    """A DRF rate limit whose rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]``, read on each request.

    A rate such as ``"600/minute"``; missing or empty means no limit (so an
    environment variable such as ``API_CATALOG_RATE=`` turns one off). A test
    can change the rate with ``settings``.
    """

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or None


class PublishRateThrottle(SettingsRateThrottle):
    """``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["publish"]`` uploads per token, for every submit path.

    Keyed on the token's hash, so two tokens of one publisher have separate
    budgets. Requests without a token are refused by authentication anyway.
    """

    scope = "publish"

    def get_cache_key(self, request, view) -> str | None:
        token = getattr(request, "auth", None)
        if token is None or not getattr(token, "token_hash", None):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.token_hash}
