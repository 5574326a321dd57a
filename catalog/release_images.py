"""The images a release shows from its own package, read out of the stored release artifact.

Three kinds of package file are shown on this site, never from a host the
author picks (docs/package-format.md, "The manifest", ``icon`` and
``screenshots``; README, "Configuration"):

- the manifest's ``icon`` (PNG or SVG, at most :data:`MAX_ICON_BYTES`), on
  the cards and the listing header;
- the manifest's ``screenshots`` (PNG or JPEG), in the listing's gallery;
- a README's relative inline images (``![shot](docs/shot.png)``, PNG, JPEG,
  GIF or WebP; ``catalog.markdown``).

The ``catalog:release-image`` view answers with :func:`release_image`, which
serves a file only when all of these hold:

- the release is published and its listing reachable (the rules of the listing page);
- the release names the path as one of the three kinds above, so the view
  cannot be used to read other files of a paid package;
- the file is in the artifact, read with the package format's safe reader
  (``argent_pkg.read_archive``: no extraction, the archive limits);
- it is at most its kind's size limit and its first bytes are those of a type
  its kind allows, agreeing with its name's ending. SVG is served for the icon
  only (the format allows it there); the view sandboxes it, and pages show it
  only through ``<img>``, where a browser runs no script.

Anything else raises :class:`ReleaseImageUnavailable`, which the view answers
with 404.

**Cost.** Reading one file means inflating the whole artifact, which is too
much to repeat for every card of a search page. A release's files never change
(a version is never replaced, and the cache key holds the artifact's SHA-256),
so the bytes of each image read once are kept in the cache
(``CACHES["default"]``, Redis in production, with its memory bound) for
:data:`CACHE_SECONDS`; the listing's state is still checked on every request,
so a suspended listing stops showing its images at once. Browsers keep the
answers too (the view's ``Cache-Control``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import argent_pkg as pkgformat
from argent_pkg.images import SVG, sniff_image_type
from argent_pkg.manifest import MAX_ICON_BYTES as FORMAT_MAX_ICON_BYTES
from argent_pkg.manifest import MAX_SCREENSHOT_BYTES
from django.core.cache import cache
from django.urls import reverse

from .markdown import readme_image_members
from .models import Package, Release

#: The largest README image or screenshot served, in bytes (the format's screenshot limit).
MAX_IMAGE_BYTES = MAX_SCREENSHOT_BYTES
#: The largest icon served, in bytes (the package format's own limit).
MAX_ICON_BYTES = FORMAT_MAX_ICON_BYTES
#: How long the bytes of an image read out of an artifact stay in the cache, in seconds.
CACHE_SECONDS = 7 * 24 * 3600

#: The content types each kind of image may have (see the module docstring).
README_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
ICON_TYPES = frozenset({"image/png", SVG})
SCREENSHOT_TYPES = frozenset({"image/png", "image/jpeg"})


class ReleaseImageUnavailable(Exception):
    """The image cannot be served (the rule broken is the message)."""


@dataclass(frozen=True)
class ReleaseImage:
    """An image to serve: its bytes and their ``Content-Type``."""

    data: bytes
    content_type: str


@dataclass(frozen=True)
class ManifestImages:
    """The member paths of a release's manifest ``icon`` (or None) and ``screenshots`` (in their order)."""

    icon: str | None
    screenshots: tuple[str, ...]


def _member(value: object) -> str | None:
    """A manifest path as a member path (without its optional leading ``./``), None when not a string."""
    if not isinstance(value, str) or not value:
        return None
    return value[2:] if value.startswith("./") else value


def manifest_images(release: Release) -> ManifestImages:
    """The icon and screenshots ``release``'s manifest names, as member paths.

    The manifest was checked at upload (``argent_pkg.manifest``: the types,
    the count, that each names a file of the package); values of any other
    shape are left out.
    """
    manifest = release.manifest if isinstance(release.manifest, dict) else {}
    screenshots = manifest.get("screenshots")
    paths = [_member(value) for value in screenshots] if isinstance(screenshots, list) else []
    return ManifestImages(icon=_member(manifest.get("icon")), screenshots=tuple(p for p in paths if p))


def _allowed(release: Release, path: str) -> tuple[frozenset[str], int]:
    """The content types and size limit (bytes) ``path`` may have in ``release``; raises when it shows no such image."""
    images = manifest_images(release)
    if path == images.icon:
        return ICON_TYPES, MAX_ICON_BYTES
    if path in images.screenshots:
        return SCREENSHOT_TYPES, MAX_IMAGE_BYTES
    if path in readme_image_members(release.readme):
        return README_TYPES, MAX_IMAGE_BYTES
    raise ReleaseImageUnavailable("The release does not show this path as an image.")


def _member_bytes(release: Release, path: str, max_bytes: int) -> bytes:
    """The bytes of ``path`` in ``release``'s artifact, from the cache when read before."""
    digest = hashlib.sha256(path.encode()).hexdigest()
    key = f"release-image:{release.artifact_sha256}:{digest}"
    data = cache.get(key)
    if data is not None:
        return data
    if not release.artifact:
        raise ReleaseImageUnavailable("The release has no stored artifact.")
    try:
        with release.artifact.open("rb") as fileobj:
            archive = pkgformat.read_archive(fileobj)
    except (pkgformat.PackageInvalid, OSError):
        raise ReleaseImageUnavailable("The artifact cannot be read.") from None
    data = archive.members.get(path)
    if data is None:
        raise ReleaseImageUnavailable("The package has no such file.")
    if len(data) > max_bytes:
        raise ReleaseImageUnavailable(f"The image is larger than {max_bytes} bytes.")
    cache.set(key, data, CACHE_SECONDS)
    return data


def release_image(*, release: Release, path: str) -> ReleaseImage:
    """The image ``path`` (a member path) that ``release`` shows as its icon, a screenshot or in its README.

    Args:
        release: a published release of a reachable listing (the caller looks it up).
        path: the member path from the address, as the manifest or README names it.

    Raises:
        ReleaseImageUnavailable: the release does not show ``path`` as an image,
            the artifact has no such file or cannot be read, the file is larger
            than its kind's limit, or its content is not a type its kind allows
            with a name that fits it (module docstring).
    """
    types, max_bytes = _allowed(release, path)
    data = _member_bytes(release, path, max_bytes)
    if len(data) > max_bytes:  # a path named twice (icon and README) keeps the tighter limit
        raise ReleaseImageUnavailable(f"The image is larger than {max_bytes} bytes.")
    content_type = sniff_image_type(data, path)
    if content_type not in types:
        raise ReleaseImageUnavailable(f"The file is not an image of the types {', '.join(sorted(types))}.")
    return ReleaseImage(data=data, content_type=content_type)


def release_image_url(*, identifier: str, version: str, path: str) -> str:
    """The address ``catalog:release-image`` serves the image ``path`` of release ``version`` of package ``identifier`` at."""
    return reverse("catalog:release-image", args=[identifier, version, path])


def package_icon_url(package: Package) -> str | None:
    """The address of the icon of ``package``'s latest published release, None when it names none.

    No query when ``package.latest_release`` is already joined (``Package.objects.for_cards()``).
    """
    release = package.latest_release if package.latest_release_id else None
    if release is None:
        return None
    icon = manifest_images(release).icon
    if icon is None:
        return None
    return release_image_url(identifier=package.identifier, version=release.version, path=icon)
