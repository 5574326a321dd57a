"""Mutation fuzzing of the archive reader and ``inspect_package`` (hypothesis).

Seeds are real signed packages built here plus the third-party corpus in
``tests/data/archives`` (raw tars gzip-compressed, as the upload path sees them).
Each example mutates one seed with byte flips, insertions, deletions,
truncations, overwrites and splices with another seed, either in the gzip bytes
or in the tar inside them (re-compressed, so the tar parser sees the damage).

Properties: only :class:`FormatError` (``PackageInvalid``) ever escapes, and the
work per input is bounded: inputs are at most 1 MiB and the reader runs with small
limits, and ``tracemalloc`` checks the peak memory of every input. There is no
timing assertion; the bounds on input and limits keep every example short.
The atheris harness ``scripts/fuzz_archive.py`` runs the same property for longer
(not in CI).
"""

from __future__ import annotations

import gzip
import os
import tracemalloc
import zlib
from functools import cache
from pathlib import Path

import pytest
from argent_pkg import FormatError, Limits, PackageInvalid, inspect_package, read_archive
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from .helpers import build, fixed_key, gz, manifest, members

CORPUS = Path(__file__).resolve().parents[1] / "data" / "archives"
MiB = 1024 * 1024
MAX_INPUT = 1 * MiB
PEAK_BUDGET = 64 * MiB
LIMITS = Limits(
    max_compressed_bytes=MAX_INPUT,
    max_total_bytes=4 * MiB,
    max_members=200,
    max_member_bytes=2 * MiB,
    max_ratio=200,
    ratio_floor_bytes=256 * 1024,
    max_header_bytes=64 * 1024,
)


def _gzip_seed(path: Path) -> bytes | None:
    raw = path.read_bytes()
    data = raw if raw[:2] == b"\x1f\x8b" else gz(raw)
    return data if len(data) <= MAX_INPUT else None


@cache
def seeds() -> tuple[bytes, ...]:
    """Built packages first (the interesting, valid inputs), then the corpus."""
    key = fixed_key(1)
    built = [
        build(key),
        build(key, manifest(kind="skill", id="fuzz-skill"), {"skills/fuzz/SKILL.md": b"# skill\n"}),
        build(
            key, extra={"agent-harness/src/main.py": b"import socket\n" * 40, "icon.png": bytes(range(256))}
        ),
        build(key, extra={f"data/file-{i}.txt": (b"line %d\n" % i) * 50 for i in range(30)}),
        gz(b"".join(members().values())),  # not a tar at all
    ]
    corpus = [
        data
        for path in sorted(CORPUS.rglob("*"))
        if path.is_file() and path.suffix in (".tar", ".gz", ".tgz") and (data := _gzip_seed(path))
    ]
    return tuple(built + corpus)


def _inflate(data: bytes) -> bytes | None:
    """The tar inside a seed, when it is small enough to mutate and re-compress."""
    try:
        inner = zlib.decompressobj(wbits=31)
        tar = inner.decompress(data, 4 * MiB)
    except zlib.error:
        return None
    return tar if not inner.unconsumed_tail else None


def _fix_checksums(buffer: bytearray) -> None:
    """Recompute the checksum of every 512-byte block that looks like a ustar header."""
    for start in range(0, len(buffer) - 511, 512):
        block = buffer[start : start + 512]
        if block[257:262] != b"ustar":
            continue
        block[148:156] = b" " * 8
        buffer[start + 148 : start + 156] = b"%06o\0 " % (sum(block) & 0o777777)


@st.composite
def mutated(draw) -> bytes:
    seed_index = draw(st.integers(0, len(seeds()) - 1))
    data = seeds()[seed_index]
    layer = draw(st.sampled_from(["gzip", "tar", "tar"]))
    target = data
    if layer == "tar":
        tar = _inflate(data)
        if tar is None:
            layer = "gzip"
        else:
            target = tar
    buffer = bytearray(target)
    # Positions come from a hypothesis-controlled Random: uniform over the input,
    # where st.integers() would favour the first bytes (the gzip header).
    rnd = draw(st.randoms(use_true_random=False))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "overwrite", "splice", "block"]))
        size = len(buffer)
        position = rnd.randrange(size) if size else 0
        if op == "flip" and size:
            buffer[position] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            buffer[position:position] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete" and size:
            del buffer[position : position + draw(st.integers(1, 1024))]
        elif op == "truncate":
            del buffer[position:]
        elif op == "overwrite" and size:
            patch = draw(
                st.one_of(
                    st.binary(min_size=1, max_size=16),
                    st.sampled_from(
                        [b"\0" * 8, b"\xff" * 8, b"77777777777", b"../../", b"2", b"1", b"x", b"L"]
                    ),
                )
            )
            buffer[position : position + len(patch)] = patch
        elif op == "block" and size >= 1024:
            # Duplicate or drop a whole 512-byte tar block (headers repeat, data shifts).
            start = position - position % 512
            block = buffer[start : start + 512]
            if draw(st.booleans()):
                buffer[start:start] = block
            else:
                del buffer[start : start + 512]
        elif op == "splice":
            other = seeds()[draw(st.integers(0, len(seeds()) - 1))]
            if layer == "tar":
                other = _inflate(other) or other
            cut = rnd.randrange(len(other) + 1)
            buffer[position:] = other[cut : cut + MAX_INPUT]
    if layer == "tar" and draw(st.booleans()):
        # Repair the header checksums, so that the damage reaches the checks behind them.
        _fix_checksums(buffer)
        event("checksums repaired")
    result = bytes(buffer)
    if layer == "tar":
        result = gzip.compress(result, compresslevel=1, mtime=0)
    event(f"layer: {layer}")
    return result[:MAX_INPUT]


def _check(function, data: bytes) -> None:
    tracemalloc.start()
    try:
        try:
            function(data)
        except PackageInvalid as exc:
            event(f"{function.__name__}: {exc.problems[0].code}")
        except FormatError:
            event(f"{function.__name__}: FormatError")
        else:
            event(f"{function.__name__}: accepted")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BUDGET, f"peak memory {peak} bytes for a {len(data)}-byte input"


def read_container(data: bytes) -> None:
    read_archive(data, limits=LIMITS)


def inspect(data: bytes) -> None:
    inspect_package(data, limits=LIMITS)


FUZZ = settings(
    max_examples=int(os.environ.get("MKT_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def test_seeds_are_read_as_expected():
    """The built seeds pass; every seed stays within the input bound."""
    for data in seeds()[:4]:
        assert inspect_package(data, limits=LIMITS).manifest.version == "1.0.0"
    assert all(len(data) <= MAX_INPUT for data in seeds())
    assert len(seeds()) > 250


@FUZZ
@given(mutated())
def test_read_archive_raises_only_format_errors(data):
    _check(read_container, data)


@FUZZ
@given(mutated())
def test_inspect_package_raises_only_format_errors(data):
    _check(inspect, data)


@pytest.mark.parametrize("size", [0, 1, 2, 10, 18, 512])
def test_tiny_inputs(size):
    for data in (bytes(size), b"\x1f\x8b"[:size] + bytes(max(size - 2, 0))):
        with pytest.raises(PackageInvalid):
            inspect_package(data, limits=LIMITS)
