"""SQLite for async SQLAlchemy with at most one trip to aiosqlite's thread per statement, and
none inside a transaction.

SQLAlchemy's aiosqlite adapter sends every statement to aiosqlite's thread four times: make a
cursor, execute, fetch the rows, close the cursor. Each trip is a queue hand-off, a future and an
event-loop wake-up. Measured here (2 cores): a one-row SELECT costs about 390 µs of CPU through
it against 57 µs on plain sqlite3, and a consumer's handler runs 10–15 statements per event, so
the trips were the largest share of an event's cost. This dialect does the same work in one
trip: cursor, execute, fetch and close together in the thread, the results (rows, description,
rowcount, lastrowid) kept on the adapter cursor.

Inside a transaction it makes no trip at all: the statement runs on the event loop's thread.
Every transaction here begins with BEGIN IMMEDIATE (``db.py``), so once it has begun this
connection holds the database's write lock, and in WAL mode no later statement of the
transaction waits for another connection (readers never block a writer; SQLite's busy handler
is not called). What can wait stays in the thread: BEGIN IMMEDIATE (for another process's
writer, up to the busy timeout), COMMIT (its fsync), statements outside a transaction. A trip
cost about 110 µs of CPU more than the statement itself (a session.get that misses: 300 µs
through the thread, 190 µs inline; bench/README.md has the stack's figures). The connection is
opened with ``check_same_thread=False`` for this; one cursor at a time uses it (the adapter's
execute mutex, and a transaction belongs to one task).

Everything else (connections, transactions, errors, server-side cursors) is SQLAlchemy's
aiosqlite dialect unchanged. Used for ``sqlite+aiosqlite`` URLs by ``Database`` (registered as
``sqlite.ideapaja_aiosqlite``).
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import EMPTY_DICT

DRIVER = "ideapaja_aiosqlite"

Outcome = tuple[Any, int, int | None, list[Any] | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """In aiosqlite's thread: the whole statement, and what the adapter cursor needs of it."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_lastrowid", "_rowcount")

    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: Any) -> None:
        # No aiosqlite cursor of its own: each statement makes and closes one in the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        return None  # nothing is open between statements

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._one_trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._one_trip(operation, seq_of_parameters, many=True)

    async def _one_trip(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection = self._connection
        async with self._adapt_connection._execute_mutex:
            raw: sqlite3.Connection = connection._conn
            if raw.in_transaction:
                # Holding the write lock: nothing to wait for (see the module's docstring).
                outcome: Outcome = _run(raw, operation, parameters, many)
            else:
                outcome = await connection._execute(_run, raw, operation, parameters, many)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows or ())


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        connection = super().connect(*arg, **kw)
        connection.__class__ = OneTripConnection  # the same object, cursors made one-trip
        return connection  # type: ignore[return-value]


class OneTripSQLiteDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneTripDbapi:
        return OneTripDbapi(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER}", __name__, "OneTripSQLiteDialect")
