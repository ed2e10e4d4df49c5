"""Committee and supervisor awards with their approval trail, department budgets per year, and
what payroll books each grant under (unit, department, taxable, days).

Revision ID: reward_0004
Revises: reward_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "reward_0004"
down_revision = "reward_0003"
branch_labels = None
depends_on = None

GRANT_COLUMNS = ("unit_id", "department_id", "taxable", "days")


def upgrade() -> None:
    with op.batch_alter_table("reward_grants") as batch:
        batch.add_column(sa.Column("unit_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("department_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("taxable", sa.Boolean, nullable=True))
        batch.add_column(sa.Column("days", sa.Integer, nullable=True))

    op.create_table(
        "reward_awards",
        sa.Column("award_id", sa.String(64), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("department_id", sa.String(64), nullable=True),
        sa.Column("budget_year", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("days", sa.Integer, nullable=True),
        sa.Column("recipient_ids", sa.JSON, nullable=False),
        sa.Column("justification", sa.String(200), nullable=False),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approval_roles", sa.JSON, nullable=False),
        sa.Column("approved_steps", sa.Integer, nullable=False),
        sa.Column("next_role", sa.String(40), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("award_id", name="pk_reward_awards"),
    )
    op.create_index("ix_reward_awards_idea_id", "reward_awards", ["idea_id"])
    op.create_index("ix_reward_awards_proposed", "reward_awards", ["proposed_at", "award_id"])
    op.create_index("ix_reward_awards_status", "reward_awards", ["status", "proposed_at"])
    op.create_index("ix_reward_awards_next_role", "reward_awards", ["next_role"])

    op.create_table(
        "reward_award_steps",
        sa.Column("award_id", sa.String(64), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("award_id", "step", name="pk_reward_award_steps"),
    )

    op.create_table(
        "reward_budgets",
        sa.Column("department_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("committed_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("department_id", "year", name="pk_reward_budgets"),
    )


def downgrade() -> None:
    op.drop_table("reward_budgets")
    op.drop_table("reward_award_steps")
    op.drop_index("ix_reward_awards_next_role", "reward_awards")
    op.drop_index("ix_reward_awards_status", "reward_awards")
    op.drop_index("ix_reward_awards_proposed", "reward_awards")
    op.drop_index("ix_reward_awards_idea_id", "reward_awards")
    op.drop_table("reward_awards")
    with op.batch_alter_table("reward_grants") as batch:
        for column in reversed(GRANT_COLUMNS):
            batch.drop_column(column)
