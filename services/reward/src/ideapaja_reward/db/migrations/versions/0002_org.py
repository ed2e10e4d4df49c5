"""The organisation from HR: units, people's current unit and their memberships over time.

Revision ID: reward_0002
Revises: reward_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "reward_0002"
down_revision = "reward_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reward_org_units",
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("name_fi", sa.String(200), nullable=False),
        sa.Column("name_sv", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", name="pk_reward_org_units"),
    )
    op.create_table(
        "reward_org_people",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_reward_org_people"),
    )
    op.create_table(
        "reward_org_memberships",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("person_id", "since", name="pk_reward_org_memberships"),
    )
    op.create_index(
        "ix_reward_org_memberships_unit_span",
        "reward_org_memberships",
        ["unit_id", "since", "until"],
    )


def downgrade() -> None:
    op.drop_index("ix_reward_org_memberships_unit_span", "reward_org_memberships")
    op.drop_table("reward_org_memberships")
    op.drop_table("reward_org_people")
    op.drop_table("reward_org_units")
