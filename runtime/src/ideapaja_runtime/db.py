"""Database access shared by the services: one async engine, transactions, Alembic migrations.

The same SQLAlchemy models and migrations run on PostgreSQL (asyncpg) and SQLite (aiosqlite).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    FromClause,
    MetaData,
    String,
    cast,
    column,
    create_engine,
    event,
    inspect,
    select,
    table,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select

from ideapaja_runtime import sqlite_driver
from ideapaja_runtime.migration_heads import script_heads

T = TypeVar("T")

RUNTIME_MIGRATIONS = Path(__file__).parent / "migrations"
RUNTIME_VERSION_TABLE = "ideapaja_runtime_version"

# Stable constraint names, so migrations can address them on every dialect.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    """A fresh MetaData for one service's tables.

    Each service declares its own base, ``class ReviewBase(DeclarativeBase): metadata =
    service_metadata()``: one shared base would put every service's tables into one MetaData, and
    two services' tables of the same name (both may have ``ideas``) would clash in a process that
    imports both (the runner, the test session).
    """
    return MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _one_trip_sqlite(url: str) -> str | URL:
    """``sqlite+aiosqlite`` runs on the same driver with one thread trip per statement
    (sqlite_driver.py); any other URL is used as given."""
    parsed = make_url(url)
    if parsed.drivername != "sqlite+aiosqlite":
        return url
    return parsed.set(drivername=f"sqlite+{sqlite_driver.DRIVER}")


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo}
        if is_sqlite(url):
            # The driver runs a transaction's statements on the event loop's thread, the rest in
            # aiosqlite's (sqlite_driver.py): one connection, used by one of them at a time.
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
        self.engine: AsyncEngine = create_async_engine(_one_trip_sqlite(url), **kwargs)
        if is_sqlite(url):
            _use_immediate_transactions(self.engine.sync_engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if is_sqlite(url) else None
        self._write_owner: asyncio.Task[Any] | None = None
        # SQLite file databases: run_transaction's work runs here (see there). Made on first use.
        self._sqlite_file = is_sqlite(url) and make_url(url).database not in (None, "", ":memory:")
        self._writer_sessions: sessionmaker[Session] | None = None
        self._writer_engine: Engine | None = None
        self._writer_thread: ThreadPoolExecutor | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back on any exception."""
        async with self._writer_turn(), self.sessions() as session:
            async with session.begin():
                yield session
            # Hooks registered during the transaction (e.g. "wake the outbox relay") run only
            # once the work is durable.
            for callback in session.sync_session.info.pop("after_commit", []):
                callback()

    async def run_transaction(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` (synchronous SQLAlchemy) in one transaction: committed if it returns,
        rolled back if it raises.

        For a transaction of many statements this is much cheaper than ``transaction()`` on
        SQLite: aiosqlite hands every call (cursor, execute, fetch, close, BEGIN, COMMIT) to its
        thread and back, about 80 µs of CPU each: a batch of eight submissions made about 28 such
        trips. Here the whole transaction goes to a writer thread once, on a synchronous engine
        over the same file (and still takes the writer's turn). On PostgreSQL, and on in-memory
        SQLite, the work runs in an async session's ``run_sync``."""
        if not self._sqlite_file:
            async with self.transaction() as session:
                return await session.run_sync(work)
        if self._write_owner is asyncio.current_task():
            # Its BEGIN IMMEDIATE would wait for the transaction this task already holds.
            raise RuntimeError("run_transaction() inside an open transaction() of the same task")
        async with self._writer_turn():
            sessions, thread = self._writer()
            loop = asyncio.get_running_loop()
            result, callbacks = await loop.run_in_executor(thread, _run_in_session, sessions, work)
        # On the event loop (callbacks may touch asyncio objects), once the work is durable.
        for callback in callbacks:
            callback()
        return result

    def _writer(self) -> tuple[sessionmaker[Session], ThreadPoolExecutor]:
        if self._writer_sessions is None or self._writer_thread is None:
            url = make_url(self.url).set(drivername="sqlite")
            self._writer_engine = create_engine(
                url, connect_args={"timeout": 30, "check_same_thread": False}
            )
            _use_immediate_transactions(self._writer_engine)
            self._writer_sessions = sessionmaker(self._writer_engine, expire_on_commit=False)
            self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        return self._writer_sessions, self._writer_thread

    @asynccontextmanager
    async def _writer_turn(self) -> AsyncIterator[None]:
        """SQLite has one writer at a time. Waiting for it in SQLite's busy handler means
        sleeping in growing steps (seconds of tail latency under load); waiting here means
        being woken the moment the previous transaction ends. The lock is per task-reentrant,
        so a transaction opened inside another (same task) does not wait for itself. One
        process owns an embedded database, so an in-process lock covers every writer."""
        if self._write_lock is None:
            yield
            return
        task = asyncio.current_task()
        if self._write_owner is task:
            yield
            return
        async with self._write_lock:
            self._write_owner = task
            try:
                yield
            finally:
                self._write_owner = None

    @staticmethod
    def after_commit(session: AsyncSession | Session, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction ``session`` belongs to has committed."""
        session.info.setdefault("after_commit", []).append(callback)

    async def migrate(self, service_migrations: Path | None, *, to: str = "head") -> None:
        """Bring the schema to head: the runtime's own tables, then the service's (only up to
        revision ``to`` if given: an older database, to test a migration on)."""
        await run_migrations(self.engine, RUNTIME_MIGRATIONS, RUNTIME_VERSION_TABLE)
        if service_migrations is not None:
            await run_migrations(self.engine, service_migrations, "alembic_version", to=to)

    async def ping(self) -> None:
        async with self.reading() as conn:
            await conn.exec_driver_sql("SELECT 1")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a read that must not wait for writers: a readiness probe, a gauge.
        On SQLite its statements run without BEGIN IMMEDIATE (each reads the last commit; in WAL
        mode a reader never waits for the writer), so /readyz answers while a long write holds
        the lock: it waited up to the 30 s busy timeout behind one before. Never for writes."""
        async with self.engine.connect() as conn:
            yield await conn.execution_options(**{READING: True})

    async def answers(self, timeout: float = 10.0) -> bool:  # noqa: ASYNC109
        """Whether the database answers a ``SELECT 1`` within ``timeout`` seconds: after a
        failure, tells an outage (stopped, failing over, unreachable) from the work's own error."""
        try:
            await asyncio.wait_for(self.ping(), timeout)
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._writer_thread is not None:
            self._writer_thread.shutdown(wait=True)
            self._writer_thread = None
        if self._writer_engine is not None:
            self._writer_engine.dispose()
            self._writer_engine = None
            self._writer_sessions = None


def _run_in_session(
    sessions: sessionmaker[Session], work: Callable[[Session], T]
) -> tuple[T, list[Callable[[], None]]]:
    """In the writer thread: ``work`` in a committed transaction, and its after-commit hooks."""
    with sessions() as session:
        with session.begin():
            result = work(session)
        return result, session.info.pop("after_commit", [])


def _enable_wal(cursor: Any, attempts: int = 100) -> None:
    """Switching a database file to WAL needs it to itself for a moment, and SQLite answers
    "database is locked" at once, without its busy handler, while another connection (a second
    process starting on the same file) holds it: try again for a few seconds."""
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


# The execution option that marks a connection of ``Database.reading()``.
READING = "ideapaja_reading"


def _use_immediate_transactions(engine: Engine) -> None:
    """SQLite: take the write lock at BEGIN, so two writers wait for each other (busy timeout)
    instead of failing with 'database is locked' when a read transaction tries to upgrade."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        # Erased personal data (GDPR) is overwritten, not left readable in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get(READING):
            return  # Database.reading(): statements in autocommit, no write lock
        conn.exec_driver_sql("BEGIN IMMEDIATE")


async def applied_revisions(engine: AsyncEngine, version_table: str) -> frozenset[str] | None:
    """The revisions recorded in ``version_table``, None without the table (read without
    taking SQLite's write lock)."""

    def read(connection: Connection) -> frozenset[str] | None:
        if not inspect(connection).has_table(version_table):
            return None
        query: Select[tuple[Any]] = select(column("version_num")).select_from(table(version_table))
        return frozenset(str(value) for value in connection.execute(query).scalars())

    async with engine.connect() as conn:
        conn = await conn.execution_options(**{READING: True})
        return await conn.run_sync(read)


async def run_migrations(
    engine: AsyncEngine, script_location: Path, version_table: str, *, to: str = "head"
) -> None:
    """Upgrade to ``to`` with Alembic, unless the version table already holds exactly the heads
    read from the revision files (``migration_heads``): then there is nothing to do, and Alembic
    is not even imported."""
    if to == "head":
        heads = script_heads(script_location)
        if heads is not None and await applied_revisions(engine, version_table) == heads:
            return

    def upgrade(connection: Connection) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(script_location))
        config.attributes["connection"] = connection
        config.attributes["version_table"] = version_table
        command.upgrade(config, to)

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Replicas starting together on a fresh database: one migrates, the others wait
            # (the lock is released at commit) and then find the schema at head.
            await conn.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(hashtext('ideapaja-migrations'))"
            )
        await conn.run_sync(upgrade)


def run_migrations_in_env(target_metadata: MetaData | None = None) -> None:
    """The body of every ``env.py``: migrate on the connection handed over by ``run_migrations``."""
    from alembic import context

    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "Ideapaja migrations run when a service starts (Database.migrate), not from the "
            "alembic CLI"
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=context.config.attributes.get("version_table", "alembic_version"),
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def insert_unless_present(
    session: AsyncSession, table: FromClause, values: dict[str, Any]
) -> bool:
    """Insert one row unless a row with its key is there (``INSERT … ON CONFLICT DO NOTHING``):
    whether it was inserted. For rows whose id is derived from what they record (an event's
    notice, delivery, …), so a replay finds its row: one statement, where looking the id up and
    adding an ORM object took a SELECT and a flush (about three times the CPU, measured in a
    consumer). A replica inserting the same key concurrently makes this wait for its commit,
    then answer False. Column defaults apply; the row is not in the session's identity map."""
    result = await session.execute(_insert_or_nothing(session, table), values)
    return bool(result.rowcount)  # type: ignore[attr-defined]


# One statement per (dialect, table), its values passed as parameters: a statement built with
# ``.values(row)`` is a new statement each time, whose cache key SQLAlchemy walks value by value
# (about a fifth of a notice's CPU in notification's consumer); this one's key is computed once.
_INSERT_OR_NOTHING: dict[tuple[str, FromClause], Any] = {}


def _insert_or_nothing(session: AsyncSession, table: FromClause) -> Any:
    name = session.get_bind().dialect.name
    statement = _INSERT_OR_NOTHING.get((name, table))
    if statement is None:
        dialect = sqlite if name == "sqlite" else postgresql
        statement = dialect.insert(table).on_conflict_do_nothing()
        _INSERT_OR_NOTHING[(name, table)] = statement
    return statement


def json_list_may_hold(column: Any, value: str) -> ColumnElement[bool]:
    """A filter for the rows whose JSON list ``column`` may hold the string ``value`` (its text
    contains the value quoted, on every dialect). Candidates only, as the text knows no list
    boundaries: confirm with ``value in row.column``."""
    return cast(column, String).contains(f'"{value}"')
