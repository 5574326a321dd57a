"""The installer's writer: only regular files and directories, only inside the target.

Hostile member lists come from two places: crafted path lists (``..``, absolute
paths, backslashes, links, planted symlinks in the tree) and the member listings
of every file of the hazard corpus in ``tests/data/archives/`` read with
:mod:`tarfile`, as an extracting tool would see them.  Each write happens in a
sandbox with a sentinel directory beside it; nothing may appear outside the root.
"""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path

import pytest
from argent_mkt import safe_write
from argent_mkt.safe_write import Member, UnsafeWrite, prepare_parent, swap_into_place, write_members

CORPUS = Path(__file__).resolve().parents[1] / "data" / "archives"
CORPUS_FILES = sorted(
    path
    for path in CORPUS.rglob("*")
    if path.is_file() and path.suffix in (".tar", ".tgz", ".gz", "") and path.name not in ("SHA256SUMS",)
)


@pytest.fixture
def sandbox(tmp_path) -> tuple[Path, Path]:
    """``(root, outside)``: an empty staging root, and a sentinel directory beside it."""
    root = tmp_path / "home" / "connectors" / ".staging"
    root.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"keep me")
    return root, outside


def tree(path: Path) -> dict[str, str]:
    """Relative path -> type (``file``, ``dir`` or ``link``) of everything under ``path``."""
    result = {}
    for directory, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            full = Path(directory) / name
            kind = "link" if full.is_symlink() else "dir" if full.is_dir() else "file"
            result[full.relative_to(path).as_posix()] = kind
    return result


def assert_contained(tmp_path: Path, root: Path, outside: Path) -> None:
    """Nothing outside ``root`` changed, nothing under it is a link, modes are 0644/0755."""
    assert tree(outside) == {"secret": "file"}
    assert (outside / "secret").read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "outside"]
    assert tree(tmp_path / "home") == {"connectors": "dir", "connectors/.staging": "dir"} | {
        f"connectors/.staging/{path}": kind for path, kind in tree(root).items()
    }
    for relative, kind in tree(root).items():
        assert kind != "link", relative
        mode = stat.S_IMODE((root / relative).lstat().st_mode)
        assert mode == (0o755 if kind == "dir" else 0o644), relative
        if kind == "file":
            assert (root / relative).stat().st_nlink == 1


# --- crafted member lists --------------------------------------------------------------------


def test_writes_files_and_directories_with_fixed_modes(sandbox, tmp_path):
    root, outside = sandbox
    old = os.umask(0o077)
    try:
        written = write_members(
            root,
            [
                Member("a/b/c.txt", b"c"),
                Member("./d.txt", b"d"),
                Member("empty", type="dir"),
                Member("a", type="dir"),
                Member(".", type="dir"),
            ],
        )
    finally:
        os.umask(old)
    assert written == ["a/b/c.txt", "d.txt"]
    assert (root / "a" / "b" / "c.txt").read_bytes() == b"c"
    assert tree(root) == {"a": "dir", "a/b": "dir", "a/b/c.txt": "file", "d.txt": "file", "empty": "dir"}
    assert_contained(tmp_path, root, outside)


def test_a_mapping_is_a_list_of_regular_files(sandbox):
    root, _ = sandbox
    assert write_members(root, {"x/y": b"1", "z": b"2"}) == ["x/y", "z"]


HOSTILE_PATHS = [
    "../escape",
    "a/../../escape",
    "a/../b",
    "/etc/passwd",
    "//server/share",
    "a\\..\\..\\escape",
    "..",
    "",
    "a//b",
    "a/./b",
    "a/\x00b",
    "a/\nb",
    "caf\u0065\u0301",  # not NFC
    "x" * 300,
    b"\xff\xfe/not-utf8",
    "surrogate\udcff",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS, ids=lambda p: repr(p)[:40])
def test_hostile_path_refuses_the_whole_list_before_writing(sandbox, tmp_path, path):
    root, outside = sandbox
    with pytest.raises(UnsafeWrite):
        write_members(root, [Member("good.txt", b"ok"), Member(path, b"evil")])
    assert tree(root) == {}
    assert_contained(tmp_path, root, outside)


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "chardev", "blockdev", "fifo", "sparse"])
def test_only_files_and_directories(sandbox, tmp_path, kind):
    root, outside = sandbox
    with pytest.raises(UnsafeWrite, match=f"refusing a {kind}"):
        write_members(root, [Member("good.txt", b"ok"), Member("link", type=kind)])
    assert tree(root) == {}


@pytest.mark.parametrize(
    "paths",
    [
        ["a.txt", "a.txt"],
        ["README.md", "readme.md"],
        ["a", "a/b"],
        ["dir/x", "DIR/y"],
    ],
)
def test_conflicting_path_sets_are_refused(sandbox, paths):
    root, _ = sandbox
    with pytest.raises(UnsafeWrite):
        write_members(root, [Member(path, b"x") for path in paths])
    assert tree(root) == {}


def test_a_file_and_a_directory_of_one_path_are_refused(sandbox):
    root, _ = sandbox
    with pytest.raises(UnsafeWrite):
        write_members(root, [Member("a", b"x"), Member("a", type="dir")])


def test_planted_symlinked_parent_is_never_followed(sandbox, tmp_path):
    root, outside = sandbox
    (root / "lib").symlink_to(outside)
    with pytest.raises(UnsafeWrite, match="symbolic link"):
        write_members(root, {"lib/secret": b"overwritten", "lib/new": b"new"})
    assert_contained_outside(outside)


def test_planted_symlink_at_a_file_path_is_not_followed(sandbox):
    root, outside = sandbox
    (root / "config.json").symlink_to(outside / "secret")
    with pytest.raises(UnsafeWrite, match="exists already"):
        write_members(root, {"config.json": b"overwritten"})
    assert_contained_outside(outside)


def test_dangling_symlink_is_not_followed_to_create_a_file(sandbox):
    root, outside = sandbox
    (root / "new.txt").symlink_to(outside / "created-through-link")
    with pytest.raises(UnsafeWrite):
        write_members(root, {"new.txt": b"x"})
    assert not (outside / "created-through-link").exists()


def test_planted_hardlink_is_not_overwritten(sandbox):
    root, outside = sandbox
    os.link(outside / "secret", root / "data.bin")
    with pytest.raises(UnsafeWrite, match="exists already"):
        write_members(root, {"data.bin": b"overwritten"})
    assert_contained_outside(outside)


def test_symlink_swapped_in_while_writing_is_refused(sandbox, monkeypatch, tmp_path):
    """A directory replaced by a symlink between two members (a race) is caught at the next open."""
    root, outside = sandbox
    real = safe_write._write_file
    done = {"planted": False}

    def write_then_plant(dir_fd: int, name: str, data: bytes) -> None:
        real(dir_fd, name, data)
        if not done["planted"]:
            done["planted"] = True
            os.rename(root / "sub", tmp_path / "home" / "moved-away")
            (root / "sub").symlink_to(outside)

    monkeypatch.setattr(safe_write, "_write_file", write_then_plant)
    with pytest.raises(UnsafeWrite, match="symbolic link"):
        write_members(root, {"sub/one": b"1", "sub/two": b"2"})
    assert_contained_outside(outside)


def test_root_that_is_a_symlink_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "root").symlink_to(outside)
    with pytest.raises(UnsafeWrite):
        write_members(tmp_path / "root", {"x": b"1"})
    assert list(outside.iterdir()) == []


def assert_contained_outside(outside: Path) -> None:
    assert tree(outside) == {"secret": "file"}
    assert (outside / "secret").read_bytes() == b"keep me"


# --- the hazard corpus ------------------------------------------------------------------------


def corpus_members(path: Path) -> list[Member]:
    """The member list of a corpus file as :mod:`tarfile` sees it (whatever it manages to read)."""
    result: list[Member] = []
    try:
        with tarfile.open(path, "r:*") as tar:
            for info in tar:
                name = os.fsencode(info.name)  # raw bytes, undecodable names included
                if info.isreg():
                    result.append(Member(name, b"payload"))
                elif info.isdir():
                    result.append(Member(name, type="dir"))
                elif info.issym():
                    result.append(Member(name, type="symlink"))
                elif info.islnk():
                    result.append(Member(name, type="hardlink"))
                else:
                    result.append(Member(name, type="special"))
    except (tarfile.TarError, OSError, ValueError, EOFError, MemoryError, RecursionError, UnicodeError):
        pass
    return result


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_member_lists_never_escape(tmp_path, sandbox, path):
    root, outside = sandbox
    listed = corpus_members(path)
    try:
        write_members(root, listed)
    except UnsafeWrite:
        assert tree(root) == {}  # refused before anything was written
    else:
        # Accepted lists hold only well-formed relative paths of files and directories.
        assert all(member.type in ("file", "dir") for member in listed)
        assert all(not os.fsdecode(member.path).startswith("/") for member in listed)
    assert_contained(tmp_path, root, outside)


def test_corpus_refusals_cover_the_known_hazards(sandbox):
    root, _ = sandbox
    for name in (
        "traversal/libarchive-leading-slash.tar",
        "cve/cve-2025-4517-pathmax-symlink-chain.tar",
        "benign/nodetar-links.tar",
        "special/cpython-testtar.tar",
        "encoding/libarchive-read_format_tar_filename_koi8r.tar",
        "malformed/tarrs-duplicate_dirs.tar",
    ):
        listed = corpus_members(CORPUS / name)
        assert listed, name
        if name == "malformed/tarrs-duplicate_dirs.tar":
            continue  # a directory listed twice is harmless
        with pytest.raises(UnsafeWrite):
            write_members(root, listed)


def test_benign_corpus_lists_are_written(tmp_path, sandbox):
    root, outside = sandbox
    listed = corpus_members(CORPUS / "benign" / "nodetar-utf8.tar")
    write_members(root, listed)
    assert any(kind == "file" for kind in tree(root).values())
    assert_contained(tmp_path, root, outside)


# --- the target and the swap ------------------------------------------------------------------


def test_prepare_parent_refuses_symlinks_below_the_home(tmp_path):
    home = tmp_path / "home"
    outside = tmp_path / "outside"
    outside.mkdir()
    home.mkdir()
    (home / "connectors").symlink_to(outside)
    with pytest.raises(UnsafeWrite):
        prepare_parent(home, "connectors/x")
    (home / "connectors").unlink()
    (home / "connectors").mkdir()
    (home / "connectors" / "x").symlink_to(outside)
    with pytest.raises(UnsafeWrite):
        prepare_parent(home, "connectors/x")
    (home / "connectors" / "x").unlink()
    (home / "connectors" / "x").write_bytes(b"")
    with pytest.raises(UnsafeWrite):
        prepare_parent(home, "connectors/x")
    with pytest.raises(UnsafeWrite):
        prepare_parent(home, "../x")
    assert list(outside.iterdir()) == []


def test_prepare_parent_creates_the_kind_directory_and_accepts_a_symlinked_home(tmp_path):
    real = tmp_path / "real-home"
    real.mkdir()
    (tmp_path / "home").symlink_to(real)
    parent = prepare_parent(tmp_path / "home", "widgets/w")
    assert parent == tmp_path / "home" / "widgets"
    assert (real / "widgets").is_dir()


def make_tree(path: Path, content: bytes) -> None:
    path.mkdir()
    (path / "file").write_bytes(content)


def test_swap_replaces_and_removes_the_old_tree(tmp_path):
    make_tree(tmp_path / "target", b"old")
    make_tree(tmp_path / "staging", b"new")
    swap_into_place(tmp_path / "staging", tmp_path / "target")
    assert (tmp_path / "target" / "file").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


def test_swap_into_an_empty_place(tmp_path):
    make_tree(tmp_path / "staging", b"new")
    swap_into_place(tmp_path / "staging", tmp_path / "target")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


def test_swap_keeps_the_old_tree_when_the_commit_fails(tmp_path):
    make_tree(tmp_path / "target", b"old")
    make_tree(tmp_path / "staging", b"new")

    def commit() -> None:
        assert (tmp_path / "target" / "file").read_bytes() == b"new"
        raise RuntimeError("recording failed")

    with pytest.raises(RuntimeError):
        swap_into_place(tmp_path / "staging", tmp_path / "target", commit)
    assert (tmp_path / "target" / "file").read_bytes() == b"old"
    assert (tmp_path / "staging" / "file").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["staging", "target"]


def test_swap_refuses_a_symlinked_target(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "target").symlink_to(outside)
    make_tree(tmp_path / "staging", b"new")
    with pytest.raises(UnsafeWrite):
        swap_into_place(tmp_path / "staging", tmp_path / "target")
    assert (tmp_path / "target").is_symlink() and list(outside.iterdir()) == []
