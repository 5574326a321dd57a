"""The transparency log format (argent_pkg.tlog): RFC 9162 hashing and proofs, checkpoints, tiles.

The proofs are checked three ways: against the published RFC 6962 / 9162 vectors
(tests/data/merkle-vectors, README there), against pymerkle's own tree and verifier (an
implementation that shares no code with ours), and by round trips through the tiles.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from argent_pkg import tlog
from argent_pkg.errors import FormatError
from hypothesis import given, settings
from hypothesis import strategies as st
from pymerkle import InmemoryTree
from pymerkle import verify_consistency as pymerkle_verify_consistency
from pymerkle import verify_inclusion as pymerkle_verify_inclusion

from .helpers import fixed_key

VECTORS = Path(__file__).resolve().parent.parent / "data" / "merkle-vectors"
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]  # fmt: skip


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _vectors(kind: str) -> list[tuple[str, dict]]:
    found = sorted((VECTORS / kind).rglob("*.json"))
    assert found, f"no {kind} vectors under {VECTORS}"
    return [(str(path.relative_to(VECTORS)), json.loads(path.read_text())) for path in found]


class _MemoryTree:
    """A list of leaf hashes read as a NodeReader (what the server's stored nodes provide)."""

    def __init__(self, entries: list[bytes]) -> None:
        self.leaves = [tlog.leaf_hash(e) for e in entries]

    def __call__(self, level: int, index: int) -> bytes:
        span = 1 << level
        row = self.leaves[index * span : (index + 1) * span]
        assert len(row) == span
        return tlog.root_of(row)


def _serve_tiles(entries: list[bytes]) -> dict[str, bytes]:
    """The tiles of a tree of these entries, keyed by path (what the server writes)."""
    node = _MemoryTree(entries)
    files = {}
    for level, n, width in tlog.tiles_for(len(entries)):
        first = n * tlog.TILE_WIDTH
        height = level * tlog.TILE_HEIGHT
        files[tlog.tile_path(level, n, width)] = b"".join(node(height, first + i) for i in range(width))
    return files


# --- the published vectors -----------------------------------------------------------------------


def test_the_root_of_the_vectors_eight_leaves():
    root = tlog.root_of([tlog.leaf_hash(leaf) for leaf in LEAVES])
    assert root.hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert tlog.root_of([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize(
    ("name", "case"), _vectors("inclusion"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_inclusion_vectors(name, case):
    def check():
        tlog.verify_inclusion(
            _b64(case["leafHash"]), case["leafIdx"], case["treeSize"],
            [_b64(p) for p in case["proof"] or []], _b64(case["root"]),
        )  # fmt: skip

    if case["wantErr"]:
        with pytest.raises(tlog.ProofError):
            check()
    else:
        check()


@pytest.mark.parametrize(
    ("name", "case"), _vectors("consistency"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_consistency_vectors(name, case):
    def check():
        tlog.verify_consistency(
            case["size1"], case["size2"], [_b64(p) for p in case["proof"] or []],
            _b64(case["root1"]), _b64(case["root2"]),
        )  # fmt: skip

    if case["wantErr"]:
        with pytest.raises(tlog.ProofError):
            check()
    else:
        check()


def test_the_proofs_we_produce_match_the_vectors_happy_paths():
    node = _MemoryTree(LEAVES)
    for name, case in _vectors("inclusion"):
        if name.endswith("happy-path.json"):
            subtree = _MemoryTree(LEAVES[: case["treeSize"]])
            proof = tlog.inclusion_proof(subtree, case["leafIdx"], case["treeSize"])
            assert [base64.b64encode(p).decode() for p in proof] == (case["proof"] or []), name
    for name, case in _vectors("consistency"):
        if name.endswith("happy-path.json"):
            proof = tlog.consistency_proof(node, case["size1"], case["size2"])
            assert [base64.b64encode(p).decode() for p in proof] == (case["proof"] or []), name


# --- an independent implementation: pymerkle -------------------------------------------------------


def _pymerkle_tree(entries: list[bytes]) -> InmemoryTree:
    tree = InmemoryTree(algorithm="sha256")  # RFC 9162 hashing (0x00 / 0x01 prefixes) by default
    for entry in entries:
        tree.append_entry(entry)
    return tree


entry_lists = st.lists(st.binary(max_size=40), min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(entries=entry_lists, data=st.data())
def test_every_inclusion_proof_verifies_and_agrees_with_pymerkle(entries, data):
    size = data.draw(st.integers(1, len(entries)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    node = _MemoryTree(entries)
    reference = _pymerkle_tree(entries)
    root = tlog.subtree_hash(node, 0, size)
    assert root == reference.get_root(size)
    proof = tlog.inclusion_proof(node, index, size)
    leaf = tlog.leaf_hash(entries[index])
    tlog.verify_inclusion(leaf, index, size, proof, root)
    theirs = reference.prove_inclusion(index + 1, size)  # pymerkle counts leaves from 1
    assert theirs.path[1:] == proof  # the same audit path, bottom-up
    pymerkle_verify_inclusion(leaf, root, theirs)  # their verifier accepts our root


@settings(max_examples=60, deadline=None)
@given(entries=entry_lists, data=st.data())
def test_every_consistency_proof_verifies_and_agrees_with_pymerkle(entries, data):
    size2 = data.draw(st.integers(1, len(entries)), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    node = _MemoryTree(entries)
    reference = _pymerkle_tree(entries)
    root1, root2 = tlog.subtree_hash(node, 0, size1), tlog.subtree_hash(node, 0, size2)
    proof = tlog.consistency_proof(node, size1, size2)
    tlog.verify_consistency(size1, size2, proof, root1, root2)
    pymerkle_verify_consistency(root1, root2, reference.prove_consistency(size1, size2))


@settings(max_examples=60, deadline=None)
@given(entries=st.lists(st.binary(max_size=8), min_size=2, max_size=80), data=st.data())
def test_a_tampered_proof_is_refused(entries, data):
    node = _MemoryTree(entries)
    size = len(entries)
    index = data.draw(st.integers(0, size - 1))
    root = tlog.subtree_hash(node, 0, size)
    proof = tlog.inclusion_proof(node, index, size)
    leaf = tlog.leaf_hash(entries[index])
    position = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    bad = list(proof)
    bad[position] = bytes(b ^ (1 if i == bit % 32 else 0) for i, b in enumerate(bad[position]))
    with pytest.raises(tlog.ProofError):
        tlog.verify_inclusion(leaf, index, size, bad, root)
    with pytest.raises(tlog.ProofError):
        tlog.verify_inclusion(tlog.leaf_hash(entries[index] + b"!"), index, size, proof, root)
    size1 = data.draw(st.integers(1, size - 1))
    consistency = tlog.consistency_proof(node, size1, size)
    root1 = tlog.subtree_hash(node, 0, size1)
    forked = tlog.leaf_hash(b"another history")
    with pytest.raises(tlog.ProofError):
        tlog.verify_consistency(size1, size, consistency, forked, root)
    with pytest.raises(tlog.ProofError):
        tlog.verify_consistency(size1, size, consistency, root1, forked)


# --- tiles ---------------------------------------------------------------------------------------


def test_tile_paths_follow_tlog_tiles():
    assert tlog.tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tlog.tile_path(1, 0) == "tile/1/000"
    assert tlog.tile_path(2, 5, 17) == "tile/2/005.p/17"
    assert tlog.entries_path(1000, 3) == "tile/entries/x001/000.p/3"
    # The example of C2SP tlog-tiles, "Partial Tiles": a tree of 70,000 entries.
    tiles = tlog.tiles_for(70_000)
    assert sum(1 for level, _, w in tiles if level == 0 and w == 256) == 273
    assert [(level, n, w) for level, n, w in tiles if w != 256] == [(0, 273, 112), (1, 1, 17), (2, 0, 1)]
    assert tlog.tiles_for(256) == [(0, 0, 256), (1, 0, 1)]


@settings(max_examples=25, deadline=None)
@given(size=st.integers(1, 1400), data=st.data())
def test_proofs_from_tiles_match_proofs_from_the_tree(size, data):
    entries = [i.to_bytes(4, "big") for i in range(size)]
    files = _serve_tiles(entries)
    reader = tlog.TileReader(files.__getitem__, size)
    node = _MemoryTree(entries)
    assert reader.root() == tlog.root_of(node.leaves)
    index = data.draw(st.integers(0, size - 1))
    assert tlog.inclusion_proof(reader, index, size) == tlog.inclusion_proof(node, index, size)
    size1 = data.draw(st.integers(1, size))
    old = tlog.TileReader(_serve_tiles(entries[:size1]).__getitem__, size1)
    assert tlog.consistency_proof(reader, size1, size) == tlog.consistency_proof(node, size1, size)
    tlog.verify_consistency(
        size1, size, tlog.consistency_proof(reader, size1, size), old.root(), reader.root()
    )


def test_a_short_tile_is_refused():
    entries = [bytes([i]) for i in range(10)]
    files = _serve_tiles(entries)
    files["tile/0/000.p/10"] = files["tile/0/000.p/10"][:-1]
    with pytest.raises(tlog.ProofError, match="not 10 hashes long"):
        tlog.TileReader(files.__getitem__, 10).root()


def test_entry_bundles_round_trip_and_refuse_truncation():
    entries = [b"", b"a", b"x" * 300]
    bundle = tlog.encode_bundle(entries)
    assert bundle[:2] == b"\x00\x00" and bundle[2:5] == b"\x00\x01a"
    assert tlog.decode_bundle(bundle) == entries
    with pytest.raises(FormatError):
        tlog.decode_bundle(bundle[:-1])
    with pytest.raises(FormatError):
        tlog.encode_bundle([b"x" * 65_536])


# --- checkpoints and signed notes ----------------------------------------------------------------

ORIGIN = "market.example/log"


def test_a_checkpoint_signs_and_opens():
    key = fixed_key(7)
    root = tlog.root_of([tlog.leaf_hash(leaf) for leaf in LEAVES])
    note = tlog.sign_checkpoint(tlog.Checkpoint(ORIGIN, 8, root), key)
    text, _, signature = note.partition("\n\n")
    assert text == f"{ORIGIN}\n8\n{base64.b64encode(root).decode()}"
    assert signature.startswith(f"\u2014 {ORIGIN} ") and signature.endswith("\n")
    raw = base64.b64decode(signature.split(" ")[2])
    public = bytes(key.verify_key)
    assert raw[:4] == hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    assert len(raw) == 4 + 64
    assert tlog.open_checkpoint(note, ORIGIN, public) == tlog.Checkpoint(ORIGIN, 8, root)
    assert tlog.parse_verifier_key(tlog.verifier_key(ORIGIN, public)) == (ORIGIN, public)


def test_another_keys_signature_is_ignored_and_a_bad_one_refused():
    key, other = fixed_key(7), fixed_key(8)
    checkpoint = tlog.Checkpoint(ORIGIN, 1, tlog.leaf_hash(b""))
    note = tlog.sign_checkpoint(checkpoint, key)
    cosigned = note + tlog.sign_note(checkpoint.text(), "witness.example", other).split("\n\n")[1]
    assert tlog.open_checkpoint(cosigned, ORIGIN, bytes(key.verify_key)) == checkpoint
    with pytest.raises(tlog.ProofError, match="no signature by the log key"):
        tlog.open_checkpoint(note, ORIGIN, bytes(other.verify_key))
    tampered = note.replace(f"{ORIGIN}\n1\n", f"{ORIGIN}\n2\n")
    with pytest.raises(tlog.ProofError, match="does not verify"):
        tlog.open_checkpoint(tampered, ORIGIN, bytes(key.verify_key))


@pytest.mark.parametrize(
    "text",
    [
        "origin\n8\n",  # two lines
        "origin\n08\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",  # leading zero
        "origin\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "origin\n8\nAAAA\n",  # not 32 bytes
        "origin\n8\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  # no final newline
        "origin\n\n8\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",  # empty line
        "origin\n8\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\x07\n",  # control character
    ],
)
def test_malformed_checkpoints_are_refused(text):
    with pytest.raises(FormatError):
        tlog.parse_checkpoint_text(text)


@pytest.mark.parametrize(
    "note", ["", "x\n", "a\n\n\u2014 b\n", "a\n\nnot a signature\n", "a\n\n\u2014 b !!\n"]
)
def test_malformed_notes_are_refused(note):
    with pytest.raises(FormatError):
        tlog.open_note(note, "b", bytes(fixed_key(1).verify_key))


def test_verifier_keys_round_trip_even_when_their_base64_holds_a_plus():
    keys = [bytes(fixed_key(n).verify_key) for n in range(1, 40)]
    assert any("+" in tlog.verifier_key(ORIGIN, k).split("+", 2)[2] for k in keys)
    for key in keys:
        assert tlog.parse_verifier_key(tlog.verifier_key(ORIGIN, key)) == (ORIGIN, key)
    with pytest.raises(FormatError, match="ID does not match"):
        tlog.parse_verifier_key(tlog.verifier_key(ORIGIN, keys[0]).replace(ORIGIN, "other.example/log"))
