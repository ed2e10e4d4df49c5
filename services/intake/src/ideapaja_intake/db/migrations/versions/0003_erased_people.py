"""GDPR erasure: the people whose data was erased, by their replacement token only.

Revision ID: intake_0003
Revises: intake_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0003"
down_revision = "intake_0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "erased_people",
        sa.Column("former_id", sa.String(64), nullable=False),
        sa.Column("erasure_id", sa.String(64), nullable=False),
        sa.Column("erased_at", TZ, nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("former_id", name="pk_erased_people"),
    )


def downgrade() -> None:
    op.drop_table("erased_people")
