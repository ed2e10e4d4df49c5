"""People's display names from HR (PersonUpserted), for the minutes and committee pages; erased
with the person. Existing people get theirs with HR's next record of them.

Revision ID: review_0005
Revises: review_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "review_0005"
down_revision = "review_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("org_people") as batch:
        batch.add_column(sa.Column("display_name", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("org_people") as batch:
        batch.drop_column("display_name")
