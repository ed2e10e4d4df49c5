"""Idea projection, the append-only points ledger and the grants HR/payroll reconciles against.

Revision ID: reward_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "reward_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reward_ideas",
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("author_ids", sa.JSON, nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("implemented_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("idea_id", name="pk_reward_ideas"),
    )
    op.create_index("ix_reward_ideas_unit_id", "reward_ideas", ["unit_id"])

    op.create_table(
        "points_ledger",
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("cause_event_id", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name="pk_points_ledger"),
        sa.UniqueConstraint(
            "idea_id", "person_id", "rule", name="uq_points_ledger_idea_person_rule"
        ),
    )
    op.create_index("ix_points_ledger_unit_id", "points_ledger", ["unit_id"])
    op.create_index(
        "ix_points_ledger_person_created", "points_ledger", ["person_id", "created_at"]
    )

    op.create_table(
        "reward_grants",
        sa.Column("grant_id", sa.String(64), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("ledger_entry_id", sa.String(64), nullable=True),
        sa.Column("cause_event_id", sa.String(64), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("grant_id", name="pk_reward_grants"),
        sa.UniqueConstraint(
            "idea_id", "person_id", "origin", name="uq_reward_grants_idea_person_origin"
        ),
    )
    op.create_index("ix_reward_grants_person_id", "reward_grants", ["person_id"])
    op.create_index("ix_reward_grants_granted", "reward_grants", ["granted_at", "grant_id"])


def downgrade() -> None:
    op.drop_table("reward_grants")
    op.drop_table("points_ledger")
    op.drop_table("reward_ideas")
