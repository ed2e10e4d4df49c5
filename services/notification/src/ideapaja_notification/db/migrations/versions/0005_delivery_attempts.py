"""Deliveries record when a sender began sending them, so a mail whose outcome a crash lost is
known to be a possible second copy when it is sent again.

Revision ID: notification_0005
Revises: notification_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0005"
down_revision = "notification_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("attempt_started_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("attempt_started_at")
