"""Indexes for listing deliveries newest first a page at a time (keyset on created_at, id), for
all of them and by status: the table keeps every message ever sent, so it grows without bound.

Revision ID: notification_0004
Revises: notification_0003
"""

from alembic import op

revision = "notification_0004"
down_revision = "notification_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deliveries_created", "deliveries", ["created_at", "id"])
    op.create_index("ix_deliveries_status_created", "deliveries", ["status", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_status_created", table_name="deliveries")
    op.drop_index("ix_deliveries_created", table_name="deliveries")
