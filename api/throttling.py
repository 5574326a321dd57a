"""Rate limits of the API: the rates come from settings, read on each request (docs/api.md, "Rate limits")."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.authentication import client_ip


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


class AddressRateThrottle(SettingsRateThrottle):
    """A :class:`SettingsRateThrottle` counted per client address (``api.authentication.client_ip``)."""

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


class LicenseAddressThrottle(AddressRateThrottle):
    """``license_address`` tries of license keys per client address, over every place that takes a key."""

    scope = "license_address"


class LicenseKeyThrottle(SettingsRateThrottle):
    """``license_key`` tries per key bucket, from any address.

    ``bucket`` is an opaque hash of the key made by licensing
    (``licensing.keys.key_bucket``), so a cache key never holds key material;
    None (a malformed key) counts only per address.
    """

    scope = "license_key"

    def __init__(self, bucket: str | None = None) -> None:
        super().__init__()
        self.bucket = bucket

    def get_cache_key(self, request, view) -> str | None:
        if self.bucket is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.bucket}


def license_key_try(request, *, key_bucket: str | None) -> float | None:
    """Count one try of a license key from ``request``; the one counter of every place that takes a key.

    The license API (activate, deactivate, look up), the downloads of every
    dialect and of the web, the licensed catalog and the ObjectStack install
    all call this before they look a key up, so they share one budget per
    client address (``DEFAULT_THROTTLE_RATES["license_address"]``) and one per
    key (``["license_key"]``); over either, the answer is ``429 rate_limited``
    (docs/error-codes.md) or the web's 429 page.

    Args:
        request: a Django or DRF request (its ``REMOTE_ADDR`` is the address).
        key_bucket: ``licensing.keys.key_bucket`` of the key tried, or None.

    Returns:
        None when the try is within both limits (it is then counted), else the
        seconds to wait before the next try (``Retry-After``); a refused try is not counted.
    """
    waits = []
    for throttle in (LicenseAddressThrottle(), LicenseKeyThrottle(key_bucket)):
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 0.0)
    return max(waits) if waits else None
