"""The vocabulary of package names and the look-alike rule of typo-tolerant search, on every database.

**The rule** (the same on PostgreSQL and SQLite): a query word of
:data:`~catalog.search.MIN_FUZZY_LENGTH` letters or more that is not a word
of the vocabulary has as look-alikes the vocabulary words whose *trigram
similarity* with it is at least :data:`SIMILARITY_THRESHOLD`, the
:data:`~catalog.search.LOOK_ALIKES_PER_WORD` most similar (ties by the word),
and of those only the ones at least :data:`~catalog.search.LOOK_ALIKE_SHARE`
as similar as the best. Trigram similarity is ``pg_trgm``'s: each word is
lower-cased, padded with two spaces in front and one behind, and cut into its
three-character pieces; the similarity of two words is the number of pieces
they share divided by the number of distinct pieces of both (1 for the same
word, 0 for nothing in common). ``wether`` and ``weather`` share 5 of 10
pieces (0.5); ``tols`` and ``tools`` 4 of 7 (0.57).

**The vocabulary**: every word (three characters or more, letters and digits)
of every package's identifier, display name and tags.

* PostgreSQL keeps it in the table ``catalog_search_word`` (migration
  ``0007``, a trigger adds the words of every written package) and applies
  the rule with ``pg_trgm``'s ``similarity()`` and ``%`` operator through a
  trigram index (:func:`catalog.search.look_alikes`).
* Elsewhere (SQLite, ``make run``'s default) :class:`Vocabulary` holds the
  same words with an index from each trigram to the words that have it, built
  once per catalog version (:func:`catalog.cache.catalog_version`, which moves
  on whenever a package is written) and kept in the process; a look-up counts
  shared trigrams only over the words sharing at least one, so it costs
  microseconds per word, not a comparison with every package
  (``scripts/benchmark_typos.py`` measures it).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable

#: ``pg_trgm.similarity_threshold``'s default: the least trigram similarity of a look-alike.
SIMILARITY_THRESHOLD = 0.3
#: Words shorter than this are not in the vocabulary (as migration ``0007`` keeps them out).
MIN_WORD_LENGTH = 3

_ALNUM = re.compile(r"[^\W_]+")


def words_of(text: str) -> list[str]:
    """The vocabulary words of ``text``: its runs of letters and digits, lower-cased, of
    :data:`MIN_WORD_LENGTH` characters or more (``"weather-connector"`` -> ``["weather", "connector"]``)."""
    return [word for word in _ALNUM.findall(text.lower()) if len(word) >= MIN_WORD_LENGTH]


def trigrams(word: str) -> frozenset[str]:
    """The trigrams of ``word`` as ``pg_trgm`` cuts them: lower-cased, each run of letters and digits
    padded with two spaces in front and one behind (``"tols"`` -> ``"  t", " to", "tol", "ols", "ls "``)."""
    pieces: set[str] = set()
    for run in _ALNUM.findall(word.lower()):
        padded = f"  {run} "
        pieces.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(pieces)


def similarity(a: str, b: str) -> float:
    """``pg_trgm``'s ``similarity(a, b)``: shared trigrams over distinct trigrams of both, 0 to 1."""
    ta, tb = trigrams(a), trigrams(b)
    union = len(ta | tb)
    return len(ta & tb) / union if union else 0.0


class Vocabulary:
    """A set of words with a trigram index, answering "which words look like this one?".

    ``words`` is any iterable of vocabulary words (lower-case; duplicates are ignored).
    """

    def __init__(self, words: Iterable[str]):
        self.words: list[str] = sorted(set(words))
        self.known = frozenset(self.words)
        self._sizes: list[int] = []
        self._index: dict[str, list[int]] = {}
        for position, word in enumerate(self.words):
            pieces = trigrams(word)
            self._sizes.append(len(pieces))
            for piece in pieces:
                self._index.setdefault(piece, []).append(position)

    def __len__(self) -> int:
        return len(self.words)

    def similar(self, term: str, *, threshold: float = SIMILARITY_THRESHOLD) -> list[tuple[str, float]]:
        """The words other than ``term`` with a trigram similarity of at least ``threshold`` to it,
        most similar first, ties by the word: ``[(word, similarity), ...]``."""
        pieces = trigrams(term)
        shared: Counter[int] = Counter()
        for piece in pieces:
            shared.update(self._index.get(piece, ()))
        found = []
        for position, count in shared.items():
            score = count / (len(pieces) + self._sizes[position] - count)
            word = self.words[position]
            if score >= threshold and word != term:
                found.append((word, score))
        found.sort(key=lambda item: (-item[1], item[0]))
        return found

    def look_alikes(self, terms: list[str], *, per_word: int, share: float) -> dict[str, list[str]]:
        """For each term: ``[term]`` when it is a vocabulary word, else at most ``per_word`` look-alikes
        (most similar first), only those at least ``share`` as similar as the best; may be empty.

        The rule of this module's docstring; :func:`catalog.search.look_alikes` applies the same on PostgreSQL.
        """
        found: dict[str, list[str]] = {}
        for term in terms:
            if term in self.known:
                found[term] = [term]
                continue
            best = self.similar(term)[:per_word]
            found[term] = [word for word, score in best if score >= share * best[0][1]] if best else []
        return found


def vocabulary_of(rows: Iterable[tuple[str, str, object]]) -> Vocabulary:
    """The :class:`Vocabulary` of package rows ``(identifier, display name, tags)``; ``tags`` is a list
    of strings (anything else is ignored, as the tag facet ignores it)."""
    words: set[str] = set()
    for identifier, name, tags in rows:
        words.update(words_of(identifier or ""))
        words.update(words_of(name or ""))
        if isinstance(tags, list):
            for tag in tags:
                if isinstance(tag, str):
                    words.update(words_of(tag))
    return Vocabulary(words)


_built: dict[str, tuple[int, Vocabulary]] = {}
_lock = threading.Lock()


def package_vocabulary(db: str) -> Vocabulary:
    """The vocabulary of every package of database ``db`` (identifier, display name and tags), built once
    per catalog version and kept in this process (one query over three columns when built)."""
    from .cache import catalog_version
    from .models import Package

    version = catalog_version()
    kept = _built.get(db)
    if kept is not None and kept[0] == version:
        return kept[1]
    with _lock:
        kept = _built.get(db)
        if kept is not None and kept[0] == version:
            return kept[1]
        rows = Package.objects.using(db).values_list("identifier", "display_name", "tags")
        vocabulary = vocabulary_of(rows)
        _built[db] = (version, vocabulary)
        return vocabulary
