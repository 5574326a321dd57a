"""The one search over packages: text match and rank, filters, facets and sorts.

Every page (``catalog.views.public``) and every API dialect (``catalog.api.filters``)
goes through :class:`CatalogSearch`, so a query returns the same packages, in
the same order, with the same counts, wherever it is asked.

Text search (:func:`search_packages`):

* **PostgreSQL** – full-text search on the stored generated column
  ``catalog_package.search_vector`` (migration ``0006``: identifier and
  display name weighted ``A``, tagline and description ``B``, tags ``C``,
  README ``D``; GIN index; PostgreSQL keeps it current on every write). A
  plain query matches every word, the last also as a prefix (search as you
  type: ``weat`` finds ``weather``). Typos: each word of four letters or more
  that no package name or tag contains is replaced by its look-alikes among
  the words that do (``pg_trgm`` similarity over the small vocabulary table
  ``catalog_search_word``, migration ``0007``, kept by a trigger), and the
  words run together get theirs (``sales-foce`` → ``salesfoce`` →
  ``salesforce``); the result is still one full-text match through the GIN
  index, never a trigram comparison with every package. A query using
  web-search syntax (quotes, ``-word``, ``or``) gets exactly that, no extras.
  ``relevance = ts_rank(with look-alikes) + ts_rank(as typed) + 2 for an
  exact identifier or name``, so the words as typed count twice.
* **SQLite** – every word of the query must appear (case-insensitively) in
  the identifier, name, tagline, description, tags or README; ``relevance``
  is the count of matching fields weighted like ``ts_rank``'s defaults
  (1.0 / 0.4 / 0.2 / 0.1), plus 2 for an exact identifier or name. Typos as
  on PostgreSQL, with the same look-alike rule (:mod:`catalog.vocabulary`:
  ``pg_trgm``'s trigram similarity, threshold 0.3, over the same vocabulary,
  held in the process and built once per catalog version): a word may also be
  any of its look-alikes (``csv-tols`` matches as ``csv-tools``), the words run
  together may be a longer known word; fields with a look-alike count once,
  those with the word as typed twice.
* **Did you mean** (both): :meth:`CatalogSearch.suggestion` is the query with each
  unknown word replaced by its closest look-alike, offered when it finds something;
  the search page shows it when a query finds fewer than three packages.
* **Any word** (both): when no package has every word of a query of several
  words, the packages with any of them are returned instead, those with more
  of the words first (:attr:`CatalogSearch.any_word` says so, and the search
  page tells the customer). One ``EXISTS`` query decides.

Caps (:func:`search_text`): only the first 200 characters of a query, and of those the first 10
words, are searched, on every page and in every dialect, so that a query pasted or generated at
any length costs the same and gets the same answer everywhere.

Compatibility (``platform_version``): the few distinct specifiers of the
candidates' latest releases are read in one query and evaluated with
``packaging``; the filter is then ``latest_release__compatibility IN (…)``
in SQL, so counts, facets and pagination are exact and the cost does not grow
with the number of packages (only with the number of distinct specifiers).

Popularity is the denormalised ``Package.installs_30d`` (installs over the
last 30 days, recomputed for a package when an install is recorded and for all of
them by the daily statistics task: ``catalog.stats.installs_30d_refresh``), so sorting needs no
per-row count of ``Install`` rows; "updated" sorts by the denormalised
``Package.last_release_at``. Both have indexes (migration ``0008``).

Bounds (docs/api.md, "Search results"): a search shows at most its best :data:`MAX_RESULTS`
results and counts exactly up to there ("1,000+" beyond: :attr:`CatalogSearch.total`); facets count
among its first :data:`MAX_RESULTS` + 1 matches (lower bounds beyond). On PostgreSQL a text query
sorted by relevance with more matches ranks only :func:`rank_candidates` (index-served legs of the
most installed and name-matching packages); the other matches follow, most installed
first (:meth:`CatalogSearch.page`). So no search reads every match: ``pys`` (82,000 of 100,000
packages) ranked and counted them all, 200 ms.

Reading a page (:meth:`CatalogSearch.page`, :func:`fetch_page`): ids first with the total in the same
query (a ``COUNT(*)`` subquery) unless it is known, then the packages of that page; facets come from
one grouped query (:meth:`CatalogSearch.facets`), which gives the total too when it counted every match.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Expression,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .constants import Pricing, VerificationLevel
from .vocabulary import package_vocabulary

#: ``sort`` / ``sortBy`` values, in every dialect.
SORTS = ("relevance", "popularity", "rating", "newest", "updated", "name")

#: What the sort control shows for each value.
SORT_LABELS = {
    "relevance": "Best match",
    "popularity": "Most installed (30 days)",
    "rating": "Highest rated",
    "newest": "Newest",
    "updated": "Recently updated",
    "name": "Name (A–Z)",
}

#: How many tags the tag facet lists.
TOP_TAGS = 20

#: Field weights of the SQLite fallback, as ``ts_rank``'s defaults for A, B, C, D.
FALLBACK_WEIGHTS = {
    "identifier": 1.0,
    "display_name": 1.0,
    "tagline": 0.4,
    "description": 0.4,
    "tags": 0.2,
    "readme": 0.1,
}

_WORD = re.compile(r"\w+")
_WEBSEARCH_SYNTAX = re.compile(r'"|(^|\s)-|\bor\b', re.IGNORECASE)


#: The code of a "Works with" value that is not a version (docs/error-codes.md, ``search.*``).
VERSION_INVALID = "search.version_invalid"


class PlatformVersionInvalid(ValueError):
    """A "Works with" value (``platformVersion``) that is not a version; ``str()`` says the rule.

    Attributes:
        code: :data:`VERSION_INVALID`.
    """

    code = VERSION_INVALID


def platform_version_parse(value: str) -> Version:
    """The ArgentOS version a "Works with" filter names.

    The rule is a PEP 440 version (``packaging.version.Version``), the versions
    the manifest's ``compatibility`` specifiers compare (docs/package-format.md,
    "Manifest"): numbers separated by dots, such as ``2026.5.0``.

    Args:
        value: the text typed or sent (``platformVersion``), surrounding spaces ignored.

    Raises:
        PlatformVersionInvalid: ``value`` is not such a version; the message names the value and the rule.
    """
    try:
        return Version(value.strip())
    except InvalidVersion:
        raise PlatformVersionInvalid(
            f"“{value.strip()[:40]}” is not an ArgentOS version: write numbers separated by dots, "
            "such as 2026.5.0."
        ) from None


@dataclass(frozen=True)
class CatalogQuery:
    """What a client asks for, whatever the dialect or page.

    ``kind`` is a kind slug, ``category`` a browsing-category slug,
    ``kind_or_category`` either (a kind in plural or singular, or a category slug), ``pricing``
    our pricing values (any of them), ``verification`` publisher verification
    levels (any of them), ``tags`` tags the package must all carry,
    ``platform_version`` an ArgentOS version the latest release's
    ``compatibility`` must admit.
    """

    q: str = ""
    kind: str | None = None
    kind_or_category: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    pricing: tuple[str, ...] | None = None
    verification: tuple[str, ...] | None = None
    platform_version: str | None = None
    sort: str = "relevance"
    descending: bool = True


# --- text search ---------------------------------------------------------------------------


class SearchVectorColumn(Expression):
    """The generated ``search_vector`` column of the query's base table (PostgreSQL only).

    The column is not a model field (migration ``0006`` adds it on PostgreSQL
    only), so it is read through this expression, which follows the table's
    alias when the query becomes a subquery.
    """

    column = "search_vector"

    def __init__(self):
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(output_field=SearchVectorField())

    def as_sql(self, compiler, connection):
        alias = next(iter(compiler.query.alias_map))
        return f"{compiler.quote_name_unless_alias(alias)}.{self.column}", []


class NameVectorColumn(SearchVectorColumn):
    """The generated ``name_vector`` column (migration ``0014``; PostgreSQL only): the ``tsvector``
    of the identifier and display name, with its own GIN index (``package_name_vector_gin``)."""

    column = "name_vector"


class _CheckedVector(SearchVectorColumn):
    """``search_vector`` as an expression the full-text index does not serve, for a match checked
    row by row on a few rows already found by another index (:func:`rank_candidates`)."""

    def as_sql(self, compiler, connection):
        sql, params = super().as_sql(compiler, connection)
        return f"COALESCE({sql}, ''::tsvector)", params


class AmongIds(Expression):
    """``<table>.id = ANY(%s)`` (or its negation): a condition on the query's base table with the
    ids as one array parameter (PostgreSQL). ``pk__in`` of a list makes a parameter per id, and compiling a thousand
    of them cost more than the query."""

    conditional = True

    def __init__(self, ids: list[int], *, negated: bool = False):
        super().__init__(output_field=BooleanField())
        self.ids = ids
        self.negated = negated

    def as_sql(self, compiler, connection):
        alias = next(iter(compiler.query.alias_map))
        sql = f"{compiler.quote_name_unless_alias(alias)}.id = ANY(%s)"
        return (f"NOT ({sql})" if self.negated else sql), [self.ids]


#: Shorter words get no look-alikes (typo tolerance): one or two letters resemble every name.
MIN_FUZZY_LENGTH = 4
#: A last word this long or longer also matches as a prefix (search as you type: ``weat``).
MIN_PREFIX_LENGTH = 3
#: What each word of the query a package has adds to its relevance when any word is matched: more
#: than any rank one word earns, so packages with more of the words come first, then by rank.
WORD_MATCH_BONUS = 100.0


def _is_postgresql(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


@dataclass(frozen=True)
class TextMatch:
    """What a text query matched: the packages, their relevance, and how the words were combined.

    ``any_word`` is True when no package matched every word of a query of
    several words, so the packages matching any of them were taken instead
    (ranked by how many they match and where).
    """

    queryset: QuerySet
    relevance: Expression
    any_word: bool = False
    #: :func:`look_alikes` of the query's terms (:func:`_fuzzy_terms`), when the match looked them up.
    known: dict[str, list[str]] | None = None
    #: PostgreSQL: the ``tsquery`` matched, for :func:`rank_candidates` (None elsewhere).
    tsquery: Expression | None = None
    #: Whether ``tsquery`` may exclude words (web-search syntax: ``-word``), so that a name with the
    #: words may still not match.
    negates: bool = False
    #: :func:`count_results` of ``queryset``, when the any-word fallback counted it.
    count: int | None = None
    #: PostgreSQL, when the last word also matches as a prefix: the same match with that word whole,
    #: a subset of ``queryset`` that the full-text index reads cheaply (:func:`count_results`).
    #: For a prefix the index reads every entry of every word it starts: with a word in 38 % of
    #: the packages, 9 ms at 100,000 listings (0.5 ms for the word whole) and 85 ms at 1,000,000.
    whole_words: QuerySet | None = None


#: Builds the match of a query's words: every word (``any_word=False``) or any of them.
MatchBuilder = Callable[..., TextMatch]


def _match(queryset: QuerySet, q: str) -> TextMatch:
    """``queryset`` narrowed to the packages matching every word of ``q`` (any word, when none match all).

    The fallback to any word costs one query (:func:`count_results`, kept as
    :attr:`TextMatch.count`) for plain queries of several words; the backends only say how to
    build either match.
    """
    matcher = _postgresql_matcher if _is_postgresql(queryset) else _fallback_matcher
    build, may_widen = matcher(queryset, q)
    matched = build(any_word=False)
    if may_widen:
        count = count_results(matched.queryset, matched.whole_words)
        return replace(matched, count=count) if count else build(any_word=True)
    return matched


def _postgresql_matcher(queryset: QuerySet, q: str) -> tuple[MatchBuilder, bool]:
    """PostgreSQL: how to match ``q``, and whether the any-word fallback applies (several plain words)."""
    from django.contrib.postgres.search import SearchQuery, SearchRank

    words = [word.lower() for word in _WORD.findall(q)]
    if not words:
        return (lambda any_word: TextMatch(queryset.none(), Value(0.0, output_field=FloatField()))), False
    vector = queryset.alias(_search_vector=SearchVectorColumn())
    if _WEBSEARCH_SYNTAX.search(q):
        # Quotes, ``-word`` or ``or``: the customer spelt out what to match; no fuzzy extras.
        tsquery = SearchQuery(q, search_type="websearch", config="simple")
        relevance = SearchRank(SearchVectorColumn(), tsquery) + _exact_bonus(q)
        return (
            lambda any_word: TextMatch(
                vector.filter(_search_vector=tsquery), relevance, tsquery=tsquery, negates=True
            )
        ), False
    known = _look_alikes_of(queryset.db, words)
    return functools.partial(_words_match, vector, q, words, known), len(words) > 1


def _fallback_matcher(queryset: QuerySet, q: str) -> tuple[MatchBuilder, bool]:
    """SQLite: how to match ``q`` (:func:`_match_fallback`), and whether the any-word fallback applies."""
    words = [word.lower() for word in _WORD.findall(q)]
    known = look_alikes(queryset.db, _fuzzy_terms(words)) if words else {}

    def build(any_word: bool) -> TextMatch:
        return TextMatch(
            *_match_fallback(queryset, q, known, any_word=any_word), any_word=any_word, known=known
        )

    return build, len(q.split()) > 1


def _words_match(
    vector: QuerySet, q: str, words: list[str], known: dict[str, list[str]], *, any_word: bool
) -> TextMatch:
    """Every word of ``words`` (or any, with ``any_word``), the last also as a prefix, with look-alikes.

    As you type, ``weat`` should find ``weather``. (Every word holds every
    match of ``websearch_to_tsquery`` of a query without its syntax.) With
    ``any_word``, each word a package has (or a look-alike of it) adds
    :data:`WORD_MATCH_BONUS` to its relevance, so packages with more of the words come first.
    """
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorExact

    join = " | " if any_word else " & "
    typed, wanted = _words_tsqueries(words, known, join, prefix=True)
    whole_words = None
    if len(words[-1]) >= MIN_PREFIX_LENGTH:
        whole_words = vector.filter(_search_vector=_words_tsqueries(words, known, join, prefix=False)[1])
    if wanted is typed:
        # Nothing added: rank once (each rank reads every match's vector again) and count it twice.
        relevance = SearchRank(SearchVectorColumn(), typed) * Value(2.0) + _exact_bonus(q)
    else:
        # Words as typed count twice (in both ranks); look-alikes once.
        relevance = (
            SearchRank(SearchVectorColumn(), wanted)
            + SearchRank(SearchVectorColumn(), typed)
            + _exact_bonus(q)
        )
    if any_word:
        for alternative in _word_alternatives(words, known)[0]:
            has_word = SearchVectorExact(
                SearchVectorColumn(), SearchQuery(alternative, search_type="raw", config="simple")
            )
            relevance = relevance + Case(
                When(has_word, then=Value(WORD_MATCH_BONUS)), default=Value(0.0), output_field=FloatField()
            )
    return TextMatch(
        vector.filter(_search_vector=wanted),
        relevance,
        any_word,
        known,
        tsquery=wanted,
        whole_words=whole_words,
    )


def _words_tsqueries(
    words: list[str], known: dict[str, list[str]], join: str, *, prefix: bool
) -> tuple[Expression, Expression]:
    """(the words as typed, those or their look-alikes) as tsqueries; the second is the first when
    there are no look-alikes. ``prefix``: the last word of :data:`MIN_PREFIX_LENGTH` letters or
    more also matches as a prefix (``weat`` finds ``weather``)."""
    from django.contrib.postgres.search import SearchQuery

    last = _lexeme(words[-1]) + (":*" if prefix and len(words[-1]) >= MIN_PREFIX_LENGTH else "")
    typed = SearchQuery(join.join([*map(_lexeme, words[:-1]), last]), search_type="raw", config="simple")
    fuzzy = _fuzzy_tsquery(words, known, join, prefix=prefix)
    if fuzzy is None:
        return typed, typed
    return typed, typed | SearchQuery(fuzzy, search_type="raw", config="simple")


def _lexeme(word: str) -> str:
    """``word`` quoted for ``to_tsquery`` (raw syntax)."""
    return "'" + word.replace("'", "''") + "'"


#: Known words (``catalog_search_word``) within trigram similarity of each term, or the term itself
#: when it is a known word. ``%`` is pg_trgm's similarity operator (threshold
#: ``pg_trgm.similarity_threshold``, 0.3 by default), served by the table's trigram GIN index.
_LOOK_ALIKES_SQL = """
SELECT t.term, w.word, w.score
FROM unnest(%s::text[]) AS t(term)
CROSS JOIN LATERAL (
    (SELECT e.word, 2.0::real AS score FROM catalog_search_word e WHERE e.word = t.term)
    UNION ALL
    (SELECT s.word, similarity(s.word, t.term) AS score
     FROM catalog_search_word s
     WHERE s.word %% t.term AND s.word <> t.term
       AND NOT EXISTS (SELECT 1 FROM catalog_search_word k WHERE k.word = t.term)
     ORDER BY score DESC, s.word
     LIMIT %s)
) AS w
"""

#: How many look-alike words stand in for one unknown word, at most.
LOOK_ALIKES_PER_WORD = 3
#: Look-alikes less similar than this share of the best one are left out (``githb``: ``github``
#: 0.44, ``gitlab`` 0.30 -> only ``github``).
LOOK_ALIKE_SHARE = 0.8


def look_alikes(db: str, terms: list[str]) -> dict[str, list[str]]:
    """For each term: ``[term]`` when some package name or tag has that word, else up to
    :data:`LOOK_ALIKES_PER_WORD` known words that look like it (most similar first; may be empty).

    The rule of :mod:`catalog.vocabulary`, on every database: on PostgreSQL one query on the
    vocabulary table (migration ``0007``) with ``pg_trgm``; elsewhere
    :func:`~catalog.vocabulary.package_vocabulary`, built once per catalog version.
    """
    found: dict[str, list[str]] = {term: [] for term in terms}
    if not terms:
        return found
    if connections[db].vendor != "postgresql":
        return package_vocabulary(db).look_alikes(
            terms, per_word=LOOK_ALIKES_PER_WORD, share=LOOK_ALIKE_SHARE
        )
    with connections[db].cursor() as cursor:
        cursor.execute(_LOOK_ALIKES_SQL, [terms, LOOK_ALIKES_PER_WORD])
        rows = cursor.fetchall()
    best = {}
    for term, _word, score in rows:
        best[term] = max(best.get(term, 0.0), score)
    for term, word, score in rows:
        if score >= LOOK_ALIKE_SHARE * best[term]:
            found[term].append(word)
    return found


def _fuzzy_terms(words: list[str]) -> list[str]:
    """What to look up for ``words``: each word of :data:`MIN_FUZZY_LENGTH` letters or more, and all run together."""
    compact = "".join(words)
    terms = [w for w in dict.fromkeys(words) if len(w) >= MIN_FUZZY_LENGTH]
    if len(words) > 1 and len(compact) >= MIN_FUZZY_LENGTH:
        terms.append(compact)
    return terms


def _look_alikes_of(db: str, words: list[str]) -> dict[str, list[str]]:
    """:func:`look_alikes` of :func:`_fuzzy_terms` (no query when there is nothing to look up)."""
    terms = _fuzzy_terms(words)
    return look_alikes(db, terms) if terms else {}


def _word_alternatives(
    words: list[str], known: dict[str, list[str]], *, prefix: bool = True
) -> tuple[list[str], bool]:
    """Per word, a raw tsquery of the word (the last also as a prefix, unless not ``prefix``) or its
    look-alikes; and whether any has one.

    ``known`` is :func:`_look_alikes_of` the words.
    """
    alternatives = []
    corrected = False
    for index, word in enumerate(words):
        last = prefix and index == len(words) - 1 and len(word) >= MIN_PREFIX_LENGTH
        options = [_lexeme(word) + (":*" if last else "")]
        if word in known and known[word] != [word]:
            options += [_lexeme(alike) for alike in known[word]]
            corrected = corrected or bool(known[word])
        alternatives.append("(" + " | ".join(options) + ")")
    return alternatives, corrected


def _fuzzy_tsquery(
    words: list[str], known: dict[str, list[str]], join: str = " & ", *, prefix: bool = True
) -> str | None:
    """A raw tsquery matching ``words`` with unknown words replaced by known look-alikes, or None.

    ``known`` is :func:`_look_alikes_of` the words; ``join`` is ``" & "``
    (every word) or ``" | "`` (any word). Words of at least
    :data:`MIN_FUZZY_LENGTH` letters that no package name or tag contains get
    their look-alikes (``githb`` → ``github``). The words run together get
    theirs too (``sales-foce`` → ``salesfoce`` → ``salesforce``). None when
    nothing is to be added to the typed query.
    """
    alternatives, corrected = _word_alternatives(words, known, prefix=prefix)
    query = [join.join(alternatives)] if corrected else []
    if len(words) > 1:
        # Only words longer than any typed one: ``luftpu bend`` must not widen to every ``luftpu``.
        longest = max(map(len, words))
        query += [_lexeme(alike) for alike in known.get("".join(words), []) if len(alike) > longest + 1]
    return " | ".join(query) or None


def _exact_bonus(q: str) -> Expression:
    """2 for a package whose identifier or name is exactly ``q`` (case aside), else 0."""
    return Case(
        When(Q(identifier__iexact=q) | Q(display_name__iexact=q), then=Value(2.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )


def _match_fallback(
    queryset: QuerySet, q: str, known: dict[str, list[str]], *, any_word: bool
) -> tuple[QuerySet, Expression]:
    """SQLite: the packages with every word of ``q`` (or any) in some field, and the weighted count of such fields.

    Typos as on PostgreSQL (:mod:`catalog.vocabulary`): a word of
    :data:`MIN_FUZZY_LENGTH` letters or more that is in no package name or tag may
    instead be any of its look-alikes (``csv-tols`` also matches as ``csv-tools``),
    and the words run together may be a longer known word (``sales-foce`` -> ``salesforce``);
    a field with the word as typed counts twice, with a look-alike once. ``known`` is
    :func:`look_alikes` of the query's terms (:func:`_fuzzy_terms`).
    With ``any_word``, each word a package has adds :data:`WORD_MATCH_BONUS`, so packages with more of the
    words come first. The terms are added as a balanced tree (:func:`_sum`): one ``+`` nested in the
    next per word and field overflowed SQLite's parser stack at twelve words.
    """
    words = [word.lower() for word in _WORD.findall(q)]
    terms = [_exact_bonus(q)]
    wanted = Q()
    for token in q.split():
        options = _token_alternatives(token, known)
        has_token = Q()
        for option in options:
            has_token |= _any_field_contains(option)
        if any_word:
            wanted |= has_token
            terms.append(
                Case(
                    When(has_token, then=Value(WORD_MATCH_BONUS)),
                    default=Value(0.0),
                    output_field=FloatField(),
                )
            )
        else:
            wanted &= has_token
        for field, weight in FALLBACK_WEIGHTS.items():
            terms.append(_weight_if(Q(**{f"{field}__icontains": token}), weight))
            if len(options) > 1:
                in_field = Q()
                for option in options:
                    in_field |= Q(**{f"{field}__icontains": option})
                terms.append(_weight_if(in_field, weight))
    if len(words) > 1:
        # As on PostgreSQL, only words longer than any typed one: ``luftpu bend`` must not widen to every ``luftpu``.
        longest = max(map(len, words))
        for alike in known.get("".join(words), []):
            if len(alike) > longest + 1:
                wanted |= _any_field_contains(alike)
                terms += [_weight_if(Q(**{f"{f}__icontains": alike}), w) for f, w in FALLBACK_WEIGHTS.items()]
    return queryset.filter(wanted), _sum(terms)


def _weight_if(condition: Q, weight: float) -> Expression:
    return Case(When(condition, then=Value(weight)), default=Value(0.0), output_field=FloatField())


def _token_alternatives(token: str, known: dict[str, list[str]]) -> list[str]:
    """``token`` (a white-space separated part of a query) and each spelling with one of its words
    replaced by a look-alike (``known`` is :func:`look_alikes` of the query's terms): ``csv-tols`` ->
    ``["csv-tols", "csv-tools"]``."""
    options = [token]
    for word in dict.fromkeys(w.lower() for w in _WORD.findall(token)):
        for alike in known.get(word, []):
            if alike != word:
                replaced = re.sub(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", alike, token.lower())
                options.append(replaced)
    return list(dict.fromkeys(options))


def _sum(terms: list[Expression]) -> Expression:
    """``terms`` added pairwise as a balanced tree: nesting grows with log2 of their number, not with it."""
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return terms[0]


def _any_field_contains(word: str) -> Q:
    match = Q()
    for field in FALLBACK_WEIGHTS:
        match |= Q(**{f"{field}__icontains": word})
    return match


def search_packages(queryset: QuerySet, q: str) -> QuerySet:
    """The packages of ``queryset`` matching ``q``, annotated with ``relevance`` (higher is better).

    A blank ``q`` keeps every package, with a relevance of 0.
    """
    match = _match_or_all(queryset, q)
    return match.queryset.annotate(relevance=match.relevance)


#: A query is searched for its first this many characters and then its first this many words, in every
#: dialect and page (longer queries are cut, not refused, so every dialect gives the same answer).
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 10


def search_text(q: str | None) -> str:
    """The part of ``q`` that is searched: its first :data:`MAX_QUERY_LENGTH` characters, of those the
    first :data:`MAX_QUERY_WORDS` words (split on white space), joined by single spaces."""
    return " ".join((q or "")[:MAX_QUERY_LENGTH].split()[:MAX_QUERY_WORDS])


def _match_or_all(queryset: QuerySet, q: str) -> TextMatch:
    """:func:`_match` for a query with words; every package, with a relevance of 0, for a blank one.

    Only :func:`search_text` of ``q`` is searched.
    """
    q = search_text(q)
    if not q:
        return TextMatch(queryset, Value(0.0, output_field=FloatField()))
    return _match(queryset, q)


# --- filters, facets, sorts --------------------------------------------------------------------


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    #: The kind's plural (its page's address), for kind values.
    plural: str = ""
    #: True when ``count`` was counted among the first :data:`MAX_RESULTS` matches only (a lower
    #: bound: shown as "123+").
    at_least: bool = False


class CatalogSearch:
    """One search over ``queryset`` (packages) for ``query``: its results and its facets."""

    #: Facet groups whose counts ignore their own selection (pick one among many).
    OWN_SELECTION_IGNORED = ("kind", "category", "pricing", "verification")

    def __init__(self, queryset: QuerySet, query: CatalogQuery):
        self.base = queryset
        self.query = query
        self._specifiers: list[str] | None = None
        self._facets: dict[str, list[FacetValue]] | None = None
        self._match_result: TextMatch | None = None

    def _matched(self) -> TextMatch:
        """The packages matching the text query and their relevance, worked out once per search."""
        if self._match_result is None:
            self._match_result = _match_or_all(self.base, self.query.q)
        return self._match_result

    @property
    def any_word(self) -> bool:
        """True when no package matched every word of the query, so any word was matched instead."""
        return self._matched().any_word

    def suggestion(self) -> str | None:
        """The query for "Did you mean …?": each unknown word replaced by its closest look-alike; or None.

        The look-alikes are :func:`look_alikes`' (the rule of :mod:`catalog.vocabulary`, the same on
        every database); a query whose words are all known, or too short to correct, or written in
        web-search syntax gets None, and so does a correction that would find nothing (``EXISTS``
        queries). The words run together come first when they are a longer known word
        (``sales foce`` -> ``salesforce``). Only :func:`search_text` of the query is read.
        """
        q = search_text(self.query.q)
        words = [word.lower() for word in _WORD.findall(q)]
        if not words or _WEBSEARCH_SYNTAX.search(q):
            return None
        known = self._matched().known
        if known is None:
            known = look_alikes(self.base.db, _fuzzy_terms(words))
        longest = max(map(len, words))
        joined = [alike for alike in known.get("".join(words), []) if len(alike) > longest + 1]
        corrections = {word: known[word][0] for word in words if known.get(word) and known[word][0] != word}
        if len(words) > 1 and joined:
            corrected = joined[0]
        elif corrections:
            corrected = _WORD.sub(lambda m: corrections.get(m.group().lower(), m.group()), q)
        else:
            return None
        # Offered only when the correction finds packages with all its words (not the any-word fallback).
        check = CatalogSearch(self.base, replace(self.query, q=corrected))
        return corrected if has_rows(check.filtered()) and not check.any_word else None

    def results(self) -> QuerySet:
        """The matching packages, annotated with ``relevance`` and ordered as asked.

        Every match ranked: read pages with :meth:`page`, which bounds the ranking.
        """
        match = self._matched()
        return order_packages(self._filter(match.queryset).annotate(relevance=match.relevance), self.query)

    def page(self, start: int, stop: int, *, annotate: Callable[[QuerySet], QuerySet] | None = None) -> list:
        """Results ``start`` to ``stop`` (indexes, ``stop`` excluded), at most up to :data:`MAX_RESULTS`.

        Ids first, then those packages whole (:func:`fetch_page`), with ``annotate`` applied to
        the rows' queryset (a dialect's extra columns). On PostgreSQL, a text query sorted by
        relevance with more than :data:`MAX_RESULTS` matches has two tiers: first
        :func:`rank_candidates` ranked (matches among the most installed packages, those whose
        identifier or name has the words, those named exactly so), then the other matches, most installed first
        (an index walk). Ranking every match read every match's vector (``pys``, 82,000
        matches: 200 ms). With fewer matches, or another sort, every match is in order.
        """
        annotate = annotate or (lambda qs: qs)
        match = self._matched()
        if match.tsquery is None or self.query.sort != "relevance" or self.total <= MAX_RESULTS:
            counted = "total" not in self.__dict__
            rows, total = fetch_page(annotate(self.results()), start, stop, count=counted)
            if counted and total is not None:
                self.counted(total)
            return rows
        stop = min(stop, MAX_RESULTS)
        if start >= stop:
            return []
        matches = self._filter(match.queryset)
        if self._candidates is None:
            found = rank_candidates(self._filter(self.base), match, search_text(self.query.q))
            self._candidates = list(dict.fromkeys(found))
        candidates = self._candidates
        ids: list[int] = []
        if start < len(candidates):
            # Candidates are matches already: named by id only (asking the text match again made
            # PostgreSQL intersect with the full-text index, which reads every match of a broad word).
            ranked = self._filter(self.base).filter(AmongIds(candidates)).annotate(relevance=match.relevance)
            ids = list(order_packages(ranked, self.query).values_list("pk", flat=True)[start:stop])
        if stop > len(candidates):
            rest = matches.filter(AmongIds(candidates, negated=True)).order_by(*_BY_POPULARITY)
            first = max(0, start - len(candidates))
            ids += list(rest.values_list("pk", flat=True)[first : stop - len(candidates)])
        rows = (
            annotate(self._filter(self.base).annotate(relevance=match.relevance))
            .order_by()
            .filter(pk__in=ids)
        )
        by_id = {row.pk: row for row in rows}
        return [by_id[pk] for pk in ids if pk in by_id]

    _candidates: list[int] | None = None

    @functools.cached_property
    def total(self) -> int:
        """How many packages match, counted up to :data:`MAX_RESULTS` + 1 (one query at most).

        More than :data:`MAX_RESULTS` means "more than a search shows": pages end at
        :data:`MAX_RESULTS` (:meth:`page`).
        """
        match = self._matched()
        if match.count is not None and not self._filters():
            return match.count
        return count_results(self.filtered(), self._whole_words())

    def counted(self, total: int) -> None:
        """Take ``total`` as :attr:`total` (no query): another query counted the same results, up to
        :data:`MAX_RESULTS` + 1 (:func:`fetch_page`, or facets that were not capped)."""
        self.__dict__["total"] = min(total, MAX_RESULTS + 1)

    @property
    def shown(self) -> int:
        """How many results the search shows: :attr:`total`, at most :data:`MAX_RESULTS`."""
        return min(self.total, MAX_RESULTS)

    @property
    def more(self) -> bool:
        """Whether more packages match than the search shows (its total then reads "1,000+")."""
        return self.total > MAX_RESULTS

    def filtered(self, *, ignore: str | tuple[str, ...] | None = None) -> QuerySet:
        """The matching packages, without ``relevance`` or order; ``ignore`` drops one filter."""
        return self._filter(self._matched().queryset, ignore=ignore).order_by()

    def _whole_words(self) -> QuerySet | None:
        """:meth:`filtered` with the last word whole (:attr:`TextMatch.whole_words`), or None."""
        whole = self._matched().whole_words
        return None if whole is None else self._filter(whole).order_by()

    def _filter(self, qs: QuerySet, *, ignore: str | tuple[str, ...] | None = None) -> QuerySet:
        for apply in self._filters(ignore=ignore):
            qs = apply(qs)
        return qs

    def _filters(
        self, *, ignore: str | tuple[str, ...] | None = None
    ) -> list[Callable[[QuerySet], QuerySet]]:
        """The query's filters other than the text, each a function of a queryset; ``ignore`` drops some.

        The one list of them: :meth:`filtered` applies them, and :attr:`total` may take the text
        match's own count only when there are none.
        """
        query = self.query
        ignore = (ignore,) if isinstance(ignore, str) else (ignore or ())
        filters: list[Callable[[QuerySet], QuerySet]] = []
        if query.kind and "kind" not in ignore:
            filters.append(lambda qs: qs.filter(kind__slug=query.kind))
        if query.category and "category" not in ignore:
            filters.append(lambda qs: qs.filter(category__slug=query.category))
        if query.kind_or_category:
            value = query.kind_or_category
            filters.append(
                lambda qs: qs.filter(Q(kind__plural=value) | Q(kind__slug=value) | Q(category__slug=value))
            )
        for tag in query.tags:
            # The JSON text of the list holds '"tag"' exactly when the list holds the tag
            # (JSONField's icontains works on SQLite and PostgreSQL alike).
            filters.append(lambda qs, tag=tag: qs.filter(tags__icontains=_json_string(tag)))
        if query.pricing is not None and "pricing" not in ignore:
            filters.append(lambda qs: qs.filter(pricing__in=query.pricing))
        if query.verification is not None and "verification" not in ignore:
            filters.append(lambda qs: qs.filter(publisher__verification__in=query.verification))
        if query.platform_version:
            filters.append(
                lambda qs: qs.filter(latest_release__compatibility__in=self.compatible_specifiers())
            )
        return filters

    def compatible_specifiers(self) -> list[str]:
        """The distinct ``compatibility`` values among the candidates that admit ``platform_version``.

        One query, whatever the number of packages; an empty specifier admits
        every version, an invalid one none.
        """
        if self._specifiers is None:
            self._specifiers = []
            try:
                version = platform_version_parse(self.query.platform_version or "")
            except PlatformVersionInvalid:
                return self._specifiers
            specs = self.base.order_by().values_list("latest_release__compatibility", flat=True).distinct()
            for spec in specs:
                try:
                    if not spec or SpecifierSet(spec).contains(version, prereleases=True):
                        self._specifiers.append(spec or "")
                except InvalidSpecifier:
                    continue
        return self._specifiers

    def facets(self) -> dict[str, list[FacetValue]]:
        """Counts per kind, category, pricing and publisher verification, and the top tags (two queries).

        Each group counts the packages matching the query and every other
        selected filter; kind, category, pricing and verification leave their
        own selection out, so their other values stay reachable. The four
        groups come from one query grouped by all four values over the
        packages matching the query and the other filters; each group then
        sums the rows that meet the other three selections (a few hundred
        rows at most: kinds x categories x pricing x levels that occur).
        The rows are those of the first :data:`MAX_RESULTS` + 1 matches (:func:`first_results`):
        when there are more, every count is a lower bound and says so (``at_least``).
        """
        if self._facets is not None:
            return self._facets
        grid = self._facet_grid()
        at_least = sum(row["n"] for row in grid) > MAX_RESULTS
        query = self.query
        selections = {
            "kind": {query.kind} if query.kind else None,
            "category": {query.category} if query.category else None,
            "pricing": set(query.pricing) if query.pricing is not None else None,
            "verification": set(query.verification) if query.verification is not None else None,
        }

        def meets(row: dict, *, ignore: str | None = None) -> bool:
            return all(
                chosen is None or row[group] in chosen
                for group, chosen in selections.items()
                if group != ignore
            )

        if not at_least:
            # Every match was counted: the total is the rows that meet every selection.
            self.counted(sum(row["n"] for row in grid if meets(row)))
        counts: dict[str, Counter] = {group: Counter() for group in selections}
        for row in grid:
            for group in selections:
                if meets(row, ignore=group):
                    counts[group][row[group]] += row["n"]
        if at_least:
            # Lower bounds, shown as "N+", never above what a search shows.
            for group in counts.values():
                for value in group:
                    group[value] = min(group[value], MAX_RESULTS)
        kinds = {row["kind"]: row for row in grid}
        categories = {row["category"]: row for row in grid}
        pricing_labels = dict(Pricing.choices)
        verification_labels = dict(VerificationLevel.choices)
        self._facets = {
            "kind": [
                FacetValue(slug, kinds[slug]["kind_name"], n, kinds[slug]["kind_plural"], at_least)
                for slug, n in sorted(
                    counts["kind"].items(), key=lambda item: (kinds[item[0]]["kind_position"], item[0])
                )
                if n
            ],
            "category": [
                FacetValue(slug, categories[slug]["category_name"], n, at_least=at_least)
                for slug, n in sorted(
                    counts["category"].items(),
                    key=lambda item: (categories[item[0]]["category_position"], item[0]),
                )
                if n
            ],
            "pricing": [
                FacetValue(value, pricing_labels[value], counts["pricing"][value], at_least=at_least)
                for value in pricing_labels
                if counts["pricing"][value]
            ],
            "verification": [
                FacetValue(value, verification_labels.get(value, value), n, at_least=at_least)
                for value, n in sorted(
                    counts["verification"].items(), key=lambda item: _verification_order(item[0])
                )
                if n
            ],
            "tags": [
                FacetValue(tag, tag, min(n, MAX_RESULTS), at_least=at_least)
                for tag, n in top_tags(first_results(self.filtered()))
            ],
        }
        return self._facets

    def _facet_grid(self) -> list[dict]:
        """Counts of the packages matching the query and the filters outside the four facet groups,
        grouped by kind, category, pricing and publisher verification (one query), among the first
        :data:`MAX_RESULTS` + 1 of them."""
        qs = first_results(self.filtered(ignore=self.OWN_SELECTION_IGNORED))
        fields = {
            "kind": "kind__slug",
            "kind_name": "kind__name",
            "kind_plural": "kind__plural",
            "kind_position": "kind__position",
            "category": "category__slug",
            "category_name": "category__name",
            "category_position": "category__position",
            "verification": "publisher__verification",
            "pricing": "pricing",
        }
        rows = qs.order_by().values_list(*fields.values()).annotate(n=Count("pk"))
        return [dict(zip([*fields, "n"], row, strict=True)) for row in rows]


def _verification_order(level: str) -> int:
    levels = list(VerificationLevel.values)
    return -levels.index(level) if level in levels else 0


def _json_string(value: str) -> str:
    return json.dumps(value)


def top_tags(queryset: QuerySet, limit: int = TOP_TAGS) -> list[tuple[str, int]]:
    """The ``limit`` most frequent tags of ``queryset`` with their counts (one query).

    PostgreSQL counts in SQL (``jsonb_array_elements_text``); elsewhere the tag
    lists of the matching packages are counted in Python, fine for a
    catalogue of a few thousand packages.
    """
    values = queryset.order_by().values("tags")
    if _is_postgresql(queryset):
        try:
            sql, params = _sql(values)
        except EmptyResultSet:
            # ``queryset.none()`` (a query without word characters matches nothing) compiles to no SQL.
            return []
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(
                "SELECT t.tag, COUNT(*) AS n FROM (" + sql + ") AS s "  # noqa: S608 (compiled by the ORM)
                "CROSS JOIN LATERAL jsonb_array_elements_text("
                "CASE WHEN jsonb_typeof(s.tags) = 'array' THEN s.tags ELSE '[]'::jsonb END) AS t(tag) "
                "GROUP BY t.tag ORDER BY n DESC, t.tag LIMIT %s",
                [*params, limit],
            )
            return [(tag, n) for tag, n in cursor.fetchall()]
    counter: Counter[str] = Counter()
    for tags in values.values_list("tags", flat=True):
        if isinstance(tags, list):
            counter.update({tag for tag in tags if isinstance(tag, str)})
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]


def order_packages(qs: QuerySet, query: CatalogQuery) -> QuerySet:
    """``qs`` (annotated with ``relevance``) in the order ``query.sort`` names; ties by identifier."""
    sign = "-" if query.descending else ""
    if query.sort == "popularity":
        keys = [f"{sign}installs_30d", f"{sign}total_downloads"]
    elif query.sort == "rating":
        keys = [f"{sign}rating_average", f"{sign}rating_count"]
    elif query.sort == "newest":
        # Listed and reachable packages have been published: no NULLs to place.
        keys = [f"{sign}published_at"]
    elif query.sort == "updated":
        keys = [f"{sign}last_release_at"]
    elif query.sort == "name":
        # Letter case aside ("apple" before "Banana") on SQLite and PostgreSQL alike, whatever the
        # database's collation; the index package_name_lower holds the same expression.
        name = Lower("display_name")
        keys = [name.desc() if query.descending else name.asc()]
    else:
        keys = ["-relevance", "-featured", "-installs_30d", "-total_downloads"]
    return qs.order_by(*keys, "identifier")


def catalog_search(queryset: QuerySet, query: CatalogQuery) -> QuerySet:
    """Filter and order ``queryset`` (packages) as ``query`` asks; annotated with ``relevance``."""
    return CatalogSearch(queryset, query).results()


# --- bounds -----------------------------------------------------------------------------------------

#: A search gives at most its best this many results, whatever the sort, the dialect or the page (as
#: the big registries do): its pages end here and its total counts exactly up to here ("1,000+"
#: beyond). So counting, ranking and facets read a bounded number of rows however many packages match
#: (docs/api.md, "Search results").
MAX_RESULTS = 1000
#: PostgreSQL ranks (``ts_rank``, which reads each match's vector) at most this many of the most
#: installed matches, and as many of those whose identifier or name has the words or is the query
#: (:func:`rank_candidates`), when a query has more than :data:`MAX_RESULTS` matches; the other
#: matches follow them, most installed first (:meth:`CatalogSearch.page`).
RANK_CANDIDATES = 100
#: The popular leg of :func:`rank_candidates` looks for matches among this many of the most installed
#: packages only: finding the most installed matches of a word in 1.2 % of 1,000,000 packages read
#: 12,000 rows (27 ms); a window reads at most this many (the window itself from the index
#: ``package_popular_names``, migration ``0014``).
POPULAR_WINDOW = 1000
_BY_POPULARITY = ("-installs_30d", "-total_downloads", "identifier")


def rank_candidates(filtered: QuerySet, match: TextMatch, q: str) -> list[int]:
    """The ids of the matches worth ranking for a text query (PostgreSQL; one ``UNION ALL`` query).

    Three legs of at most :data:`RANK_CANDIDATES` ids each, every one served by an index, so the
    cost does not grow with the number of matches: the matches among the :data:`POPULAR_WINDOW`
    most installed packages, the packages whose identifier or display name has the words of the
    query (column ``name_vector``, migration ``0014``: its GIN index, or a walk of the index
    ``package_popular_names``), most installed first, and those whose identifier or name is
    exactly ``q``. Ranking reads the full vector of every row it ranks: a broad word (``pys``:
    82 % of 100,000 packages) had every match ranked. A featured leg was dropped: with 0.5 % of a
    million packages featured it read 5,000 rows, and featured only breaks ties of relevance.
    The caller uses the candidates only for a query with more than :data:`MAX_RESULTS` matches;
    the other matches follow them, most installed first.

    Every id is a match. The popular leg checks the match row by row on its window
    (:class:`_CheckedVector`): through the full-text index PostgreSQL read every match of the
    query's words first, and for a last word taken as a prefix every entry of every word it starts
    (``greenhouse queaftkeen``, the second word in 38 % of 1,000,000 packages: 85 ms; the window
    costs the same whatever the words). The name and exact legs start from ``filtered`` (no text
    match): a name with every word of the query has them in the full vector too, unless the query
    excludes a word (:attr:`TextMatch.negates`); for such a query they check the match row by row
    as well.

    Args:
        filtered: the query's filters, without the text match.
        match: the text match (:attr:`TextMatch.tsquery` and :attr:`TextMatch.negates` are read).
        q: the query as searched (:func:`search_text`), for the exact-name leg.

    Returns:
        Ids, possibly repeated, at most 3 x :data:`RANK_CANDIDATES`.
    """
    checked = filtered.alias(_checked_vector=_CheckedVector()).filter(_checked_vector=match.tsquery)
    window = filtered.order_by(*_BY_POPULARITY).values("pk")[:POPULAR_WINDOW]
    popular = (
        checked.filter(pk__in=window).order_by(*_BY_POPULARITY).values_list("pk", flat=True)[:RANK_CANDIDATES]
    )
    named = (
        (checked if match.negates else filtered)
        .alias(_name_vector=NameVectorColumn())
        .filter(_name_vector=match.tsquery)
        .order_by(*_BY_POPULARITY)
        .values_list("pk", flat=True)[:RANK_CANDIDATES]
    )
    exact = (
        (checked if match.negates else filtered)
        .alias(_name_lower=Lower("display_name"))
        .filter(Q(identifier=q.lower()) | Q(_name_lower=q.lower()))
        .order_by()
        .values_list("pk", flat=True)[:RANK_CANDIDATES]
    )
    legs = [named, exact]
    return list(popular.union(*legs, all=True))


def count_results(qs: QuerySet, whole: QuerySet | None = None) -> int:
    """How many rows ``qs`` has, counted up to :data:`MAX_RESULTS` + 1 (one query reading that many at most).

    A result above :data:`MAX_RESULTS` means "more than :data:`MAX_RESULTS`". ``whole`` is a subset
    of ``qs`` that is cheaper to read (:attr:`TextMatch.whole_words`): when it alone has more than
    :data:`MAX_RESULTS` rows, so has ``qs``, which is then not read. Still one query: PostgreSQL
    runs an uncorrelated subquery (an ``InitPlan``) only when the ``CASE`` reaches it.
    """
    counted = qs.order_by().values("pk")[: MAX_RESULTS + 1]
    if whole is None:
        return counted.count()
    first = whole.order_by().values("pk")[: MAX_RESULTS + 1]
    try:
        (sql_whole, params_whole), (sql_all, params_all) = _sql(first), _sql(counted)
    except EmptyResultSet:  # a filter that nothing meets (``pricing__in=()``): no query at all
        return 0
    with connections[qs.db].cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN (SELECT COUNT(*) FROM ({sql_whole}) AS whole) > %s THEN %s"  # noqa: S608 (compiled by the ORM)
            f" ELSE (SELECT COUNT(*) FROM ({sql_all}) AS counted) END",
            [*params_whole, MAX_RESULTS, MAX_RESULTS + 1, *params_all],
        )
        return cursor.fetchone()[0]


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    """The SQL and parameters of ``qs`` on its database; raises ``EmptyResultSet`` when it can have no row."""
    return qs.query.get_compiler(using=qs.db).as_sql()


def has_rows(qs: QuerySet) -> bool:
    """Whether ``qs`` has a row: :func:`count_results` above 0, not ``EXISTS``.

    For ``LIMIT 1`` PostgreSQL expects the first match early and scans the table in order;
    when two frequent words never meet (``oscy 753``) that read all 100,000 rows (95 ms), where
    the index intersects them in a few milliseconds.
    """
    return count_results(qs) > 0


def first_results(qs: QuerySet) -> QuerySet:
    """The packages among the first :data:`MAX_RESULTS` + 1 rows of ``qs`` (in no order): what facets count."""
    return qs.model._default_manager.filter(pk__in=qs.order_by().values("pk")[: MAX_RESULTS + 1])


# --- reading a page -------------------------------------------------------------------------------


class _CountOf(Subquery):
    """``(SELECT COUNT(*) FROM (<queryset>) AS counted)``: the number of rows of a queryset, as an expression.

    Uncorrelated, so PostgreSQL runs it once per query (an ``InitPlan``).
    """

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"  # the subquery carries its LIMIT
    output_field = IntegerField()


def fetch_page(qs: QuerySet, start: int, stop: int, *, count: bool = True) -> tuple[list, int | None]:
    """Rows ``start`` to ``stop`` (indexes, ``stop`` excluded) of the ordered ``qs``, and its total.

    Two queries, ids first: the first reads one page of ids of the narrow
    ``(id, sort keys)`` rows (PostgreSQL keeps only the best ``stop`` rows
    while it ranks, or walks a sort's index) with the total beside them, from
    a ``COUNT(*)`` subquery run once; the second reads those few packages
    whole, with the joins and annotations of ``qs``. Sorting whole rows
    (README, manifest…) spilled to disk at 10,000 matches, and a
    ``COUNT(*) OVER ()`` window kept every match's search vector until the
    ranks were computed above it (``pys``, 82,000 matches: 404 ms; with the
    subquery 262 ms). ``count=False`` when the caller knows the total (the
    pages have it from :attr:`CatalogSearch.total`) leaves the count out.

    Pages end at :data:`MAX_RESULTS`, and the total is counted up to :data:`MAX_RESULTS` + 1
    (:func:`count_results`'s rule).

    Returns:
        ``(rows, total)``; ``total`` is None when the page is empty (past the end, or no match) or
        ``count`` is False.
    """
    stop = min(stop, MAX_RESULTS)
    if start >= stop:
        return [], None
    if count:
        counted = qs.order_by().values("pk")[: MAX_RESULTS + 1]
        head = list(qs.annotate(_total=_CountOf(counted)).values_list("pk", "_total")[start:stop])
        total = head[0][1] if head else None
        ids = [pk for pk, _total in head]
    else:
        ids, total = list(qs.values_list("pk", flat=True)[start:stop]), None
    if not ids:
        return [], None
    rows = {row.pk: row for row in qs.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows], total


class PagedResults:
    """A search's results as a paginator reads them: slices by :meth:`CatalogSearch.page`.

    ``count()`` is :attr:`CatalogSearch.shown`.
    """

    ordered = True

    def __init__(self, search: CatalogSearch):
        self.search = search
        self.model = search.base.model

    def __getitem__(self, item: slice) -> list:
        if not isinstance(item, slice):
            raise TypeError("PagedResults reads slices only")
        return self.search.page(item.start or 0, item.stop)

    def count(self) -> int:
        return self.search.shown

    def __len__(self) -> int:
        return self.count()
