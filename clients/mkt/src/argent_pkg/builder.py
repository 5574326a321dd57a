"""Building signed packages deterministically (docs/package-format.md).

The same source and key always give the same bytes: members are sorted bytewise,
owners, groups and times are zeroed, modes are fixed, and the gzip header carries
no time or file name.  That lets an author, a CI job and a reviewer rebuild a
package and compare digests.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import stat
import tarfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import nacl.signing

from .archive import check_member_path, check_path_set
from .checksums import SHA256SUMS, SIGNATURE, UNSUMMED, render_sha256sums
from .errors import PackageInvalid, Problem
from .manifest import KINDS, MANIFEST_NAME, KindRule, Manifest, _load, validate_manifest
from .signing import public_key_b64, sign_bytes

__all__ = ["SKIPPED_DIRECTORIES", "build_package", "pack_members", "package_filename"]

PACKAGE_SUFFIX = ".argent-pkg"
# Directories and files that are never part of a package built from a directory.
SKIPPED_DIRECTORIES = frozenset({".git", "__pycache__", ".pytest_cache", ".venv"})
SKIPPED_FILES = frozenset({".DS_Store"})
SKIPPED_SUFFIXES = (".pyc",)
#: Files at the root that are the author's, not the customer's: ``mkt init`` writes its build notes there.
SKIPPED_ROOT_FILES = frozenset({"DEVELOPING.md"})
FILE_MODE = 0o644


def package_filename(manifest: Manifest | Mapping[str, Any]) -> str:
    """Return the file name of a package, ``ID-VERSION.argent-pkg`` (docs/package-format.md, "Container").

    ``manifest`` is a :class:`Manifest` or a manifest dict (whose ``id``, or ``name``
    when ``id`` is absent, is the identifier).
    """
    if isinstance(manifest, Manifest):
        return f"{manifest.id}-{manifest.version}{PACKAGE_SUFFIX}"
    package_id = manifest.get("id") or manifest.get("name")
    return f"{package_id}-{manifest.get('version')}{PACKAGE_SUFFIX}"


def pack_members(members: Mapping[str, bytes], *, tar_format: int = tarfile.PAX_FORMAT) -> bytes:
    """Pack ``members`` (path -> content) into a deterministic gzip-compressed tar.

    No checks and no checksums: this is the last step of :func:`build_package`, and
    tests use it to make packages that break rules on purpose.  Members are written
    as regular files in bytewise path order with mode 0644, uid/gid 0, empty owner
    names and mtime 0, in ``tar_format`` (pax by default; ``tarfile.USTAR_FORMAT``
    for readers that know no pax headers); the gzip header has mtime 0 and no file name.
    """
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tar_format, encoding="utf-8") as tar:
        for path in sorted(members, key=lambda item: item.encode("utf-8", "surrogateescape")):
            content = members[path]
            info = tarfile.TarInfo(path)
            info.size = len(content)
            info.mode = FILE_MODE
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.type = tarfile.REGTYPE
            tar.addfile(info, io.BytesIO(content))
    compressed = io.BytesIO()
    with gzip.GzipFile(fileobj=compressed, mode="wb", mtime=0, filename="", compresslevel=9) as gz:
        gz.write(tar_buffer.getvalue())
    return compressed.getvalue()


def _walk(root: Path) -> Iterable[tuple[str, Path]]:
    """Yield ``(relative path, file path)`` for the files to package under ``root``."""
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(name for name in dirnames if name not in SKIPPED_DIRECTORIES)
        for name in sorted(filenames):
            if name in SKIPPED_FILES or name.endswith(SKIPPED_SUFFIXES):
                continue
            full = Path(directory, name)
            relative = full.relative_to(root).as_posix()
            if relative in UNSUMMED or relative in SKIPPED_ROOT_FILES:
                continue
            yield relative, full
        # Symbolic links to directories are listed in dirnames but never followed.
        for name in list(dirnames):
            if Path(directory, name).is_symlink():
                dirnames.remove(name)
                yield Path(directory, name).relative_to(root).as_posix(), Path(directory, name)


def _collect_directory(root: Path) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    problems: list[Problem] = []
    for relative, full in _walk(root):
        mode = full.lstat().st_mode
        if stat.S_ISLNK(mode):
            problems.append(
                Problem(
                    "archive.symlink",
                    "The file is a symbolic link; packages hold regular files only. Replace "
                    "it with a copy of its target.",
                    relative,
                )
            )
        elif not stat.S_ISREG(mode):
            problems.append(
                Problem(
                    "archive.special_file",
                    "The file is not a regular file; packages hold regular files only.",
                    relative,
                )
            )
        else:
            members[relative] = full.read_bytes()
    if problems:
        raise PackageInvalid(problems)
    return members


def _normalise_members(source: Mapping[str, bytes]) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    problems: list[Problem] = []
    for path, content in source.items():
        normalised, problem = check_member_path(path)
        if problem is not None:
            problems.append(problem)
        elif normalised and normalised not in UNSUMMED:
            members[normalised] = bytes(content)
    problems.extend(check_path_set(members))
    if problems:
        raise PackageInvalid(problems)
    return members


def _with_public_key(manifest_bytes: bytes, public_key: str) -> bytes:
    data = _load(manifest_bytes)
    author = data.get("author")
    if author is None:
        author = data["author"] = {}
    if not isinstance(author, dict) or author.get("publicKey") == public_key:
        # validate_manifest reports a non-object author; an equal key needs no rewrite.
        return manifest_bytes
    author["publicKey"] = public_key
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def build_package(
    source: str | os.PathLike[str] | Mapping[str, bytes],
    *,
    signing_key: nacl.signing.SigningKey,
    out: BinaryIO | None = None,
    set_public_key: bool = True,
    kinds: Mapping[str, KindRule] = KINDS,
) -> bytes:
    """Build a signed package from a directory or from ``{path: content}``.

    Args:
        source: a directory (its regular files are packaged, skipping ``.git``,
            ``__pycache__``, ``.pytest_cache``, ``.venv``, ``*.pyc``, ``.DS_Store``
            and a root ``SHA256SUMS``/``SIGNATURE``/``DEVELOPING.md``), or a mapping of member path to
            content bytes.
        signing_key: the author's Ed25519 key; the embedded ``SIGNATURE`` is made
            with it.
        out: a binary file object the package bytes are also written to.
        set_public_key: write the key into the manifest's ``author.publicKey``
            (the manifest is then re-serialised with two-space indentation and a
            trailing newline, unless it already holds that key).

    Returns:
        the package bytes (gzip-compressed tar, deterministic).

    Raises:
        PackageInvalid: when a source file is a symbolic link or special file, a
            path breaks the rules of docs/package-format.md, "Container", the manifest is missing, or the
            manifest breaks a rule of sections 4 and 5 (checked with ``kinds``).
            Nothing is written then.
    """
    if isinstance(source, Mapping):
        members = _normalise_members(source)
    else:
        members = _normalise_members(_collect_directory(Path(source)))
    if MANIFEST_NAME not in members:
        raise PackageInvalid(
            [
                Problem(
                    "archive.missing_member",
                    f"The package has no {MANIFEST_NAME} at its root.",
                    MANIFEST_NAME,
                )
            ]
        )
    if set_public_key:
        members[MANIFEST_NAME] = _with_public_key(members[MANIFEST_NAME], public_key_b64(signing_key))
    validate_manifest(members[MANIFEST_NAME], member_paths=members, kinds=kinds)
    sums = render_sha256sums(members)
    members[SHA256SUMS] = sums
    members[SIGNATURE] = (sign_bytes(signing_key, sums) + "\n").encode("ascii")
    package = pack_members(members)
    if out is not None:
        out.write(package)
    return package
