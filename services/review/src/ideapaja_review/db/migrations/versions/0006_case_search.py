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

from ideapaja_search.analysis import stored_terms
from ideapaja_search.sql import vector_expression

revision = "review_0006"
down_revision = "review_0005"
branch_labels = None
depends_on = None

BATCH = 500

cases = sa.table(
    "review_cases",
    sa.column("case_id", sa.String),
    sa.column("title", sa.String),
    sa.column("problem", sa.Text),
    sa.column("solution", sa.Text),
    sa.column("benefit", sa.Text),
    sa.column("language", sa.String),
    sa.column("search_terms", sa.Text),
    sa.column("search_parts", sa.Text),
)


def reindex() -> None:
    """Every case's terms from its current text, in batches (keyset by id)."""
    bind = op.get_bind()
    last = ""
    while True:
        rows = bind.execute(
            sa.select(
                cases.c.case_id, cases.c.title, cases.c.problem, cases.c.solution,
                cases.c.benefit, cases.c.language,
            )
            .where(cases.c.case_id > last)
            .order_by(cases.c.case_id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            terms, parts = stored_terms(
                row.title, row.problem, row.solution, row.benefit or "", language=row.language
            )
            bind.execute(
                cases.update()
                .where(cases.c.case_id == row.case_id)
                .values(search_terms=terms, search_parts=parts)
            )
        last = rows[-1].case_id


def upgrade() -> None:
    with op.batch_alter_table("review_cases") as batch:
        batch.add_column(sa.Column("search_terms", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("search_parts", sa.Text, nullable=False, server_default=""))
    reindex()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE review_cases ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            f"({vector_expression('search_terms', 'search_parts')}) STORED"
        )
        op.execute(
            "CREATE INDEX ix_review_cases_search_vector ON review_cases USING gin (search_vector)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_review_cases_search_vector")
        op.execute("ALTER TABLE review_cases DROP COLUMN IF EXISTS search_vector")
    with op.batch_alter_table("review_cases") as batch:
        batch.drop_column("search_parts")
        batch.drop_column("search_terms")
