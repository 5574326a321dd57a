"""What kind of image a package file is, from its first bytes (docs/package-format.md, "The manifest").

The manifest's ``icon`` and ``screenshots`` and a README's inline images are
shown by the marketplace; both the validator (``argent_pkg.manifest``) and the
site that serves them (``catalog.release_images``) ask :func:`sniff_image_type`,
so a file that passes one passes the other.
"""

from __future__ import annotations

import re

__all__ = ["SVG", "sniff_image_type"]

SVG = "image/svg+xml"
#: Content type -> (the first bytes that identify it, the file name endings it may have).
_TYPES = {
    "image/png": ((b"\x89PNG\r\n\x1a\n",), (".png",)),
    "image/jpeg": ((b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "image/gif": ((b"GIF87a", b"GIF89a"), (".gif",)),
}
#: An SVG document's start: an optional byte order mark, XML declaration, comments and doctype, then ``<svg``.
_SVG_START = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE\s+svg[^>]*>\s*)?"
    rb"(?:<!--.*?-->\s*)*<svg[\s>]",
    re.DOTALL,
)
#: How much of a file the SVG start is looked for in, in bytes.
_SVG_HEAD_BYTES = 4096


def sniff_image_type(data: bytes, name: str) -> str | None:
    """The content type of ``data`` when its first bytes and ``name``'s ending agree, else None.

    Args:
        data: the file's content (only its first bytes are read).
        name: the file's path or name; its ending (any case) must fit the content.

    PNG, JPEG, GIF and WebP (``RIFF`` … ``WEBP``) are recognised by their
    signatures (the formats' own specifications), SVG by an ``<svg`` root
    element at the start of the text (after an optional XML declaration,
    comments and doctype). Any other content, or an ending that does not fit,
    gives None.
    """
    lower = name.lower()
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp" if lower.endswith(".webp") else None
    for content_type, (magics, suffixes) in _TYPES.items():
        if data.startswith(magics) and lower.endswith(suffixes):
            return content_type
    if lower.endswith(".svg") and _SVG_START.match(bytes(data[:_SVG_HEAD_BYTES])):
        return SVG
    return None
