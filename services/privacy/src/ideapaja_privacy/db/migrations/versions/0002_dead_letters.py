"""Erasures also delete the dead letters that concern the person: when, and how many.

Revision ID: privacy_0002
Revises: privacy_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "privacy_0002"
down_revision = "privacy_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added columns only: no table rebuild on SQLite.
    op.add_column(
        "erasures", sa.Column("dead_letters_deleted_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("erasures", sa.Column("dead_letters_deleted", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("erasures") as batch:
        batch.drop_column("dead_letters_deleted")
        batch.drop_column("dead_letters_deleted_at")
