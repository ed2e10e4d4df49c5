"""Indexes for the lists that grow without bound, in the keyset order they are paged in: the work
list (cases oldest first, ties by id), experiments and good practices (newest first), and a
committee's meetings (by when they are held).

Revision ID: review_0004
Revises: review_0003
"""

from alembic import op

revision = "review_0004"
down_revision = "review_0003"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_review_cases_opened", "review_cases", ["opened_at", "case_id"]),
    ("ix_experiments_started", "experiments", ["started_at", "experiment_id"]),
    ("ix_practices_published", "practices", ["published_at", "practice_id"]),
    ("ix_meetings_committee_scheduled", "meetings", ["committee_id", "scheduled_at", "meeting_id"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
