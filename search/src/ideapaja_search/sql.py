"""Search conditions over stored terms, the same on SQLite and PostgreSQL.

A searchable table stores ``analysis.analyse``'s lemmas and parts between spaces in two text
columns; on PostgreSQL a generated tsvector of them (lemmas weighted A, parts D, the 'simple'
configuration: no stemming of its own) carries a GIN index. Two tiers:
- **exact**: every query word is one of the text's lemmas;
- **anywhere**: every query word is a lemma or a compound part, or the start of one (a word
  typed halfway, "kirjas" → "kirjasto").
Words hold letters or digits only (``analysis.words``), so neither LIKE patterns nor tsquery
text need escaping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, not_, or_

from ideapaja_search.analysis import query_alternatives


@dataclass(frozen=True)
class SearchColumns:
    """Where a table keeps its terms: ``terms`` (lemmas), ``parts`` (compound parts) and, on
    PostgreSQL, the name of the generated tsvector column over both."""

    terms: Any
    parts: Any
    vector: str


def _tsquery(words: Sequence[str], *, suffix: str, join: str) -> Any:
    text = f" {join} ".join(
        "(" + " | ".join(f"{alt}{suffix}" for alt in query_alternatives(word)) + ")"
        for word in words
    )
    return func.to_tsquery(literal_column("'simple'::regconfig"), text)


def exact(dialect: str, columns: SearchColumns, words: Sequence[str]) -> ColumnElement[bool]:
    """Rows where every word is one of the lemmas."""
    if dialect == "postgresql":
        query = _tsquery(words, suffix=":A", join="&")
        return literal_column(columns.vector).op("@@")(query)
    return and_(
        *(
            or_(*(columns.terms.like(f"% {alt} %") for alt in query_alternatives(word)))
            for word in words
        )
    )


def anywhere(
    dialect: str, columns: SearchColumns, words: Sequence[str], *, every: bool = True
) -> ColumnElement[bool]:
    """Rows where every word (or, ``every=False``, some word) starts a lemma or a part."""
    if dialect == "postgresql":
        query = _tsquery(words, suffix=":*", join="&" if every else "|")
        return literal_column(columns.vector).op("@@")(query)
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
    dialect: str, columns: SearchColumns, words: Sequence[str]
) -> tuple[list[ColumnElement[bool]], ColumnElement[bool]]:
    """The search's tiers, best first and disjoint (exact; anywhere but not exact), and their
    union (for ``ranked.ranked_paginate``)."""
    exact_match = exact(dialect, columns, words)
    matched = anywhere(dialect, columns, words)
    return [exact_match, and_(matched, not_(exact_match))], matched


# The tsvector a PostgreSQL table generates from its two columns (for its migration).
def vector_expression(terms: str, parts: str) -> str:
    return (
        f"setweight(to_tsvector('simple'::regconfig, coalesce({terms}, '')), 'A') || "
        f"setweight(to_tsvector('simple'::regconfig, coalesce({parts}, '')), 'D')"
    )
