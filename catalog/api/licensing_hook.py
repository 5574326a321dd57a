"""Where the catalog asks licensing what a key unlocks (licensing arrives with issue 6).

Both functions are the only calls the catalog API makes about licenses, so
issue 6 replaces their bodies and nothing else: until then no key unlocks an
unlisted package and no key allows a paid download (paid downloads answer
``402 license.required``).
"""

from __future__ import annotations

from catalog.models import Package


def unlocked_package_ids(key: str) -> set[int]:
    """Primary keys of the packages an active license ``key`` unlocks (listed or not).

    ``GET /api/v1/catalog/licensed?key=`` adds these to the listed packages.
    Returns an empty set until licensing exists.
    """
    return set()


def license_allows_download(key: str | None, package: Package) -> bool:
    """True when ``key`` names an active license for the paid ``package``.

    Called only for packages whose ``pricing`` is not ``free``; ``key`` is the
    ``X-License-Key`` header or ``?key=`` (or ``licenseKey`` of an ObjectStack
    install), None when the client sent none. False until licensing exists.
    """
    return False
