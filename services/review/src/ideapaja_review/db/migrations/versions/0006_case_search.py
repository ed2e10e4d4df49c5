"""Search on the work list (issue 12 §3): the lemmas and compound parts of each case's text in
``search_terms`` and ``search_parts``, on PostgreSQL also in a GIN-indexed generated tsvector of
the two, and every existing case indexed.

The re-index imports the analyser (``ideapaja_search.analysis``, a pure library): it stores what
the service itself stores for a case's text.

Revision ID: review_0006
Revises: review_0005
"""

import sqlalchemy as sa
from alembic import op

from ideapaja_search.reindex import drop_vector_statements, reindex, vector_statements

revision = "review_0006"
down_revision = "review_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_cases") as batch:
        batch.add_column(sa.Column("search_terms", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("search_parts", sa.Text, nullable=False, server_default=""))
    reindex(op.get_bind(), "review_cases", "case_id")
    if op.get_bind().dialect.name == "postgresql":
        for statement in vector_statements("review_cases"):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in drop_vector_statements("review_cases"):
            op.execute(statement)
    with op.batch_alter_table("review_cases") as batch:
        batch.drop_column("search_parts")
        batch.drop_column("search_terms")
