"""Indexes for units' activity per period, and periodic award rounds: nominations and votes.

Revision ID: reward_0005
Revises: reward_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "reward_0005"
down_revision = "reward_0004"
branch_labels = None
depends_on = None

_INDEXES = [
    ("ix_reward_ideas_submitted", "reward_ideas", ["submitted_at"]),
    ("ix_reward_ideas_accepted", "reward_ideas", ["accepted_at"]),
    ("ix_reward_ideas_implemented", "reward_ideas", ["implemented_at"]),
    ("ix_points_ledger_occurred_unit", "points_ledger", ["occurred_at", "unit_id"]),
]


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)
    op.create_table(
        "reward_award_rounds",
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("winner_id", sa.String(64), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.PrimaryKeyConstraint("round_id", name="pk_reward_award_rounds"),
        sa.UniqueConstraint("kind", "period", name="uq_reward_award_rounds_kind_period"),
    )
    op.create_index(
        "ix_reward_award_rounds_opened", "reward_award_rounds", ["opened_at", "round_id"]
    )
    op.create_table(
        "reward_award_nominations",
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("candidate_id", sa.String(64), nullable=False),
        sa.Column("nominated_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("nominated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "round_id", "candidate_id", "nominated_by", name="pk_reward_award_nominations"
        ),
    )
    op.create_table(
        "reward_award_votes",
        sa.Column("round_id", sa.String(64), nullable=False),
        sa.Column("voter_id", sa.String(64), nullable=False),
        sa.Column("candidate_id", sa.String(64), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("round_id", "voter_id", name="pk_reward_award_votes"),
    )


def downgrade() -> None:
    op.drop_table("reward_award_votes")
    op.drop_table("reward_award_nominations")
    op.drop_index("ix_reward_award_rounds_opened", "reward_award_rounds")
    op.drop_table("reward_award_rounds")
    for name, table, _ in reversed(_INDEXES):
        op.drop_index(name, table)
