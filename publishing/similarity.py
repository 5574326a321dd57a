"""Identifiers too close to existing ones: typosquatting checks for new packages.

A new identifier is flagged for review, never
auto-published, when after folding it is within edit distance 1 of an
existing identifier of another publisher, equal under Unicode confusables,
or equal after a known prefix swap (``aos-x`` vs ``x``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

#: Prefixes that impersonate the platform or a well-known namespace.
KNOWN_PREFIXES = ("aos-", "argent-", "argentos-", "argent-os-", "official-", "the-")

#: Characters that look like ASCII letters or digits (Unicode TR 39 confusables,
#: the common Latin look-alikes from Cyrillic and Greek, and digit/letter pairs).
CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i", "ј": "j",
        "ѕ": "s", "к": "k", "м": "m", "т": "t", "в": "b", "н": "h", "ԁ": "d", "ɡ": "g", "ӏ": "l",
        "α": "a", "ο": "o", "ρ": "p", "ν": "v", "τ": "t", "ι": "i", "κ": "k", "χ": "x", "υ": "u",
        "0": "o", "1": "l", "3": "e", "5": "s", "|": "l", "_": "", "-": "", ".": "", " ": "",
    }
)  # fmt: skip


def skeleton(text: str) -> str:
    """Fold ``text`` for comparison: NFKC, case-folded, confusables mapped, ``-``/``_`` removed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return folded.translate(CONFUSABLES).replace("rn", "m").replace("vv", "w")


def _strip_prefix(identifier: str) -> str:
    for prefix in KNOWN_PREFIXES:
        if identifier.startswith(prefix):
            return identifier[len(prefix) :]
    return identifier


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion or substitution."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] != b[j]:
            edits += 1
            if edits > 1:
                return False
            if len(a) == len(b):
                i += 1
            j += 1
        else:
            i += 1
            j += 1
    return edits + (len(b) - j) <= 1


def is_similar(candidate: str, existing: str) -> bool:
    """True when identifier (or display name) ``candidate`` could be mistaken for ``existing``."""
    if candidate == existing:
        return False
    a, b = skeleton(candidate), skeleton(existing)
    if a == b or within_one_edit(a, b):
        return True
    return skeleton(_strip_prefix(candidate)) == skeleton(_strip_prefix(existing))


def similar_identifiers(candidate: str, existing: Iterable[str]) -> list[str]:
    """The identifiers among ``existing`` that ``candidate`` resembles, sorted."""
    return sorted({name for name in existing if is_similar(candidate, name)})
