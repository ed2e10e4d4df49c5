"""Erasure of a person (GDPR): the contact row keeps only the person id and when it was erased.

Revision ID: notification_0002
Revises: notification_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0002"
down_revision = "notification_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("erased_at")
