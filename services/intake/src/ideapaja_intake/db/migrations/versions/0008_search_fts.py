"""SQLite: an FTS5 index over the ideas' search terms (issue 13, "idea search" row). Without it
every search read the whole table (LIKE over the terms of every idea: about 100 ms at 100,000
ideas, whatever the query); PostgreSQL has had its GIN index since 0002.

Revision ID: intake_0008
Revises: intake_0007
"""

from alembic import op

from ideapaja_search.reindex import drop_fts_statements, fts_statements

revision = "intake_0008"
down_revision = "intake_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in fts_statements("ideas"):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in drop_fts_statements("ideas"):
            op.execute(statement)
