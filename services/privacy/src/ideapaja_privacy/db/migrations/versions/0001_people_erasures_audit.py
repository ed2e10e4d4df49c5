"""People (retention), erasures and the append-only privacy audit log.

Revision ID: privacy_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "privacy_0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = "privacy_audit is append-only"


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("in_service", sa.Boolean, nullable=False),
        sa.Column("left_on", sa.String(200), nullable=True),
        sa.Column("left_on_date", sa.Date, nullable=True),
        sa.Column("hr_as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erasure_round", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_people"),
    )
    op.create_index("ix_people_left", "people", ["in_service", "left_on_date"])

    op.create_table(
        "erasures",
        sa.Column("erasure_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("erasure_round", sa.Integer, nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hr_record_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("erasure_id", name="pk_erasures"),
        sa.UniqueConstraint("person_id", "erasure_round", name="uq_erasures_person_round"),
    )
    op.create_index("ix_erasures_requested", "erasures", ["requested_at", "erasure_id"])

    op.create_table(
        "privacy_audit",
        sa.Column("seq", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_privacy_audit"),
    )
    op.create_index("ix_privacy_audit_person", "privacy_audit", ["person_id", "seq"])

    # The audit trail cannot be rewritten by a bug or a hand-run UPDATE/DELETE.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION privacy_audit_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY}';
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER privacy_audit_append_only BEFORE UPDATE OR DELETE ON privacy_audit "
            "FOR EACH ROW EXECUTE FUNCTION privacy_audit_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER privacy_audit_no_{verb.lower()} BEFORE {verb} ON privacy_audit "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER privacy_audit_append_only ON privacy_audit")
        op.execute("DROP FUNCTION privacy_audit_append_only()")
    op.drop_table("privacy_audit")
    op.drop_table("erasures")
    op.drop_table("people")
