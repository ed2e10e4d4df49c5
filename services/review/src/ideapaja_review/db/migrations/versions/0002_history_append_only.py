"""Make case_history append-only in the database itself: the audit trail of reviewers'
decisions cannot be rewritten by a bug or a hand-run UPDATE.

Revision ID: review_0002
Revises: review_0001
"""

from alembic import op

revision = "review_0002"
down_revision = "review_0001"
branch_labels = None
depends_on = None

MESSAGE = "case_history is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION case_history_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER case_history_append_only BEFORE UPDATE OR DELETE ON case_history "
            "FOR EACH ROW EXECUTE FUNCTION case_history_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER case_history_no_{verb.lower()} BEFORE {verb} ON case_history "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_history_append_only ON case_history")
        op.execute("DROP FUNCTION case_history_append_only()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER case_history_no_{verb}")
