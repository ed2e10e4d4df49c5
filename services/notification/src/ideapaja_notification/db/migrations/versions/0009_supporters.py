"""Supporters: who supports an idea, so a decision on it reaches them too; contacts by unit, to
find the unit's supervisors and change agents when a practice is adopted from it.

Revision ID: notification_0009
Revises: notification_0008
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0009"
down_revision = "notification_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supporters",
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("supported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("idea_id", "person_id", name="pk_supporters"),
    )
    op.create_index("ix_supporters_person", "supporters", ["person_id"])
    op.create_index("ix_contacts_unit", "contacts", ["unit_id"])


def downgrade() -> None:
    op.drop_index("ix_contacts_unit", table_name="contacts")
    op.drop_index("ix_supporters_person", table_name="supporters")
    op.drop_table("supporters")
