"""Which ideas are anonymous and which idea each message is about, so the access report shows
messages revealing who wrote an anonymous idea only to that person.

Rows from before stay NULL (not known): the report withholds them from everyone but the person.

Revision ID: notification_0003
Revises: notification_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0003"
down_revision = "notification_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("anonymous", sa.Boolean(), nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("idea_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("idea_id")
    with op.batch_alter_table("ideas") as batch:
        batch.drop_column("anonymous")
