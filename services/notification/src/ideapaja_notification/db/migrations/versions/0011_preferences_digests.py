"""Preferences and digests: a person's own choice per message kind (e-mailed at once, in a
daily or weekly digest, or not at all), and the notices waiting for (or carried by) a digest.

Revision ID: notification_0011
Revises: notification_0010
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0011"
down_revision = "notification_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("frequency", sa.String(20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "kind", name="pk_notification_preferences"),
    )
    op.create_table(
        "digest_items",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("frequency", sa.String(20), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("cause_event_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_digest_items"),
        sa.UniqueConstraint(
            "cause_event_id", "person_id", "kind", name="uq_digest_items_cause_person_kind"
        ),
    )
    op.create_index(
        "ix_digest_items_waiting", "digest_items", ["frequency", "digest_id", "person_id"]
    )
    op.create_index("ix_digest_items_person_created", "digest_items", ["person_id", "created_at"])


def downgrade() -> None:
    op.drop_table("digest_items")
    op.drop_table("notification_preferences")
