"""Licensing's answers to the catalog's questions (:class:`catalog.entitlements.Entitlements`).

Registered by ``licensing.apps.LicensingConfig.ready``; the rules live in
:mod:`licensing.licenses` (which license unlocks what) and :mod:`licensing.plans` (install caps).
"""

from .keys import key_bucket
from .licenses import download_allowed, has_purchased, license_for, offer, unlocked_package_ids
from .plans import account_lock, install_check

__all__ = [
    "account_lock",
    "download_allowed",
    "has_purchased",
    "install_check",
    "key_bucket",
    "license_for",
    "offer",
    "unlocked_package_ids",
]
