"""Info questions: who asked a case's open question, so the authors' answer reaches them.

Revision ID: notification_0012
Revises: notification_0011
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0012"
down_revision = "notification_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "info_questions",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("asked_by", sa.String(64), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_info_questions"),
    )
    op.create_index("ix_info_questions_idea_id", "info_questions", ["idea_id"])


def downgrade() -> None:
    op.drop_table("info_questions")
