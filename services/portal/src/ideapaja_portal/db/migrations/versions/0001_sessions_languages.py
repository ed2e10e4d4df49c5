"""The portal's sessions and people's language choices.

Revision ID: portal_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "portal_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_sessions",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("person_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_portal_sessions_expires", "portal_sessions", ["expires_at"])
    op.create_index("ix_portal_sessions_person_id", "portal_sessions", ["person_id"])
    op.create_table(
        "portal_language_choices",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("portal_language_choices")
    op.drop_index("ix_portal_sessions_person_id", "portal_sessions")
    op.drop_index("ix_portal_sessions_expires", "portal_sessions")
    op.drop_table("portal_sessions")
