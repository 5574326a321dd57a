"""The marketplace's transparency log format: Merkle hashing, proofs, checkpoints and tiles.

Both sides use this module: the server builds the log with it, the client checks what the log
serves. It holds no Django and no network code: whoever reads tiles passes a function that fetches
one path (docs/api.md, "Transparency log", describes what it serves).

The rules, each in the section its functions name:

- hashing of leaves and interior nodes, the root of ``n`` leaves, inclusion and consistency proofs
  and their verification: RFC 9162, section 2.1 ("Definitions"), 2.1.3 and 2.1.4;
- the checkpoint (the log's signed tree head): C2SP ``tlog-checkpoint`` ("Note text");
- the signature on it: C2SP ``signed-note`` ("Format", "Signatures", "Ed25519 signatures");
- the static files the log is served as: C2SP ``tlog-tiles`` ("Merkle Tree", "Partial Tiles",
  "Log entries").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from .errors import FormatError

#: Bytes of one hash (SHA-256).
HASH_SIZE = 32
#: Tile height: a full tile holds ``2**TILE_HEIGHT`` hashes (C2SP ``tlog-tiles``, "Merkle Tree").
TILE_HEIGHT = 8
#: Hashes in a full tile, and entries in a full entry bundle.
TILE_WIDTH = 1 << TILE_HEIGHT
#: The largest entry an entry bundle can carry (a big-endian uint16 length prefix).
MAX_ENTRY_BYTES = 0xFFFF
#: The root of the empty tree: SHA-256 of nothing (RFC 9162, section 2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()
#: The signature type byte of Ed25519 note signatures (C2SP ``signed-note``, "Signature types").
ED25519_TYPE = 0x01
#: The first characters of a signature line (em dash, space; C2SP ``signed-note``, "Format").
SIGNATURE_PREFIX = "\u2014 "
#: Upper bound on the tree sizes this module accepts (far above any real log, below 2**63).
MAX_TREE_SIZE = 1 << 62


class ProofError(FormatError):
    """A proof, a checkpoint or a tile does not verify (the message says which rule failed)."""


# --- RFC 9162, section 2.1: hashing ----------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    """The hash of one log entry: SHA-256(0x00 || entry), 32 bytes (RFC 9162, section 2.1.1)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right), 32 bytes (RFC 9162, section 2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n`` >= 2): the ``k`` of RFC 9162, section 2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaves whose hashes are ``leaf_hashes``, in order (RFC 9162, section 2.1.1).

    Folds the perfect subtrees left to right with a stack, so it is linear in ``n``.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    # stack of (height, hash) of perfect subtrees, heights strictly decreasing.
    stack: list[tuple[int, bytes]] = []
    for h in leaf_hashes:
        height, value = 0, h
        while stack and stack[-1][0] == height:
            value = node_hash(stack.pop()[1], value)
            height += 1
        stack.append((height, value))
    value = stack.pop()[1]
    while stack:
        value = node_hash(stack.pop()[1], value)
    return value


#: Reads the hash of the perfect subtree at ``(level, index)``: the hash of the leaves
#: ``index * 2**level`` to ``(index + 1) * 2**level - 1`` (level 0: a leaf hash).
NodeReader = Callable[[int, int], bytes]


def subtree_hash(node: NodeReader, start: int, end: int) -> bytes:
    """MTH(D[start:end]) from perfect-subtree hashes, for a range RFC 9162's recursion produces.

    ``start`` must be a multiple of the largest power of two not above ``end - start`` (true for
    every range in the recursions of section 2.1). Costs ``O(log n)`` reads.
    """
    if end <= start:
        return EMPTY_ROOT
    size = end - start
    if size & (size - 1) == 0:
        level = size.bit_length() - 1
        return node(level, start >> level)
    k = _split(size)
    return node_hash(subtree_hash(node, start, start + k), subtree_hash(node, start + k, end))


def _check_size(size: int, name: str = "tree size") -> None:
    if not isinstance(size, int) or isinstance(size, bool) or size < 0 or size > MAX_TREE_SIZE:
        raise ProofError(f"The {name} {size!r} is not a whole number between 0 and 2**62.")


def inclusion_proof(node: NodeReader, index: int, size: int) -> list[bytes]:
    """The inclusion proof PATH(index, D[size]) (RFC 9162, section 2.1.3.1), bottom-up.

    Args:
        node: reads perfect-subtree hashes of the tree (see :data:`NodeReader`).
        index: the 0-based leaf index, below ``size``.
        size: the tree size the proof is for.

    Raises:
        ProofError: ``index`` is not below ``size``.
    """
    _check_size(size)
    if not isinstance(index, int) or not 0 <= index < size:
        raise ProofError(f"The index {index!r} is not in a tree of {size} entries.")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(subtree_hash(node, start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(node, start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(node: NodeReader, size1: int, size2: int) -> list[bytes]:
    """The consistency proof PROOF(size1, D[size2]) (RFC 9162, section 2.1.4.1).

    Empty when ``size1`` equals ``size2``.

    Raises:
        ProofError: ``size1`` is 0 or greater than ``size2``.
    """
    _check_size(size1, "old tree size")
    _check_size(size2, "new tree size")
    if size1 > size2:
        raise ProofError(f"A tree of {size1} entries cannot be a prefix of one of {size2}.")
    if size1 == size2:
        return []
    if size1 == 0:
        raise ProofError("A consistency proof starts from a tree of at least one entry (RFC 9162, 2.1.4).")
    out: list[bytes] = []

    def subproof(m: int, start: int, end: int, whole: bool) -> None:
        n = end - start
        if m == n:
            if not whole:
                out.append(subtree_hash(node, start, end))
            return
        k = _split(n)
        if m <= k:
            subproof(m, start, start + k, whole)
            out.append(subtree_hash(node, start + k, end))
        else:
            subproof(m - k, start + k, end, False)
            out.append(subtree_hash(node, start, start + k))

    subproof(size1, 0, size2, True)
    return out


def verify_inclusion(entry_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that the leaf ``entry_hash`` is at ``index`` in the tree of ``size`` with ``root``.

    The algorithm of RFC 9162, section 2.1.3.2, step by step.

    Raises:
        ProofError: the proof does not verify (or a hash is not 32 bytes).
    """
    _check_size(size)
    if not isinstance(index, int) or not 0 <= index < size:
        raise ProofError(f"The index {index!r} is not in a tree of {size} entries.")
    if len(entry_hash) != HASH_SIZE:
        raise ProofError("The entry hash is not 32 bytes.")
    _hashes(*proof)
    fn, sn = index, size - 1
    r = entry_hash
    for p in proof:
        if sn == 0:
            raise ProofError("The inclusion proof is longer than the tree is deep.")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("The inclusion proof is shorter than the tree is deep.")
    if r != root:
        raise ProofError(f"Entry {index} is not in the tree of {size} entries with this root.")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check that the tree of ``size1`` with ``root1`` is a prefix of the tree of ``size2`` with ``root2``.

    The algorithm of RFC 9162, section 2.1.4.2, step by step; a ``size1`` of 0 or equal to
    ``size2`` takes an empty proof; a ``size1`` of 0 is refused, as section 2.1.4.1 defines proofs
    for ``0 < size1`` only (a client with no earlier checkpoint has nothing to compare).

    Raises:
        ProofError: the proof does not verify: the two trees are a fork.
    """
    _check_size(size1, "old tree size")
    _check_size(size2, "new tree size")
    _hashes(*proof)
    if size1 > size2:
        raise ProofError(f"A tree of {size1} entries cannot be a prefix of one of {size2}.")
    if size1 == 0:
        raise ProofError("A consistency proof starts from a tree of at least one entry (RFC 9162, 2.1.4).")
    if size1 == size2:
        if proof:
            raise ProofError("Two trees of the same size take an empty consistency proof.")
        if root1 != root2:
            raise ProofError(f"Two different roots for the same tree size {size1}: the log forked.")
        return
    if not proof:
        raise ProofError("The consistency proof is empty.")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # step 1: size1 is a power of two
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:  # step 3
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 4
    for c in path[1:]:  # step 5
        if sn == 0:
            raise ProofError("The consistency proof is longer than the tree is deep.")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # step 6
        raise ProofError("The consistency proof is shorter than the tree is deep.")
    if fr != root1 or sr != root2:
        raise ProofError(
            f"The tree of {size2} entries does not extend the tree of {size1} entries: the log forked."
        )


def _hashes(*values: bytes) -> None:
    for value in values:
        if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
            raise ProofError("A hash in the proof is not 32 bytes.")


# --- C2SP signed-note ----------------------------------------------------------------------------


def _check_key_name(name: str) -> None:
    """A key name is non-empty and holds no Unicode space and no ``+`` (C2SP ``signed-note``, "Format")."""
    if not name or "+" in name or any(ch.isspace() for ch in name) or not name.isprintable():
        raise FormatError(f"The key name {name!r} is empty or holds a space, a '+' or a control character.")


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID of an Ed25519 note key: SHA-256(name || 0x0A || 0x01 || public key)[:4].

    Rule: C2SP ``signed-note``, "Ed25519 signatures".
    """
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519_TYPE]) + bytes(public_key)).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """The one-line form of a note verifier key: ``<name>+<key ID, 8 hex digits>+<base64(0x01 || key)>``.

    The form ``golang.org/x/mod/sumdb/note`` reads and prints (what a log's users are handed
    to pin its key); docs/operators.md, "The transparency log".
    """
    _check_key_name(name)
    encoded = base64.b64encode(bytes([ED25519_TYPE]) + bytes(public_key)).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, bytes]:
    """``(name, 32-byte public key)`` of a verifier key written by :func:`verifier_key`.

    Raises:
        FormatError: the text is not such a key, or its key ID does not match its key.
    """
    parts = text.strip().split("+", 2)  # the name and the ID hold no '+'; the base64 key may
    if len(parts) != 3:
        raise FormatError("A log verifier key reads NAME+KEYID+KEY.")
    name, hex_id, encoded = parts
    _check_key_name(name)
    try:
        raw = base64.b64decode(encoded, validate=True)
        wanted = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError) as exc:
        raise FormatError("The log verifier key is not hex and base64.") from exc
    if len(raw) != 33 or raw[0] != ED25519_TYPE or len(wanted) != 4:
        raise FormatError("The log verifier key is not an Ed25519 key.")
    if key_id(name, raw[1:]) != wanted:
        raise FormatError("The log verifier key's ID does not match its key.")
    return name, raw[1:]


def sign_note(text: str, name: str, signing_key: nacl.signing.SigningKey) -> str:
    """The signed note of ``text`` with one Ed25519 signature line by key ``name``.

    ``text`` must end in a newline; the result is ``text``, a blank line and
    ``— <name> base64(key ID || signature)`` (C2SP ``signed-note``, "Format", "Signatures").

    Raises:
        FormatError: ``text`` is not a note text (see :func:`_check_note_text`).
    """
    _check_note_text(text)
    _check_key_name(name)
    public = bytes(signing_key.verify_key)
    signature = signing_key.sign(text.encode()).signature
    line = base64.b64encode(key_id(name, public) + signature).decode()
    return f"{text}\n{SIGNATURE_PREFIX}{name} {line}\n"


def _check_note_text(text: str) -> None:
    if not text.endswith("\n"):
        raise FormatError("A note text ends in a newline.")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise FormatError("A note holds no control character but newline.")


def open_note(note: str, name: str, public_key: bytes) -> str:
    """The text of ``note`` once a signature by the Ed25519 key ``(name, public_key)`` verifies.

    Signatures by other keys are ignored; a signature by this key that fails refuses the whole
    note (C2SP ``signed-note``, "Signatures").

    Raises:
        ProofError: no valid signature by this key, or one that fails.
        FormatError: ``note`` is not a signed note.
    """
    if not isinstance(note, str) or len(note) > 1_000_000:
        raise FormatError("A signed note is text of at most 1 MB.")
    _check_note_text(note)
    cut = note.rfind("\n\n")
    if cut < 0:
        raise FormatError("A signed note separates its text from its signatures with a blank line.")
    text, signatures = note[: cut + 1], note[cut + 2 :]
    want_id = key_id(name, public_key)
    verifier = nacl.signing.VerifyKey(bytes(public_key))
    verified = False
    lines = signatures[:-1].split("\n")
    if not lines or len(lines) > 100:
        raise FormatError("A signed note carries between 1 and 100 signatures.")
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise FormatError("A note signature line starts with an em dash and a space.")
        fields = line[len(SIGNATURE_PREFIX) :].split(" ")
        if len(fields) != 2:
            raise FormatError("A note signature line reads '— NAME SIGNATURE'.")
        signer, encoded = fields
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise FormatError("A note signature is not base64.") from exc
        if len(raw) < 5 or signer != name or raw[:4] != want_id:
            continue  # another key's signature: ignored.
        try:
            verifier.verify(text.encode(), raw[4:])
        except (nacl.exceptions.BadSignatureError, ValueError) as exc:
            raise ProofError(f"The signature by {name} on this note does not verify.") from exc
        verified = True
    if not verified:
        raise ProofError(f"The note carries no signature by the log key {name}.")
    return text


# --- C2SP tlog-checkpoint -------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed statement of its size and root (C2SP ``tlog-checkpoint``, "Note text").

    ``origin``: the log's name; ``size``: entries in the tree; ``root``: the 32-byte RFC 9162
    root of those entries; ``extensions``: further lines (this log writes none).
    """

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The note text: origin, size and base64 root, one per line, each ending in a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(f"{line}\n" for line in lines)


def sign_checkpoint(checkpoint: Checkpoint, signing_key: nacl.signing.SigningKey) -> str:
    """The signed note of ``checkpoint``, signed by the log key named after its origin.

    Rule: C2SP ``tlog-checkpoint``, "Signatures" (the key name matches the origin line).
    """
    _check_key_name(checkpoint.origin)
    _check_size(checkpoint.size)
    _hashes(checkpoint.root)
    return sign_note(checkpoint.text(), checkpoint.origin, signing_key)


def parse_checkpoint_text(text: str) -> Checkpoint:
    """The checkpoint a note text states (C2SP ``tlog-checkpoint``, "Note text"); the signature is not checked.

    Raises:
        FormatError: fewer than three lines, an empty line, a size with a leading zero or
            non-digits, or a root that is not the base64 of 32 bytes.
    """
    _check_note_text(text)
    lines = text[:-1].split("\n")
    if len(lines) < 3 or any(not line for line in lines):
        raise FormatError("A checkpoint is at least three non-empty lines: origin, size, root hash.")
    origin, size_text, root_text = lines[:3]
    if not size_text.isascii() or not size_text.isdigit() or (size_text != "0" and size_text[0] == "0"):
        raise FormatError("A checkpoint's size is a decimal number without leading zeroes.")
    size = int(size_text)
    if size > MAX_TREE_SIZE:
        raise FormatError("A checkpoint's size is out of range.")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as exc:
        raise FormatError("A checkpoint's root hash is not base64.") from exc
    if len(root) != HASH_SIZE or base64.b64encode(root).decode() != root_text:
        raise FormatError("A checkpoint's root hash is not the base64 of 32 bytes.")
    return Checkpoint(origin=origin, size=size, root=root, extensions=tuple(lines[3:]))


def open_checkpoint(note: str, origin: str, public_key: bytes) -> Checkpoint:
    """The checkpoint in the signed ``note`` once the log key verifies it and its origin is ``origin``.

    The log key's name is the origin (C2SP ``tlog-checkpoint``, "Signatures").

    Raises:
        ProofError: no valid signature by the log key.
        FormatError: not a signed checkpoint, or one of another log.
    """
    checkpoint = parse_checkpoint_text(open_note(note, origin, public_key))
    if checkpoint.origin != origin:
        raise FormatError(f"This checkpoint is of the log {checkpoint.origin!r}, not {origin!r}.")
    return checkpoint


# --- C2SP tlog-tiles -----------------------------------------------------------------------------


def _index_path(n: int) -> str:
    """``<N>`` as zero-padded 3-digit elements, all but the last prefixed with ``x`` (1234067: ``x001/x234/067``)."""
    if n < 0:
        raise ValueError("A tile index is not negative.")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([f"x{g}" for g in groups[:-1]] + groups[-1:])


def _suffix(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError("A tile's width is between 1 and 256.")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, n: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``: the path of the ``n``-th tile at tile level ``level`` (C2SP ``tlog-tiles``, "Merkle Tree")."""
    if not 0 <= level <= 63:
        raise ValueError("A tile level is between 0 and 63.")
    return f"tile/{level}/{_index_path(n)}{_suffix(width)}"


def entries_path(n: int, width: int = TILE_WIDTH) -> str:
    """``tile/entries/<N>[.p/<W>]``: the path of the ``n``-th entry bundle (C2SP ``tlog-tiles``, "Log entries")."""
    return f"tile/entries/{_index_path(n)}{_suffix(width)}"


def tile_width(level: int, n: int, size: int) -> int:
    """Hashes in tile ``n`` of tile level ``level`` in a tree of ``size`` (0: the tile does not exist yet).

    Full tiles hold 256; the rightmost holds ``floor(size / 256**level) mod 256`` (C2SP
    ``tlog-tiles``, "Partial Tiles").
    """
    count = size >> (TILE_HEIGHT * level)  # hashes at this level
    return max(0, min(TILE_WIDTH, count - n * TILE_WIDTH))


def tiles_for(size: int) -> list[tuple[int, int, int]]:
    """Every ``(level, n, width)`` tile a tree of ``size`` is served as, level 0 first."""
    out = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)
        for n in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
            out.append((level, n, tile_width(level, n, size)))
        level += 1
    return out


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """An entry bundle: each entry prefixed by its big-endian uint16 length (C2SP ``tlog-tiles``, "Log entries").

    Raises:
        FormatError: an entry is longer than 65,535 bytes.
    """
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY_BYTES:
            raise FormatError("A log entry is at most 65,535 bytes.")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    """The entries of an entry bundle (see :func:`encode_bundle`).

    Raises:
        FormatError: a length runs past the end of the bundle.
    """
    entries, offset = [], 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise FormatError("The entry bundle ends inside a length prefix.")
        length = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + length > len(data):
            raise FormatError("The entry bundle ends inside an entry.")
        entries.append(bytes(data[offset : offset + length]))
        offset += length
    return entries


class TileReader:
    """Reads perfect-subtree hashes of a tree of ``size`` from its tiles (a :data:`NodeReader`).

    ``fetch(path)`` returns the bytes of a tile path relative to the log's prefix (e.g.
    ``tile/0/x001/234``) or raises; each tile is fetched once. The tree size must be one a
    verified checkpoint states (C2SP ``tlog-tiles``, "Partial Tiles": clients fetch only the
    partial tiles a checkpoint requires). Pass the reader to :func:`inclusion_proof`,
    :func:`consistency_proof` or :func:`subtree_hash`, then verify against the checkpoint's root.
    """

    def __init__(self, fetch: Callable[[str], bytes], size: int) -> None:
        _check_size(size)
        self.fetch = fetch
        self.size = size
        self._tiles: dict[tuple[int, int], list[bytes]] = {}

    def tile(self, level: int, n: int) -> list[bytes]:
        """The hashes of tile ``n`` at tile level ``level``, as wide as the tree needs.

        Raises:
            ProofError: the tile is not in a tree of this size, or has the wrong length.
        """
        key = (level, n)
        if key not in self._tiles:
            width = tile_width(level, n, self.size)
            if width == 0:
                raise ProofError(f"The tile {level}/{n} is not in a tree of {self.size} entries.")
            data = self.fetch(tile_path(level, n, width))
            if len(data) != width * HASH_SIZE:
                raise ProofError(f"The tile {tile_path(level, n, width)} is not {width} hashes long.")
            self._tiles[key] = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        return self._tiles[key]

    def __call__(self, level: int, index: int) -> bytes:
        """The hash of the perfect subtree at tree level ``level`` (0: leaves), position ``index``."""
        tile_level, below = divmod(level, TILE_HEIGHT)
        span = 1 << below  # hashes of the tile's row under this node
        first = index * span
        hashes = self.tile(tile_level, first // TILE_WIDTH)
        offset = first % TILE_WIDTH
        row = hashes[offset : offset + span]
        if len(row) != span:
            raise ProofError(f"Node {level}/{index} is not complete in a tree of {self.size} entries.")
        while len(row) > 1:
            row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        return row[0]

    def root(self) -> bytes:
        """The root of the tree of ``size`` these tiles hold (compare it with the checkpoint's)."""
        return subtree_hash(self, 0, self.size)
