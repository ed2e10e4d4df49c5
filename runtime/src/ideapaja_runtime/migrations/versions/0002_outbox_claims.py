"""Outbox rows are claimed for a short lease while being published, so the relay holds no
database transaction (on SQLite: no write lock) while it waits for JetStream's acks.

Revision ID: runtime_0002
Revises: runtime_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "runtime_0002"
down_revision = "runtime_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_until")
