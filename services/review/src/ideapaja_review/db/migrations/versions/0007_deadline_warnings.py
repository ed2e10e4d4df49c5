"""Deadline reminders (issue 17): one row per reminder that a step's deadline is near, unique per
(case, step, step entry, level), so the deadline sweep reminds once across replicas and re-runs.

Revision ID: review_0007
Revises: review_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "review_0007"
down_revision = "review_0006"
branch_labels = None
depends_on = None

ID = 64


def upgrade() -> None:
    op.create_table(
        "deadline_warnings",
        sa.Column("warning_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("step_seq", sa.Integer, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["review_cases.case_id"], name="fk_deadline_warnings_case_id_review_cases"
        ),
        sa.UniqueConstraint(
            "case_id", "step", "step_seq", "level", name="uq_deadline_warnings_case_step_level"
        ),
    )


def downgrade() -> None:
    op.drop_table("deadline_warnings")
