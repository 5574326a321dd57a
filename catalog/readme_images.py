"""The images a README shows from its own package, read out of the stored release artifact.

A README's relative image (``![shot](docs/shot.png)``) is shown from this
site (``catalog.markdown``), never from a host the author picks. The
``catalog:readme-image`` view answers with :func:`readme_image`, which
serves a file only when all of these hold (README, "Configuration"):

- the release is published and its listing reachable (the rules of the listing page);
- the README of that release shows the path as an inline image
  (``catalog.markdown.readme_image_members``), so the view cannot be used to
  read other files of a paid package;
- the file is in the artifact, read with the package format's safe reader
  (``argent_pkg.read_archive``: no extraction, the archive limits);
- it is at most :data:`MAX_IMAGE_BYTES` long and its first bytes are those
  of PNG, JPEG, GIF or WebP, agreeing with its name's ending. SVG is never
  served (it can carry scripts).

Anything else raises :class:`ReadmeImageUnavailable`, which the view answers
with 404.
"""

from __future__ import annotations

from dataclasses import dataclass

import argent_pkg as pkgformat

from .markdown import readme_image_members
from .models import Release

#: The largest image served, in bytes.
MAX_IMAGE_BYTES = 2 * 1024 * 1024

#: Content type -> (the first bytes that identify it, the file name endings it may have).
_TYPES = {
    "image/png": ((b"\x89PNG\r\n\x1a\n",), (".png",)),
    "image/jpeg": ((b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "image/gif": ((b"GIF87a", b"GIF89a"), (".gif",)),
}


class ReadmeImageUnavailable(Exception):
    """The README image cannot be served (the rule broken is the message)."""


@dataclass(frozen=True)
class ReadmeImage:
    """An image to serve: its bytes and their ``Content-Type``."""

    data: bytes
    content_type: str


def sniff_image_type(data: bytes, name: str) -> str | None:
    """The content type of ``data`` when its first bytes and ``name``'s ending agree, else None.

    PNG, JPEG, GIF and WebP (``RIFF`` … ``WEBP``) are recognised by their
    signatures (the formats' own specifications); any other content, or a
    name ending that does not fit the content, gives None.
    """
    lower = name.lower()
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp" if lower.endswith(".webp") else None
    for content_type, (magics, suffixes) in _TYPES.items():
        if data.startswith(magics) and lower.endswith(suffixes):
            return content_type
    return None


def readme_image(*, release: Release, path: str) -> ReadmeImage:
    """The image ``path`` (a member path) that ``release``'s README shows.

    Args:
        release: a published release of a reachable listing (the caller looks it up).
        path: the member path from the address, as the README names it.

    Raises:
        ReadmeImageUnavailable: the README does not show ``path`` inline, the
            artifact has no such file or cannot be read, the file is larger
            than :data:`MAX_IMAGE_BYTES`, or it is not a PNG, JPEG, GIF or WebP
            image whose name fits its content.
    """
    if path not in readme_image_members(release.readme):
        raise ReadmeImageUnavailable("The README does not show this path as an image.")
    if not release.artifact:
        raise ReadmeImageUnavailable("The release has no stored artifact.")
    try:
        with release.artifact.open("rb") as fileobj:
            archive = pkgformat.read_archive(fileobj)
    except (pkgformat.PackageInvalid, OSError):
        raise ReadmeImageUnavailable("The artifact cannot be read.") from None
    data = archive.members.get(path)
    if data is None:
        raise ReadmeImageUnavailable("The package has no such file.")
    if len(data) > MAX_IMAGE_BYTES:
        raise ReadmeImageUnavailable(f"The image is larger than {MAX_IMAGE_BYTES} bytes.")
    content_type = sniff_image_type(data, path)
    if content_type is None:
        raise ReadmeImageUnavailable("The file is not a PNG, JPEG, GIF or WebP image.")
    return ReadmeImage(data=data, content_type=content_type)
