"""How fast is typo tolerance on SQLite? The vocabulary's build and look-ups at 100 and 10,000 packages.

    .venv/bin/python scripts/benchmark_typos.py [--packages 100 10000] [--queries 500]

Not a test: the figures depend on the machine. For each catalogue size it makes synthetic package
rows ``(identifier, display name, tags)`` from a deterministic vocabulary of brand, technical and
made-up words (as ``scripts/benchmark_search.py`` does), then times:

1. **build**: :func:`catalog.vocabulary.vocabulary_of` over the rows, what
   :func:`catalog.vocabulary.package_vocabulary` does once per catalog version after its one query;
2. **look-up**: :meth:`catalog.vocabulary.Vocabulary.look_alikes` with the limits
   :func:`catalog.search.look_alikes` uses, for ``--queries`` queries of one to three words with a
   typo each (a letter dropped, doubled or swapped), the terms :func:`catalog.search._fuzzy_terms`
   makes of them (each word and the words run together): what a search and its "Did you mean …?"
   cost on SQLite besides the SQL.

Prints the figures and PASS/MISS against the targets (build under
:data:`BUILD_TARGET_MS` at the largest size; look-up p99 under :data:`LOOKUP_TARGET_MS` per query
at every size). Exit status 0 when every target is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.search import LOOK_ALIKE_SHARE, LOOK_ALIKES_PER_WORD, _fuzzy_terms  # noqa: E402
from catalog.vocabulary import vocabulary_of  # noqa: E402

#: The build of the vocabulary of the largest catalogue, milliseconds (once per catalog version).
BUILD_TARGET_MS = 1000.0
#: The look-ups of one query, 99th percentile, milliseconds.
LOOKUP_TARGET_MS = 5.0

BRANDS = (
    "salesforce",
    "hubspot",
    "jira",
    "github",
    "gitlab",
    "slack",
    "notion",
    "stripe",
    "zendesk",
    "trello",
)
TECH = (
    "weather",
    "connector",
    "csv",
    "tools",
    "sync",
    "export",
    "import",
    "calendar",
    "mail",
    "search",
    "theme",
    "dark",
    "notes",
    "forecast",
    "data",
    "report",
    "chart",
    "invoice",
    "backup",
    "monitor",
)
ONSETS = ("b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "cr", "st")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ou")
CODAS = ("", "n", "r", "s", "l", "t", "x", "nd", "st", "ng")


def made_up_words(rng: random.Random, count: int) -> list[str]:
    words = set()
    while len(words) < count:
        syllables = rng.randint(2, 3)
        words.add(
            "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables))
        )
    return sorted(words)


def package_rows(rng: random.Random, count: int) -> list[tuple[str, str, list[str]]]:
    """``count`` rows shaped like ``Package.objects.values_list("identifier", "display_name", "tags")``."""
    pool = list(BRANDS + TECH) + made_up_words(rng, max(200, count // 5))
    rows = []
    for number in range(count):
        words = rng.sample(pool, rng.randint(2, 3))
        identifier = "-".join(words) + f"-{number}"
        rows.append((identifier, " ".join(w.title() for w in words), rng.sample(pool, rng.randint(1, 4))))
    return rows


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(len(word))
    change = rng.choice(("drop", "double", "swap"))
    if change == "drop" and len(word) > 4:
        return word[:i] + word[i + 1 :]
    if change == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i] + word[i:]


def queries(rng: random.Random, rows: list, count: int) -> list[list[str]]:
    found = []
    for _ in range(count):
        words = rng.choice(rows)[1].lower().split()[: rng.randint(1, 3)]
        words[rng.randrange(len(words))] = typo(rng, words[rng.randrange(len(words))])
        found.append(words)
    return found


def measure(size: int, query_count: int, seed: int) -> tuple[float, float, float, int]:
    """Build time (ms), look-up p50 and p99 per query (ms), and the vocabulary's size, for ``size`` packages."""
    rng = random.Random(seed)  # noqa: S311 - deterministic benchmark data, not secrets
    rows = package_rows(rng, size)
    started = time.perf_counter()
    vocabulary = vocabulary_of(rows)
    build_ms = (time.perf_counter() - started) * 1000
    times = []
    for words in queries(rng, rows, query_count):
        terms = _fuzzy_terms(words)
        started = time.perf_counter()
        vocabulary.look_alikes(terms, per_word=LOOK_ALIKES_PER_WORD, share=LOOK_ALIKE_SHARE)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return build_ms, statistics.median(times), p99, len(vocabulary)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    ok = True
    largest = max(args.packages)
    print(f"{'packages':>9} {'words':>7} {'build ms':>9} {'look-up p50 ms':>15} {'p99 ms':>8}")
    results = []
    for size in args.packages:
        build_ms, p50, p99, words = measure(size, args.queries, args.seed)
        results.append((size, build_ms, p99))
        print(f"{size:>9} {words:>7} {build_ms:>9.1f} {p50:>15.3f} {p99:>8.3f}")
    for size, build_ms, p99 in results:
        if size == largest:
            met = build_ms < BUILD_TARGET_MS
            ok &= met
            print(
                f"{'PASS' if met else 'MISS'}  build at {size} packages {build_ms:.1f} ms < {BUILD_TARGET_MS:.0f} ms"
            )
        met = p99 < LOOKUP_TARGET_MS
        ok &= met
        print(
            f"{'PASS' if met else 'MISS'}  look-up p99 at {size} packages {p99:.3f} ms < {LOOKUP_TARGET_MS:.0f} ms"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
