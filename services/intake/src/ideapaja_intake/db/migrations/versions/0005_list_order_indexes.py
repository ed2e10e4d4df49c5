"""Indexes in the order the lists page by (keyset cursors: the sort key, ties by id), replacing
the single-column ones they start with.

Revision ID: intake_0005
Revises: intake_0004
"""

from alembic import op

revision = "intake_0005"
down_revision = "intake_0004"
branch_labels = None
depends_on = None

# (new index, table, its columns, the single-column index on its first column it supersedes)
INDEXES = [
    ("ix_ideas_submitted_order", "ideas", ["submitted_at", "id"], "ix_ideas_submitted_at"),
    (
        "ix_idea_comments_order",
        "idea_comments",
        ["idea_id", "created_at", "id"],
        "ix_idea_comments_idea_id",
    ),
    (
        "ix_idea_drafts_owner_order",
        "idea_drafts",
        ["owner_id", "updated_at", "id"],
        "ix_idea_drafts_owner_id",
    ),
]


def upgrade() -> None:
    for name, table, columns, superseded in INDEXES:
        op.create_index(name, table, columns)
        op.drop_index(superseded, table)


def downgrade() -> None:
    for name, table, columns, superseded in INDEXES:
        op.create_index(superseded, table, columns[:1])
        op.drop_index(name, table)
