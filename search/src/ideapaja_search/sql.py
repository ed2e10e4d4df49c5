"""Search conditions over stored terms, the same on SQLite and PostgreSQL.

A searchable table stores ``analysis.analyse``'s lemmas and parts between spaces in two text
columns; on PostgreSQL a generated tsvector of them (lemmas weighted A, parts D, the 'simple'
configuration: no stemming of its own) carries a GIN index, on SQLite an FTS5 index over the two
(``reindex.fts_statements``: without it every search reads the whole table). Two tiers:
- **exact**: every query word is one of the text's lemmas;
- **anywhere**: every query word is a lemma or a compound part, or the start of one (a word
  typed halfway, "kirjas" → "kirjasto").
Words hold letters or digits only (``analysis.words``), so neither LIKE patterns nor tsquery
text need escaping (FTS5 strings are quoted all the same).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    TableClause,
    TextClause,
    and_,
    bindparam,
    column,
    func,
    literal_column,
    not_,
    or_,
    select,
    table,
    text,
)

from ideapaja_search.analysis import query_alternatives


def fts_table(table: str) -> str:
    """The FTS5 index of ``table``'s terms (``reindex.fts_statements`` makes it)."""
    return f"{table}_fts"


def unindexed(name: str, type_: Any = None) -> ColumnElement[Any]:
    """SQLite's ``+name``: the same value, which its planner reads through no index (SQLite's
    documented way to rule one out), so that rows are read in another index's order and tested.
    """
    return literal_column(f"+{name}", type_=type_)


@dataclass(frozen=True)
class SearchColumns:
    """Where a table keeps its terms: ``terms`` (lemmas), ``parts`` (compound parts), on
    PostgreSQL the name of the generated tsvector column over both, and on SQLite the table's
    name when an FTS5 index over both (``reindex.fts_statements``) carries its searches."""

    terms: Any
    parts: Any
    vector: str
    fts_of: str | None = None

    def fts_index(self, expression: str) -> tuple[TableClause, TextClause]:
        """SQLite: the FTS5 table (its ``rowid`` column) and the condition that its rows match
        ``expression``."""
        assert self.fts_of is not None
        index = table(fts_table(self.fts_of), column("rowid"))
        # The table's name comes from the service's code, the expression is bound.
        found = text(f"{index.name} MATCH :q").bindparams(
            bindparam("q", expression, unique=True)  # a statement may hold several
        )
        return index, found

    def fts_match(self, expression: str, *, walk: bool = False) -> ColumnElement[bool]:
        """SQLite: rows whose terms match the FTS5 ``expression``. ``walk``: as a filter on
        rows read in another order (the list's index), not as the set the rows are read from."""
        index, found = self.fts_index(expression)
        rowid = f"{self.fts_of}.rowid"
        own = unindexed(rowid) if walk else literal_column(rowid)
        return own.in_(select(index.c.rowid).where(found))


def counted(
    dialect: str, columns: SearchColumns, statement: Select[Any], words: Sequence[str]
) -> list[Select[Any]]:
    """What to count, in turn, for a count that stops at a limit (``ranked_paginate``'s
    ``counted``): the last is every row of ``statement`` in which every word starts a lemma or a
    part (``anywhere``); an earlier one, a part of them that may pass the limit sooner.

    - PostgreSQL: the exact matches first. Its statistics know how common a lemma is (a scan
      that stops after 1,001 rows: 2 ms), not a prefix (``kirjasto:*`` is guessed at 2 %, so
      every match is collected through the GIN index first: 20 ms at 100,000 ideas).
    - SQLite with FTS5: the rows read from the index first (a join), so that the count stops
      reading the index too; ``rowid IN (…)`` collects every match first (17 ms against 0.6 ms
      for the first 1,001 of 60,000 matches at 100,000 ideas)."""
    if dialect == "postgresql":
        return [
            statement.where(exact(dialect, columns, words)),
            statement.where(anywhere(dialect, columns, words)),
        ]
    if columns.fts_of is None:
        return [statement.where(anywhere(dialect, columns, words))]
    index, found = columns.fts_index(_fts(words, prefix=True, join="AND"))
    joined = statement.join(index, index.c.rowid == literal_column(f"{columns.fts_of}.rowid"))
    return [joined.where(found)]


def _fts(words: Sequence[str], *, prefix: bool, join: str) -> str:
    star = "*" if prefix else ""
    return f" {join} ".join(
        "(" + " OR ".join(f'"{alt}"{star}' for alt in query_alternatives(word)) + ")"
        for word in words
    )


def _tsquery(words: Sequence[str], *, suffix: str, join: str) -> Any:
    """The query as a literal in the statement, not a bound parameter: a prepared statement
    (asyncpg's) is planned once for any parameter after five runs, without knowing how common
    the words are, and then collects every match of a common one through the GIN index (125 ms
    for "kirjasto iltaisin" at 1,000,000 ideas, against 14 ms planned for its words)."""
    query = f" {join} ".join(
        "(" + " | ".join(f"{alt}{suffix}" for alt in query_alternatives(word)) + ")"
        for word in words
    )
    if not _TSQUERY_TEXT.fullmatch(query):  # words are letters and digits (analysis.words)
        raise ValueError(f"not a search query: {query!r}")
    return func.to_tsquery(literal_column("'simple'::regconfig"), literal_column(f"'{query}'"))


# What ``_tsquery`` writes: words, weights and prefixes, operators and parentheses; no quote.
_TSQUERY_TEXT = re.compile(r"[\w :*&|()]+")


def exact(
    dialect: str, columns: SearchColumns, words: Sequence[str], *, walk: bool = False
) -> ColumnElement[bool]:
    """Rows where every word is one of the lemmas."""
    if dialect == "postgresql":
        query = _tsquery(words, suffix=":A", join="&")
        return literal_column(columns.vector).op("@@")(query)
    if columns.fts_of is not None:
        return columns.fts_match(
            "search_terms : (" + _fts(words, prefix=False, join="AND") + ")", walk=walk
        )
    return and_(
        *(
            or_(*(columns.terms.like(f"% {alt} %") for alt in query_alternatives(word)))
            for word in words
        )
    )


def anywhere(
    dialect: str,
    columns: SearchColumns,
    words: Sequence[str],
    *,
    every: bool = True,
    walk: bool = False,
) -> ColumnElement[bool]:
    """Rows where every word (or, ``every=False``, some word) starts a lemma or a part."""
    if dialect == "postgresql":
        query = _tsquery(words, suffix=":*", join="&" if every else "|")
        return literal_column(columns.vector).op("@@")(query)
    if columns.fts_of is not None:
        expression = _fts(words, prefix=True, join="AND" if every else "OR")
        return columns.fts_match(expression, walk=walk)
    matches = [
        or_(
            *(
                column.like(f"% {alt}%")
                for alt in query_alternatives(word)
                for column in (columns.terms, columns.parts)
            )
        )
        for word in words
    ]
    return and_(*matches) if every else or_(*matches)


def tiers(
    dialect: str, columns: SearchColumns, words: Sequence[str], *, walk: bool = False
) -> tuple[list[ColumnElement[bool]], ColumnElement[bool]]:
    """The search's tiers, best first and disjoint (exact; anywhere but not exact), and their
    union (for ``ranked.ranked_paginate``). ``walk``: see ``SearchColumns.fts_match``."""
    exact_match = exact(dialect, columns, words, walk=walk)
    matched = anywhere(dialect, columns, words, walk=walk)
    return [exact_match, and_(matched, not_(exact_match))], matched


# The tsvector a PostgreSQL table generates from its two columns (for its migration).
def vector_expression(terms: str, parts: str) -> str:
    return (
        f"setweight(to_tsvector('simple'::regconfig, coalesce({terms}, '')), 'A') || "
        f"setweight(to_tsvector('simple'::regconfig, coalesce({parts}, '')), 'D')"
    )
