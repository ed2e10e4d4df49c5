"""People's names (the HR projection keeps display names, folded for ordering) and the words of
each name, for the colleague search of the idea form (GET /people). Names of people already
known arrive with HR's next event about them (the hr stream keeps the latest record per person,
so a replay of intake-hr-people fills them at once).

Revision ID: intake_0006
Revises: intake_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0006"
down_revision = "intake_0005"
branch_labels = None
depends_on = None

# Binary collation on PostgreSQL, as SQLite has: a prefix is one index range.
NAME_WORD = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("display_name", sa.String(200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("name_key", sa.String(200), nullable=False, server_default=""))
    op.create_table(
        "person_name_words",
        sa.Column("word", NAME_WORD, nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("word", "person_id", name="pk_person_name_words"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.person_id"],
            name="fk_person_name_words_person_id_people",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_person_name_words_person", "person_name_words", ["person_id", "word"])


def downgrade() -> None:
    op.drop_index("ix_person_name_words_person", "person_name_words")
    op.drop_table("person_name_words")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("name_key")
        batch.drop_column("display_name")
