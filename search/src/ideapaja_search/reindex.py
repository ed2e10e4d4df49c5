"""Re-indexing stored rows from their text, for a service's migration: what the service itself
stores (``analysis.stored_terms``) for rows written before it stored terms, or with an older
analysis; and the PostgreSQL vector and GIN index over the two columns."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ideapaja_search.analysis import stored_terms
from ideapaja_search.sql import vector_expression

BATCH = 500
TEXT_COLUMNS = ("title", "problem", "solution", "benefit")


def searchable(table: str, key: str) -> sa.TableClause:
    """The columns a re-index reads and writes, of a table keyed by ``key``."""
    columns = (key, *TEXT_COLUMNS, "language", "search_terms", "search_parts")
    return sa.table(table, *(sa.column(name, sa.Text) for name in columns))


def reindex(bind: Any, table: str, key: str) -> None:
    """Every row's terms from its current text, in batches (keyset by ``key``)."""
    rows_of = searchable(table, key)
    id_column = rows_of.c[key]
    last = ""
    while True:
        rows = bind.execute(
            sa.select(id_column, *(rows_of.c[name] for name in (*TEXT_COLUMNS, "language")))
            .where(id_column > last)
            .order_by(id_column)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            texts = (getattr(row, name) or "" for name in TEXT_COLUMNS)
            terms, parts = stored_terms(*texts, language=row.language)
            bind.execute(
                rows_of.update()
                .where(id_column == getattr(row, key))
                .values(search_terms=terms, search_parts=parts)
            )
        last = getattr(rows[-1], key)


def vector_statements(table: str) -> list[str]:
    """PostgreSQL: the generated ``search_vector`` column over the terms and its GIN index."""
    return [
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
        f"({vector_expression('search_terms', 'search_parts')}) STORED",
        f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)",
    ]


def drop_vector_statements(table: str) -> list[str]:
    """PostgreSQL: ``vector_statements`` undone."""
    return [
        f"DROP INDEX IF EXISTS ix_{table}_search_vector",
        f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector",
    ]
