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

from ideapaja_search.analysis import stored_terms
from ideapaja_search.sql import vector_expression

revision = "intake_0007"
down_revision = "intake_0006"
branch_labels = None
depends_on = None

BATCH = 500

ideas = sa.table(
    "ideas",
    sa.column("id", sa.String),
    sa.column("title", sa.String),
    sa.column("problem", sa.Text),
    sa.column("solution", sa.Text),
    sa.column("benefit", sa.Text),
    sa.column("language", sa.String),
    sa.column("search_terms", sa.Text),
    sa.column("search_parts", sa.Text),
)


def reindex() -> None:
    """Every idea's terms from its current text, in batches (keyset by id)."""
    bind = op.get_bind()
    last = ""
    while True:
        rows = bind.execute(
            sa.select(
                ideas.c.id, ideas.c.title, ideas.c.problem, ideas.c.solution, ideas.c.benefit,
                ideas.c.language,
            )
            .where(ideas.c.id > last)
            .order_by(ideas.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            terms, parts = stored_terms(
                row.title, row.problem, row.solution, row.benefit or "", language=row.language
            )
            bind.execute(
                ideas.update()
                .where(ideas.c.id == row.id)
                .values(search_terms=terms, search_parts=parts)
            )
        last = rows[-1].id


def upgrade() -> None:
    op.add_column("ideas", sa.Column("search_parts", sa.Text, nullable=False, server_default=""))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # Dropped first, so the re-index does not compute the old vector for every row.
        op.execute("DROP INDEX IF EXISTS ix_ideas_search_vector")
        op.execute("ALTER TABLE ideas DROP COLUMN IF EXISTS search_vector")
    reindex()
    if postgres:
        op.execute(
            "ALTER TABLE ideas ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            f"({vector_expression('search_terms', 'search_parts')}) STORED"
        )
        op.execute("CREATE INDEX ix_ideas_search_vector ON ideas USING gin (search_vector)")


def downgrade() -> None:
    # The 0002 vector (Snowball over the text) is not rebuilt: search on a downgraded schema
    # matches the stored lemmas only, until the next upgrade.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_ideas_search_vector")
        op.execute("ALTER TABLE ideas DROP COLUMN IF EXISTS search_vector")
        op.execute(
            "ALTER TABLE ideas ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple'::regconfig, coalesce(search_terms, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_ideas_search_vector ON ideas USING gin (search_vector)")
    op.drop_column("ideas", "search_parts")
