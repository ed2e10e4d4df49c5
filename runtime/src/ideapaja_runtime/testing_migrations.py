"""Test helpers for a service's hand-written migrations: what differs between the migrated
schema and the models, and upgrading to a chosen revision only (a database an older release
left). Run them in ``connection.run_sync``."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

# The runtime's own tables (outbox, inbox) and the version tables are not a service's models.
NOT_A_SERVICES = frozenset({"outbox", "inbox", "alembic_version", "ideapaja_runtime_version"})


def schema_differences(
    connection: Connection, metadata: MetaData, *, skip: Collection[str] = ()
) -> list[Any]:
    """Alembic's differences between the database and ``metadata`` (empty when they match),
    leaving out the runtime's tables and the objects named in ``skip`` (e.g. PostgreSQL-only
    search indexes the models leave out)."""

    def ours(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        table = name if type_ == "table" else parent_names.get("table_name")
        return table not in NOT_A_SERVICES and name not in skip

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": ours}
    )
    return list(compare_metadata(context, metadata))


def upgrade_to(connection: Connection, migrations: Path, revision: str) -> None:
    """The service's migrations up to ``revision`` only."""
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
