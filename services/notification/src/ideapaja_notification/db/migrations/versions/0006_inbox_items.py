"""The in-app inbox: every notice a person gets is an item there (kind, idea, title, short text
in their language, a link into the portal), read or unread, kept for a configured time.

Revision ID: notification_0006
Revises: notification_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0006"
down_revision = "notification_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(300), nullable=True),
        sa.Column("cause_event_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_items"),
        sa.UniqueConstraint(
            "cause_event_id", "person_id", "kind", name="uq_inbox_items_cause_person_kind"
        ),
    )
    op.create_index(
        "ix_inbox_items_person_created", "inbox_items", ["person_id", "created_at", "id"]
    )
    op.create_index("ix_inbox_items_person_read", "inbox_items", ["person_id", "read_at"])
    op.create_index("ix_inbox_items_created", "inbox_items", ["created_at"])


def downgrade() -> None:
    op.drop_table("inbox_items")
