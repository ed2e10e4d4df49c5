"""Where each service of ``ideapaja up`` keeps its data.

By default every service has its own SQLite file in the state directory. With ``--database-url
postgresql+asyncpg://USER[:PASSWORD]@HOST[:PORT]/PREFIX`` every service gets its own PostgreSQL
database instead, ``PREFIX_<service>`` (e.g. ``ideapaja_intake``) on that server, created if
missing, as in production where no two services share a database. The services migrate their
own schema when they start, on either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ideapaja_runner.state import StateDir

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

# The user must be allowed to CREATE DATABASE (or the databases must exist already).
MAINTENANCE_DATABASE = "postgres"
# PostgreSQL truncates longer identifiers (NAMEDATALEN - 1).
MAX_NAME = 63


class DatabaseUrlError(ValueError):
    pass


def check_base_url(url: str) -> URL:
    """The ``--database-url`` given, parsed; refused unless PostgreSQL with a database name."""
    # SQLAlchemy is imported only here, for PostgreSQL: on the embedded default (SQLite) the
    # runner, which lives as long as the stack, stays without it (about 23 MB of RSS).
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUrlError(f"--database-url: {exc}") from None
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseUrlError(
            "--database-url must be a PostgreSQL URL, e.g. "
            "postgresql+asyncpg://postgres@127.0.0.1:5432/ideapaja (each service gets "
            "ideapaja_<service>); without it every service uses SQLite in the state directory"
        )
    if not parsed.database:
        raise DatabaseUrlError(
            "--database-url needs a database name, the prefix of each service's database "
            "(…/ideapaja gives ideapaja_intake, ideapaja_review, …)"
        )
    return parsed


def service_database_url(base: str | None, state: StateDir, service: str) -> str:
    """The ``DATABASE_URL`` a service gets: its SQLite file, or ``<prefix>_<service>``."""
    if base is None:
        return state.database_url(service)
    parsed = check_base_url(base)
    name = f"{parsed.database}_{service.replace('-', '_')}"
    if len(name) > MAX_NAME:
        raise DatabaseUrlError(f"database name {name} is longer than {MAX_NAME} characters")
    return parsed.set(database=name).render_as_string(hide_password=False)


async def ensure_databases(urls: Iterable[str]) -> list[str]:
    """Create each PostgreSQL database of ``urls`` that does not exist yet (connecting to the
    server's ``postgres`` database as the same user); the names of those created."""
    created: list[str] = []
    for url in urls:
        if not url.startswith("postgresql"):
            continue  # SQLite: the service creates its file
        import asyncpg
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        connection = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port,
            user=parsed.username,
            password=parsed.password,
            database=MAINTENANCE_DATABASE,
            timeout=30,
        )
        try:
            name = parsed.database
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                quoted = '"' + str(name).replace('"', '""') + '"'
                await connection.execute(f"CREATE DATABASE {quoted}")
                created.append(str(name))
        finally:
            await connection.close()
    return created
