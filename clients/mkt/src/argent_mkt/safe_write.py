"""Writing package members to disk without ever leaving the install target.

The installer never extracts an archive with a general-purpose tool.  It hands
the members it has verified to :func:`write_members`, which:

* checks every path first (the rules of docs/package-format.md, "Member paths", plus the set checks: duplicates,
  a path through a file, case collisions) and refuses the whole list when one is
  bad, before anything is written;
* accepts regular files and directories only (symlinks, hard links, devices and
  anything else are refused);
* writes into a directory it created itself (a fresh, empty staging directory),
  walking it component by component with directory file descriptors, every
  ``open`` with ``O_NOFOLLOW`` and every file created with ``O_CREAT | O_EXCL``, so
  that a symlink planted anywhere in the tree is never followed and no existing
  file is overwritten;
* gives files mode 0644 and directories 0755 whatever the umask.

:func:`prepare_parent` makes the directories leading to a target under the home
(refusing symlinks among them), and :func:`swap_into_place` replaces a previous
installation with a staged one by ``os.rename``, restoring the previous one if
anything fails before the swap is committed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from argent_pkg.archive import _Entry, _final_checks, check_member_path

__all__ = [
    "FILE_MODE",
    "DIR_MODE",
    "Member",
    "UnsafeWrite",
    "check_members",
    "make_staging",
    "prepare_parent",
    "remove_tree",
    "swap_into_place",
    "write_members",
]

FILE_MODE = 0o644
DIR_MODE = 0o755
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
FILE, DIRECTORY = "file", "dir"


class UnsafeWrite(Exception):
    """A member list or a directory on disk that the writer refuses; nothing escapes the target."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message if path is None else f"{path}: {message}")
        self.path = path


@dataclass(frozen=True)
class Member:
    """One entry to write: ``path`` (relative, ``/``-separated), ``type`` and the file ``data``.

    ``type`` is ``"file"`` or ``"dir"``; any other value (``"symlink"``,
    ``"hardlink"``, ``"device"``, ...) is refused by :func:`check_members`.
    """

    path: str | bytes
    data: bytes = b""
    type: str = FILE


def _shown(path: str | bytes) -> str:
    text = path.decode("utf-8", "backslashreplace") if isinstance(path, bytes) else path
    return text if len(text) <= 200 else text[:199] + "\u2026"


def check_members(members: Iterable[Member]) -> list[Member]:
    """Return the members with normalised paths, or raise :class:`UnsafeWrite` for the first bad one.

    Paths follow docs/package-format.md, "Container" (relative, no ``..``, ``.`` or empty component, no
    backslash or control character, NFC, at most 255 bytes); the set of paths has
    no duplicates, no path through a file and no two paths differing only in case.
    """
    checked: list[Member] = []
    for member in members:
        if member.type not in (FILE, DIRECTORY):
            raise UnsafeWrite(
                f"refusing a {member.type}: only regular files and directories", _shown(member.path)
            )
        if isinstance(member.path, str):
            try:
                member.path.encode("utf-8")
            except UnicodeEncodeError:
                raise UnsafeWrite("the path is not valid UTF-8", _shown(member.path)) from None
        path, problem = check_member_path(member.path, is_dir=member.type == DIRECTORY)
        if problem is not None or path is None:
            reason = problem.message if problem is not None else "invalid path"
            raise UnsafeWrite(reason, _shown(member.path))
        if path == "":
            continue  # the root entry "." of a directory
        checked.append(Member(path, member.data, member.type))
    files = [member.path for member in checked if member.type == FILE]
    directories = {member.path for member in checked if member.type == DIRECTORY}
    # A directory listed twice is harmless; a file and a directory of one path are not.
    entries = [_Entry(str(path), False) for path in files]
    entries += [_Entry(str(path), True) for path in sorted(directories)]
    problems = _final_checks(entries)
    if problems:
        raise UnsafeWrite(problems[0].message, _shown(problems[0].field or ""))
    return checked


def _open_dir(name: str, dir_fd: int | None) -> int:
    """Open a directory without following a symlink at its last component."""
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            raise UnsafeWrite("is a symbolic link or not a directory; refusing to follow it", name) from None
        raise


def _make_dir(name: str, dir_fd: int, *, exist_ok: bool) -> int:
    """Create (or, with ``exist_ok``, reuse a real) directory ``name`` in ``dir_fd`` and open it."""
    created = False
    try:
        os.mkdir(name, DIR_MODE, dir_fd=dir_fd)
        created = True
    except FileExistsError:
        if not exist_ok:
            raise UnsafeWrite("exists already", name) from None
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if not stat.S_ISDIR(info.st_mode):
            raise UnsafeWrite("exists and is not a directory (a symbolic link?); refusing it", name) from None
    fd = _open_dir(name, dir_fd)
    info = os.fstat(fd)
    if not stat.S_ISDIR(info.st_mode):  # pragma: no cover - O_DIRECTORY guarantees it
        os.close(fd)
        raise UnsafeWrite("is not a directory", name)
    if created:
        os.fchmod(fd, DIR_MODE)  # whatever the umask
    return fd


def _write_file(dir_fd: int, name: str, data: bytes) -> None:
    """Create the regular file ``name`` in ``dir_fd``: never over anything, never through a link."""
    try:
        fd = os.open(name, _FILE_FLAGS, FILE_MODE, dir_fd=dir_fd)
    except FileExistsError:
        raise UnsafeWrite("exists already; refusing to overwrite it", name) from None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise UnsafeWrite("is a symbolic link; refusing to follow it", name) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            raise UnsafeWrite("is not a new regular file", name)
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def write_members(root: str | os.PathLike[str], members: Iterable[Member] | Mapping[str, bytes]) -> list[str]:
    """Write ``members`` (or a mapping path -> bytes of regular files) under the directory ``root``.

    ``root`` should be a fresh empty directory made by :func:`make_staging`; it is
    opened with ``O_NOFOLLOW`` and everything below it is reached through
    directory descriptors, so nothing is ever written outside it.

    Returns:
        the normalised paths of the files written, in order.

    Raises:
        UnsafeWrite: a bad member list (checked before anything is written), or a
            symlink, file or other entry found in the way while writing.
        OSError: the file system failed (disk full, permissions, ...).
    """
    if isinstance(members, Mapping):
        members = [Member(path, data) for path, data in members.items()]
    checked = check_members(members)
    root_fd = _open_dir(os.fspath(root), None)
    written: list[str] = []
    try:
        os.fchmod(root_fd, DIR_MODE)
        for member in checked:
            assert isinstance(member.path, str)
            parts = member.path.split("/")
            directories = parts if member.type == DIRECTORY else parts[:-1]
            fds: list[int] = []
            try:
                current = root_fd
                for part in directories:
                    current = _make_dir(part, current, exist_ok=True)
                    fds.append(current)
                if member.type == FILE:
                    _write_file(current, parts[-1], member.data)
                    written.append(member.path)
            finally:
                for fd in reversed(fds):
                    os.close(fd)
    finally:
        os.close(root_fd)
    return written


def _is_real_directory(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def prepare_parent(home: str | os.PathLike[str], relative: str) -> Path:
    """Create the directories of ``relative``'s parent under ``home``; return the parent's path.

    ``relative`` is a target such as ``connectors/ID`` (no ``..``).  The home itself
    may be a symlink (the user's choice); every component below it must be a real
    directory, never a symlink.  The target itself, when it exists, must be a real
    directory too.

    Raises:
        UnsafeWrite: a bad ``relative`` path, or a symlink or non-directory in the way.
    """
    relative = relative.strip("/")
    path, problem = check_member_path(relative, is_dir=True)
    if problem is not None or not path:
        raise UnsafeWrite("not a valid install target", relative)
    home_path = Path(home)
    home_path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    parts = path.split("/")
    # The home itself may be a symlink (the user's choice), so it alone is opened following links.
    fd = os.open(home_path, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts[:-1]:
            next_fd = _make_dir(part, fd, exist_ok=True)
            os.close(fd)
            fd = next_fd
        try:
            info = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISDIR(info.st_mode):
                raise UnsafeWrite("exists and is not a directory (a symbolic link?); refusing it", path)
    finally:
        os.close(fd)
    return home_path.joinpath(*parts[:-1])


def make_staging(parent: Path, name: str) -> Path:
    """A fresh empty directory beside the target (same file system, so ``rename`` is atomic)."""
    return Path(tempfile.mkdtemp(prefix=f".mkt-{name}.new-", dir=parent))


def remove_tree(path: Path) -> None:
    """Remove ``path`` (a directory, never following symlinks inside it), or a lone symlink or file."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(path)  # uses fd-based, symlink-safe removal on Linux
    else:
        path.unlink()


def swap_into_place(staging: Path, target: Path, commit: Callable[[], None] | None = None) -> None:
    """Move ``staging`` to ``target`` with ``os.rename``, keeping the old target until it is done.

    When ``target`` exists it is first renamed aside (``.mkt-NAME.old-...`` in the
    same directory), then ``staging`` is renamed to ``target``, then ``commit`` runs
    (the installer records the installation there).  If either the rename or
    ``commit`` fails, the new tree is moved back to ``staging`` and the old one
    back to ``target``: the previous installation is left exactly as it was.  Only
    after success is the old tree removed.

    Raises:
        UnsafeWrite: ``target`` is a symlink or not a directory.
        OSError, or whatever ``commit`` raised, after rolling back.
    """
    backup: Path | None = None
    if os.path.lexists(target):
        if not _is_real_directory(target):
            raise UnsafeWrite("exists and is not a directory (a symbolic link?); refusing it", str(target))
        backup = Path(tempfile.mkdtemp(prefix=f".mkt-{target.name}.old-", dir=target.parent))
        os.rmdir(backup)
        os.rename(target, backup)
    moved = False
    try:
        os.rename(staging, target)
        moved = True
        if commit is not None:
            commit()
    except BaseException:
        if moved:
            os.rename(target, staging)
        if backup is not None:
            os.rename(backup, target)
        raise
    if backup is not None:
        with contextlib.suppress(OSError):
            remove_tree(backup)
