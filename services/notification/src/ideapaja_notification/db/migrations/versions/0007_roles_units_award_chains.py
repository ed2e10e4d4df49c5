"""Who holds which role where, and awards' approval chains, so a reward proposal reaches the
people who approve its next step (a supervisor only for the idea's unit).

Contacts and ideas stored before stay NULL until HR or intake sends them again.

Revision ID: notification_0007
Revises: notification_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0007"
down_revision = "notification_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("unit_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("roles", sa.JSON(), nullable=True))
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("unit_id", sa.String(length=64), nullable=True))
    op.create_table(
        "award_chains",
        sa.Column("award_id", sa.String(64), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("approval_roles", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("justification", sa.String(500), nullable=False),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("recipient_ids", sa.JSON(), nullable=False),
        sa.Column("approved_by", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("award_id", name="pk_award_chains"),
    )


def downgrade() -> None:
    op.drop_table("award_chains")
    with op.batch_alter_table("ideas") as batch:
        batch.drop_column("unit_id")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("roles")
        batch.drop_column("unit_id")
