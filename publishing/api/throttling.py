"""Rate limits of the publishing API (api.md section 4): per token."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class PublishRateThrottle(SimpleRateThrottle):
    """``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["publish"]`` uploads per token, for every submit path.

    Keyed on the token's hash, so two tokens of one publisher have separate
    budgets. Requests without a token are refused by authentication anyway.
    The rate is read on each request, so a test can change it with ``settings``.
    """

    scope = "publish"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        token = getattr(request, "auth", None)
        if token is None or not getattr(token, "token_hash", None):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.token_hash}
