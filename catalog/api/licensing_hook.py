"""Where the catalog asks licensing what a key unlocks (implemented by issue 6).

Both functions are the only calls the catalog API makes about licenses; they
delegate to :mod:`licensing.licenses`. Paid downloads without an active
license answer ``402 license.required``.
"""

from __future__ import annotations

from catalog.models import Package


def unlocked_package_ids(key: str) -> set[int]:
    """Primary keys of the packages an active license ``key`` unlocks (listed or not).

    ``GET /api/v1/catalog/licensed?key=`` adds these to the listed packages.
    An unknown, malformed, expired or revoked key unlocks nothing.
    """
    from licensing import licenses

    return licenses.unlocked_package_ids(key)


def license_allows_download(key: str | None, package: Package) -> bool:
    """True when ``key`` names an active license for the paid ``package``.

    Called only for packages whose ``pricing`` is not ``free``; ``key`` is the
    ``X-License-Key`` header or ``?key=`` (or ``licenseKey`` of an ObjectStack
    install), None when the client sent none.
    """
    from licensing import licenses

    return licenses.download_allowed(package=package, user=None, key=key)
