"""Coverage-guided fuzzing of the package reader with atheris (not run in CI).

    .venv/bin/pip install atheris          # not a project dependency
    .venv/bin/python scripts/fuzz_archive.py -atheris_runs=100000 [CORPUS_DIR ...]

The property is the one of ``tests/argent_pkg/test_fuzz.py``: for any input
of at most 1 MiB, ``inspect_package`` with small limits returns or raises
``FormatError``; anything else is a crash that atheris reports (with the input
saved as ``crash-*``). Half the inputs are gzip-compressed first, so that the tar
parser is reached as often as the gzip layer. Seed it with tests/data/archives.
"""

from __future__ import annotations

import contextlib
import sys
import zlib

import atheris

with atheris.instrument_imports():
    from argent_pkg import FormatError, Limits, inspect_package

MiB = 1024 * 1024
LIMITS = Limits(
    max_compressed_bytes=MiB,
    max_total_bytes=4 * MiB,
    max_members=200,
    max_member_bytes=2 * MiB,
    ratio_floor_bytes=256 * 1024,
    max_header_bytes=64 * 1024,
)


def test_one_input(data: bytes) -> None:
    if len(data) > MiB:
        return
    if data[:1] == b"T":  # let the fuzzer choose: raw bytes, or a tar to be compressed
        compressor = zlib.compressobj(1, wbits=31)
        data = compressor.compress(data[1:]) + compressor.flush()
    with contextlib.suppress(FormatError):
        inspect_package(data, limits=LIMITS)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
