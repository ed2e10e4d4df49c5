"""Sender holders: a claim names the sender process holding it, and each running sender keeps
a heartbeat row, so the claims of a sender known to be dead are taken over at once instead of
waiting out their lease (an e-mail's attempt lease is 14 minutes by default).

Revision ID: notification_0013
Revises: notification_0012
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0013"
down_revision = "notification_0012"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # NULL for claims taken before: they follow their lease as before.
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("holder_id", sa.String(64), nullable=True))
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("holder_id", sa.String(64), nullable=True))
    op.create_table(
        "sender_heartbeats",
        sa.Column("holder_id", sa.String(64), nullable=False),
        sa.Column("worker", sa.String(20), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("seen_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("holder_id", name="pk_sender_heartbeats"),
    )


def downgrade() -> None:
    op.drop_table("sender_heartbeats")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("holder_id")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("holder_id")
