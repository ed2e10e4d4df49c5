"""Org projection, review cases, reviewers, append-only history and the routing lock.

Revision ID: review_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "review_0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 64


def upgrade() -> None:
    op.create_table(
        "org_units",
        sa.Column("unit_id", sa.String(ID), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.String(ID), nullable=True),
        sa.Column("name_fi", sa.String(200), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", name="pk_org_units"),
    )
    op.create_table(
        "org_people",
        sa.Column("person_id", sa.String(ID), primary_key=True),
        sa.Column("unit_id", sa.String(ID), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_org_people"),
    )
    op.create_index("ix_org_people_unit_id", "org_people", ["unit_id"])
    op.create_table(
        "org_person_roles",
        sa.Column("person_id", sa.String(ID), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "role", name="pk_org_person_roles"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["org_people.person_id"],
            name="fk_org_person_roles_person_id_org_people",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_org_person_roles_role", "org_person_roles", ["role"])
    op.create_table(
        "review_cases",
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("idea_id", sa.String(ID), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("problem", sa.Text, nullable=False),
        sa.Column("solution", sa.Text, nullable=False),
        sa.Column("benefit", sa.Text, nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("unit_id", sa.String(ID), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("author_ref", sa.String(ID), nullable=False),
        sa.Column("author_ids", sa.JSON, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(32), nullable=True),
        sa.Column("routed", sa.Boolean, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("screening_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(ID), nullable=True),
        sa.Column("rationale", sa.Text, nullable=True),
        sa.Column("duplicate_of", sa.String(ID), nullable=True),
        sa.Column("forwarded_to_unit_id", sa.String(ID), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name="pk_review_cases"),
        # One case per idea: a redelivered or re-published submission cannot open a second.
        sa.UniqueConstraint("idea_id", name="uq_review_cases_idea_id"),
    )
    op.create_index("ix_review_cases_state_opened", "review_cases", ["state", "opened_at"])
    op.create_index("ix_review_cases_routed_state", "review_cases", ["routed", "state"])
    op.create_table(
        "case_reviewers",
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("person_id", sa.String(ID), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "person_id", name="pk_case_reviewers"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["review_cases.case_id"], name="fk_case_reviewers_case_id_review_cases"
        ),
    )
    op.create_index("ix_case_reviewers_person_id", "case_reviewers", ["person_id"])
    op.create_table(
        "case_history",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(ID), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(32), nullable=True),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("details", sa.JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["review_cases.case_id"], name="fk_case_history_case_id_review_cases"
        ),
    )
    op.create_index("ix_case_history_case_seq", "case_history", ["case_id", "seq"])
    op.create_table(
        "routing_lock",
        sa.Column("lock_id", sa.Integer, primary_key=True, autoincrement=False),
    )
    op.bulk_insert(sa.table("routing_lock", sa.column("lock_id", sa.Integer)), [{"lock_id": 1}])


def downgrade() -> None:
    op.drop_table("routing_lock")
    op.drop_table("case_history")
    op.drop_table("case_reviewers")
    op.drop_table("review_cases")
    op.drop_table("org_person_roles")
    op.drop_table("org_people")
    op.drop_table("org_units")
