"""Retention of closed ideas: when an idea's personal data was removed, and the audit of it.

Revision ID: intake_0004
Revises: intake_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0004"
down_revision = "intake_0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    # An added nullable column: no table rebuild on SQLite.
    op.add_column("ideas", sa.Column("personal_data_removed_at", TZ, nullable=True))
    op.create_table(
        "retention_audit",
        sa.Column("seq", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_retention_audit"),
        sa.UniqueConstraint("idea_id", name="uq_retention_audit_idea_id"),
    )


def downgrade() -> None:
    op.drop_table("retention_audit")
    with op.batch_alter_table("ideas") as batch:
        batch.drop_column("personal_data_removed_at")
