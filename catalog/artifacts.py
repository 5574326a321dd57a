"""The copy of a release re-packed for the ArgentOS installer, and signed download URLs.

The ArgentOS installer unpacks only archives whose members all sit under one
top-level directory, and reads only the 100-byte ustar name field of each
member. It installs a connector only from a top-level directory named
``aos-*`` holding ``connector.json`` (as ``~/.argentos/connectors/<dir>``), so a
connector's copy is wrapped in ``aos-ID/`` (``ID/`` when the identifier already
starts with ``aos-``) and every other kind's in ``package/`` (docs/package-format.md,
"ArgentOS download layout"). :func:`wrap_artifact` re-packs an artifact that
way, deterministically; the author's ``SHA256SUMS`` and ``SIGNATURE`` are copied
unchanged and stay valid, because checksum paths are relative to the package
root. The exact uploaded bytes stay in ``Release.artifact`` for ``mkt`` and the
ObjectStack dialect. Copies made before a layout change are replaced by
``manage.py rewrap_artifacts`` (:func:`release_rewrap`).

Downloads are handed out as expiring URLs (:func:`artifact_url`): S3's
pre-signed URL when the ``packages`` storage is S3, else a URL of this site
signed with :class:`~django.core.signing.TimestampSigner`, served by
``catalog.api.views.artifact_file``.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import tarfile
from datetime import datetime, timedelta

import argent_pkg as pkgformat
from argent_pkg.archive import PACKAGE_PREFIX
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.urls import reverse
from django.utils import timezone

from catalog.models import Release

logger = logging.getLogger(__name__)

#: The longest member name (bytes) the ArgentOS installer accepts: one ustar name field.
MAX_WRAPPED_NAME_BYTES = 100
#: How long a local signed download URL stays valid, in seconds.
LOCAL_URL_MAX_AGE = 5 * 60
#: Which stored file a download names.
ORIGINAL, WRAPPED = "original", "wrapped"
_SIGNER_SALT = "catalog.artifact-download"


class WrapImpossible(Exception):
    """The artifact cannot be given a wrapped copy (a name too long, an unreadable archive)."""


def wrap_prefix(*, identifier: str, kind: str) -> str:
    """The top-level directory of the ArgentOS copy, with its slash: ``aos-ID/`` for a connector, else ``package/``.

    Args:
        identifier: the package identifier; one that already starts with ``aos-`` is used as it is.
        kind: the kind's slug (``connector``, ``skill``, …).

    The rule is docs/package-format.md, "ArgentOS download layout".
    """
    if kind == "connector":
        return pkgformat.argentos_connector_dir(identifier) + "/"
    return PACKAGE_PREFIX


def wrap_artifact(data: bytes, *, prefix: str = PACKAGE_PREFIX) -> bytes:
    """Return the copy of the package ``data`` with every file under ``prefix`` (deterministic).

    Every regular file is re-packed as ``<prefix><path>`` in a plain ustar
    archive: bytewise path order, mode 0644, uid/gid 0, no owner names,
    mtime 0, no directory entries and no pax headers; gzip with mtime 0, no
    file name, level 9. An archive already under ``package/`` is read without
    the prefix, so wrapping is idempotent.

    Args:
        data: the package file's bytes.
        prefix: the top-level directory with its trailing slash (:func:`wrap_prefix`).

    Raises:
        WrapImpossible: the archive is unreadable, or a wrapped name would be
            longer than the 100 bytes of the ustar name field.
    """
    try:
        archive = pkgformat.read_archive(data)
    except pkgformat.PackageInvalid as exc:
        raise WrapImpossible(f"the archive cannot be read: {exc}") from None
    names = {}
    for path in archive.members:
        wrapped = prefix + path
        if len(wrapped.encode("utf-8")) > MAX_WRAPPED_NAME_BYTES:
            raise WrapImpossible(f"member name longer than {MAX_WRAPPED_NAME_BYTES} bytes: {wrapped!r}")
        names[wrapped] = archive.members[path]
    return pkgformat.pack_members(names, tar_format=tarfile.USTAR_FORMAT)


def release_wrap_prefix(release: Release) -> str:
    """The top-level directory ``release``'s ArgentOS copy must have (:func:`wrap_prefix`)."""
    return wrap_prefix(identifier=release.package.identifier, kind=release.package.kind.slug)


def release_store_wrapped(*, release: Release) -> Release:
    """Make and store ``release``'s wrapped copy, setting ``wrapped_artifact/_sha256/_size``.

    Idempotent: a release that has its copy is left alone. When no copy can be
    made (see :func:`wrap_artifact`) it logs a warning and leaves the fields
    empty; the ArgentOS download then answers ``409 artifact.unwrappable``.
    Returns the release.
    """
    if release.wrapped_artifact and release.wrapped_sha256:
        return release
    if not release.artifact:
        return release
    with release.artifact.open("rb") as fileobj:
        data = fileobj.read()
    try:
        wrapped = wrap_artifact(data, prefix=release_wrap_prefix(release))
    except WrapImpossible as exc:
        logger.warning("No wrapped copy of %s: %s", release, exc)
        return release
    storage = storages["packages"]
    name = storage.save(f"{release.package.identifier}/wrapped/{release.filename}", ContentFile(wrapped))
    release.wrapped_artifact = name
    release.wrapped_sha256 = hashlib.sha256(wrapped).hexdigest()
    release.wrapped_size = len(wrapped)
    release.save(update_fields=["wrapped_artifact", "wrapped_sha256", "wrapped_size"])
    return release


def _wrapped_prefix_of(release: Release) -> str | None:
    """The top-level directory (with its slash) of ``release``'s stored copy; None when unreadable."""
    try:
        with (
            release.wrapped_artifact.open("rb") as fileobj,
            gzip.open(fileobj) as raw,
            tarfile.open(fileobj=raw, mode="r|") as tar,
        ):
            first = tar.next()
    except (OSError, EOFError, tarfile.TarError):
        return None
    if first is None or "/" not in first.name:
        return None
    return first.name.split("/", 1)[0] + "/"


def release_rewrap(*, release: Release) -> str:
    """Replace ``release``'s wrapped copy when its layout is not the one its kind needs now.

    A copy whose top-level directory differs from :func:`release_wrap_prefix`
    (connector copies made under ``package/`` before connectors moved to
    ``aos-ID/``), or that cannot be read, is deleted and made again; a release
    without a copy gets one. Whether a new copy can be made follows
    :func:`release_store_wrapped` (a name over 100 bytes leaves the release
    without one: ``409 artifact.unwrappable``).

    Returns:
        ``"kept"``, ``"made"`` (a new copy is stored) or ``"unwrappable"``.
    """
    if release.wrapped_artifact:
        if _wrapped_prefix_of(release) == release_wrap_prefix(release):
            return "kept"
        old = release.wrapped_artifact.name
        release.wrapped_artifact, release.wrapped_sha256, release.wrapped_size = "", "", None
        release.save(update_fields=["wrapped_artifact", "wrapped_sha256", "wrapped_size"])
        storages["packages"].delete(old)
    release_store_wrapped(release=release)
    return "made" if release.wrapped_artifact else "unwrappable"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SIGNER_SALT)


def artifact_url(*, release: Release, which: str, request) -> tuple[str, datetime]:
    """An expiring URL of ``release``'s ``which`` file (``ORIGINAL`` or ``WRAPPED``) and its expiry.

    S3 (any storage other than the file system): ``storage.url(name)``, which
    django-storages pre-signs (``querystring_expire`` seconds, default 3600).
    Local storage: this site's ``artifact-file`` URL carrying a
    ``TimestampSigner`` token of the release id and ``which``, valid
    ``LOCAL_URL_MAX_AGE`` seconds.
    """
    file = release.wrapped_artifact if which == WRAPPED else release.artifact
    storage = file.storage
    now = timezone.now()
    if not isinstance(storage, FileSystemStorage):
        expires = now + timedelta(seconds=int(getattr(storage, "querystring_expire", 3600)))
        return storage.url(file.name), expires
    token = _signer().sign_object({"r": release.pk, "a": which})
    url = request.build_absolute_uri(reverse("catalog-api:artifact-file", args=[token]))
    return url, now + timedelta(seconds=LOCAL_URL_MAX_AGE)


def artifact_from_token(token: str) -> tuple[int, str]:
    """The ``(release id, which)`` a local download token names.

    Raises:
        signing.BadSignature: tampered, malformed or expired (``SignatureExpired``).
    """
    value = _signer().unsign_object(token, max_age=LOCAL_URL_MAX_AGE)
    if (
        not isinstance(value, dict)
        or value.get("a") not in (ORIGINAL, WRAPPED)
        or not isinstance(value.get("r"), int)
    ):
        raise signing.BadSignature("Malformed download token.")
    return value["r"], value["a"]
