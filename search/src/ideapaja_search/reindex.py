"""Re-indexing stored rows from their text, for a service's migration: what the service itself
stores (``analysis.stored_terms``) for rows written before it stored terms, or with an older
analysis; and the PostgreSQL vector and GIN index over the two columns."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ideapaja_search.analysis import stored_terms
from ideapaja_search.sql import fts_table, vector_expression

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


def fts_statements(table: str) -> list[str]:
    """SQLite: an FTS5 index over the table's two term columns (``{table}_fts``, external
    content: it stores the index only, the terms stay in the table), kept current by triggers
    on every write path, and built from the rows already there.

    The index refers to rows by their rowid, which SQLite keeps through VACUUM; a migration that
    rebuilds ``table`` (Alembic batch mode) must run ``fts_statements`` again after it."""
    # Table names come from the services' migrations, never from input (S608 is off here).
    fts = fts_table(table)
    new = "new.rowid, new.search_terms, new.search_parts"
    old = "'delete', old.rowid, old.search_terms, old.search_parts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_terms, search_parts, content='{table}', "
        "tokenize='unicode61 remove_diacritics 0', prefix='3')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_terms, search_parts) VALUES ({new}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_terms, search_parts) VALUES ({old}); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_terms, search_parts ON {table} "
        f"BEGIN INSERT INTO {fts}({fts}, rowid, search_terms, search_parts) VALUES ({old}); "
        f"INSERT INTO {fts}(rowid, search_terms, search_parts) VALUES ({new}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def drop_fts_statements(table: str) -> list[str]:
    """SQLite: ``fts_statements`` undone."""
    fts = fts_table(table)
    return [
        *(f"DROP TRIGGER IF EXISTS {fts}_{event}" for event in ("insert", "delete", "update")),
        f"DROP TABLE IF EXISTS {fts}",
    ]


def fts_tables(table: str) -> set[str]:
    """SQLite: the tables ``fts_statements`` makes (the FTS5 table and its shadow tables), which
    a service's models leave out."""
    fts = fts_table(table)
    return {fts, *(f"{fts}_{shadow}" for shadow in ("data", "idx", "docsize", "config"))}
