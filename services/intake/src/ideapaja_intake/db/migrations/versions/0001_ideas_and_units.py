"""Ideas with their authors, status history and rewards; units learned from HR.

Revision ID: intake_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("name_fi", sa.String(200), nullable=False),
        sa.Column("name_sv", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("hr_event_time", TZ, nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
    )
    op.create_table(
        "ideas",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("problem", sa.Text, nullable=False),
        sa.Column("solution", sa.Text, nullable=False),
        sa.Column("benefit", sa.Text, nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("author_ref", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_changed_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("submitted_at", TZ, nullable=True),
        sa.Column("rewarded", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ideas"),
        sa.CheckConstraint("scope IN ('unit', 'department', 'city')", name="ck_ideas_scope"),
        sa.CheckConstraint("language IN ('fi', 'sv', 'en')", name="ck_ideas_language"),
    )
    op.create_index("ix_ideas_unit_id", "ideas", ["unit_id"])
    op.create_index("ix_ideas_status", "ideas", ["status"])
    op.create_index("ix_ideas_submitted_at", "ideas", ["submitted_at"])
    op.create_table(
        "idea_authors",
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("author_ref", sa.String(64), nullable=False),
        sa.Column("added_at", TZ, nullable=False),
        sa.Column("confirmed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("idea_id", "person_id", name="pk_idea_authors"),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name="fk_idea_authors_idea_id_ideas", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_idea_authors_person_id", "idea_authors", ["person_id"])
    op.create_table(
        "idea_status_history",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("actor_id", sa.String(64), nullable=True),
        sa.Column("rationale", sa.Text, nullable=True),
        sa.Column("duplicate_of", sa.String(64), nullable=True),
        sa.Column("forwarded_to_unit_id", sa.String(64), nullable=True),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_idea_status_history"),
        sa.UniqueConstraint("event_id", name="uq_idea_status_history_event_id"),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name="fk_idea_status_history_idea_id_ideas",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_idea_status_history_order", "idea_status_history", ["idea_id", "occurred_at"]
    )
    op.create_table(
        "idea_rewards",
        sa.Column("grant_id", sa.String(64), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("granted_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("grant_id", name="pk_idea_rewards"),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name="fk_idea_rewards_idea_id_ideas", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_idea_rewards_idea_id", "idea_rewards", ["idea_id"])


def downgrade() -> None:
    op.drop_table("idea_rewards")
    op.drop_table("idea_status_history")
    op.drop_table("idea_authors")
    op.drop_table("ideas")
    op.drop_table("units")
