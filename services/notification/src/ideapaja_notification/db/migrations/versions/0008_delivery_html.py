"""Deliveries keep their HTML part beside the text, so an e-mail goes out as
multipart/alternative (text and HTML) exactly as rendered when its event arrived.

Revision ID: notification_0008
Revises: notification_0007
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0008"
down_revision = "notification_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("html", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("html")
