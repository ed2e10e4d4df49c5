"""Supporter news: what an idea's supporters were told, so a support recorded afterwards (the
supports' consumer behind the decisions') is told too, once.

Revision ID: notification_0014
Revises: notification_0013
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0014"
down_revision = "notification_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supporter_news",
        sa.Column("cause_event_id", sa.String(64), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("cause_source", sa.String(255), nullable=False),
        sa.Column("cause_type", sa.String(255), nullable=False),
        sa.Column("cause_subject", sa.String(255), nullable=True),
        sa.Column("cause_traceparent", sa.String(64), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(32), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("benefit", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("cause_event_id", "template", name="pk_supporter_news"),
    )
    op.create_index("ix_supporter_news_idea", "supporter_news", ["idea_id", "occurred_at"])


def downgrade() -> None:
    op.drop_table("supporter_news")
