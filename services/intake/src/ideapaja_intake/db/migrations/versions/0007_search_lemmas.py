"""Search by lemmas and compound parts (issue 12 §3): ``search_parts`` beside ``search_terms``,
PostgreSQL's ``search_vector`` regenerated from the two (lemmas weighted A, parts D, the
'simple' configuration, GIN-indexed as before), and every existing idea re-indexed.

The re-index imports the analyser (``ideapaja_search.analysis``, a pure library): it stores what
the service itself would store for the idea's text, so an idea written before this revision is
found like a new one ("päiväkoti" finds its "päiväkodissa").

Revision ID: intake_0007
Revises: intake_0006
"""

import sqlalchemy as sa
from alembic import op

from ideapaja_search.reindex import drop_vector_statements, reindex, vector_statements

revision = "intake_0007"
down_revision = "intake_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ideas", sa.Column("search_parts", sa.Text, nullable=False, server_default=""))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # Dropped first, so the re-index does not compute the old vector for every row.
        for statement in drop_vector_statements("ideas"):
            op.execute(statement)
    reindex(op.get_bind(), "ideas", "id")
    if postgres:
        for statement in vector_statements("ideas"):
            op.execute(statement)


def downgrade() -> None:
    # The 0002 vector (Snowball over the text) is not rebuilt: search on a downgraded schema
    # matches the stored lemmas only, until the next upgrade.
    if op.get_bind().dialect.name == "postgresql":
        for statement in drop_vector_statements("ideas"):
            op.execute(statement)
        op.execute(
            "ALTER TABLE ideas ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple'::regconfig, coalesce(search_terms, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_ideas_search_vector ON ideas USING gin (search_vector)")
    op.drop_column("ideas", "search_parts")
