"""SQLite: an FTS5 index over the cases' search terms, as intake's 0008 over the ideas' (issue
13): a search on the work list no longer reads every case's terms. PostgreSQL has had its GIN
index since 0006.

Revision ID: review_0010
Revises: review_0009
"""

from alembic import op

from ideapaja_search.reindex import drop_fts_statements, fts_statements

revision = "review_0010"
down_revision = "review_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in fts_statements("review_cases"):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in drop_fts_statements("review_cases"):
            op.execute(statement)
