"""The full review workflow: case rounds (forwarding), steps with deadlines and escalation,
appeals, routing rules, the change-agent network, committees and meetings, experiments,
implementation, good practices and an append-only audit log of configuration changes.

Revision ID: review_0003
Revises: review_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "review_0003"
down_revision = "review_0002"
branch_labels = None
depends_on = None

ID = 64
MESSAGE = "audit_log is append-only"



NEW_CASE_COLUMNS = (
    ("round", sa.Integer, "1"),
    ("previous_case_id", sa.String(ID), None),
    ("committee_id", sa.String(ID), None),
    ("step_seq", sa.Integer, "1"),
    ("step_entered_at", sa.DateTime(timezone=True), None),
    ("due_at", sa.DateTime(timezone=True), None),
    ("escalation_level", sa.Integer, "0"),
    ("appealed", sa.Boolean, sa.false()),
    ("outcome", sa.String(16), None),
    ("info_question", sa.Text, None),
    ("content_revision", sa.Integer, "1"),
)


def _case_columns() -> list[sa.Column]:
    """review_cases as of this revision (for rebuilding it on SQLite)."""
    return [
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
        *(
            sa.Column(name, type_, nullable=default is None, server_default=default)
            for name, type_, default in NEW_CASE_COLUMNS
        ),
    ]


def _replace_case_unique_key_on_sqlite() -> None:
    """SQLite cannot drop a table's inline UNIQUE; the table is rebuilt. Its children
    (case_history, case_reviewers) keep pointing at it by name: their keys are checked at commit
    (defer_foreign_keys), by when every case is back. The rows are inserted into the table under
    its final name, so SQLite sees each orphaned child find its parent again (a copy made under
    another name and renamed afterwards would leave SQLite counting the children as orphans)."""
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute("CREATE TABLE review_cases_pre_0003 AS SELECT * FROM review_cases")
    op.drop_index("ix_review_cases_state_opened", "review_cases")
    op.drop_index("ix_review_cases_routed_state", "review_cases")
    op.drop_table("review_cases")
    columns = _case_columns()
    op.create_table(
        "review_cases",
        *columns,
        sa.PrimaryKeyConstraint("case_id", name="pk_review_cases"),
        sa.UniqueConstraint("idea_id", "round", name="uq_review_cases_idea_round"),
    )
    names = ", ".join(c.name for c in columns)
    op.execute(f"INSERT INTO review_cases ({names}) SELECT {names} FROM review_cases_pre_0003")
    op.drop_table("review_cases_pre_0003")
    op.create_index("ix_review_cases_state_opened", "review_cases", ["state", "opened_at"])
    op.create_index("ix_review_cases_routed_state", "review_cases", ["routed", "state"])


def upgrade() -> None:
    bind = op.get_bind()
    for name, type_, default in NEW_CASE_COLUMNS:
        op.add_column(
            "review_cases",
            sa.Column(name, type_, nullable=default is None, server_default=default),
        )
    # An idea has a case per round: forwarding opens the receiving unit's case.
    if bind.dialect.name == "sqlite":
        _replace_case_unique_key_on_sqlite()
    else:
        op.drop_constraint("uq_review_cases_idea_id", "review_cases", type_="unique")
        op.create_unique_constraint(
            "uq_review_cases_idea_round", "review_cases", ["idea_id", "round"]
        )
    op.create_index("ix_review_cases_due", "review_cases", ["due_at"])
    # Cases opened before this revision: their current step started when they were opened, and
    # an open screening is due when it always was.
    op.execute("UPDATE review_cases SET step_entered_at = opened_at")
    op.execute("UPDATE review_cases SET due_at = screening_due_at WHERE state = 'screening'")
    # City cases start at the committee's level, department cases at the department's.
    op.execute("UPDATE review_cases SET escalation_level = 2 WHERE scope = 'city'")
    op.execute("UPDATE review_cases SET escalation_level = 1 WHERE scope = 'department'")

    op.add_column(
        "case_reviewers",
        sa.Column("source", sa.String(16), nullable=False, server_default="routing"),
    )
    op.add_column(
        "case_reviewers", sa.Column("added_at", sa.DateTime(timezone=True), nullable=True)
    )

    op.create_table(
        "routing_rules",
        sa.Column("department_id", sa.String(ID), nullable=False),
        sa.Column("rule", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(ID), nullable=False),
        sa.PrimaryKeyConstraint("department_id", name="pk_routing_rules"),
    )
    op.create_table(
        "assigned_reviewers",
        sa.Column("unit_id", sa.String(ID), nullable=False),
        sa.Column("person_id", sa.String(ID), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("assigned_by", sa.String(ID), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "person_id", name="pk_assigned_reviewers"),
    )
    op.create_index("ix_assigned_reviewers_person_id", "assigned_reviewers", ["person_id"])

    op.create_table(
        "committees",
        sa.Column("committee_id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("city_wide", sa.Boolean, nullable=False),
        sa.Column("quorum", sa.Integer, nullable=False),
        sa.Column("criteria", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("committee_id", name="pk_committees"),
    )
    op.create_table(
        "committee_members",
        sa.Column("committee_id", sa.String(ID), nullable=False),
        sa.Column("person_id", sa.String(ID), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("committee_id", "person_id", name="pk_committee_members"),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["committees.committee_id"],
            name="fk_committee_members_committee_id_committees",
        ),
    )
    op.create_index("ix_committee_members_person_id", "committee_members", ["person_id"])
    op.create_table(
        "meetings",
        sa.Column("meeting_id", sa.String(ID), nullable=False),
        sa.Column("committee_id", sa.String(ID), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("criteria", sa.JSON, nullable=False),
        sa.Column("quorum", sa.Integer, nullable=False),
        sa.Column("present_ids", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(ID), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(ID), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("meeting_id", name="pk_meetings"),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.committee_id"], name="fk_meetings_committee_id_committees"
        ),
    )
    op.create_index("ix_meetings_committee_id", "meetings", ["committee_id"])
    op.create_table(
        "agenda_items",
        sa.Column("meeting_id", sa.String(ID), nullable=False),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(32), nullable=True),
        sa.Column("rationale", sa.Text, nullable=True),
        sa.Column("decided_by", sa.String(ID), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("weighted_mean", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("meeting_id", "case_id", name="pk_agenda_items"),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.meeting_id"], name="fk_agenda_items_meeting_id_meetings"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["review_cases.case_id"], name="fk_agenda_items_case_id_review_cases"
        ),
    )
    op.create_index("ix_agenda_items_case_id", "agenda_items", ["case_id"])
    op.create_table(
        "meeting_conflicts",
        sa.Column("meeting_id", sa.String(ID), nullable=False),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("person_id", sa.String(ID), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(ID), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "meeting_id", "case_id", "person_id", name="pk_meeting_conflicts"
        ),
    )
    op.create_table(
        "meeting_scores",
        sa.Column("meeting_id", sa.String(ID), nullable=False),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("person_id", sa.String(ID), nullable=False),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("meeting_id", "case_id", "person_id", name="pk_meeting_scores"),
    )

    op.create_table(
        "experiments",
        sa.Column("experiment_id", sa.String(ID), nullable=False),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("idea_id", sa.String(ID), nullable=False),
        sa.Column("pilot_unit_ids", sa.JSON, nullable=False),
        sa.Column("hypothesis", sa.Text, nullable=False),
        sa.Column("measure", sa.String(200), nullable=False),
        sa.Column("baseline", sa.String(200), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_by", sa.String(ID), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("measured_value", sa.String(200), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("lesson", sa.Text, nullable=True),
        sa.Column("completed_by", sa.String(ID), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("experiment_id", name="pk_experiments"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["review_cases.case_id"], name="fk_experiments_case_id_review_cases"
        ),
    )
    op.create_index("ix_experiments_case_id", "experiments", ["case_id"])
    op.create_index("ix_experiments_idea_id", "experiments", ["idea_id"])
    op.create_table(
        "implementations",
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("idea_id", sa.String(ID), nullable=False),
        sa.Column("owner_id", sa.String(ID), nullable=False),
        sa.Column("planned_benefit", sa.Text, nullable=False),
        sa.Column("percent", sa.Integer, nullable=False),
        sa.Column("started_by", sa.String(ID), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("realised_benefit", sa.Text, nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name="pk_implementations"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["review_cases.case_id"], name="fk_implementations_case_id_review_cases"
        ),
    )
    op.create_index("ix_implementations_idea_id", "implementations", ["idea_id"])
    op.create_index("ix_implementations_owner_id", "implementations", ["owner_id"])
    op.create_table(
        "milestones",
        sa.Column("milestone_id", sa.String(ID), nullable=False),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("milestone_id", name="pk_milestones"),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["implementations.case_id"],
            name="fk_milestones_case_id_implementations",
        ),
    )
    op.create_index("ix_milestones_case_id", "milestones", ["case_id"])
    op.create_table(
        "practices",
        sa.Column("practice_id", sa.String(ID), nullable=False),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("idea_id", sa.String(ID), nullable=False),
        sa.Column("unit_id", sa.String(ID), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("published_by", sa.String(ID), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("practice_id", name="pk_practices"),
        sa.UniqueConstraint("case_id", name="uq_practices_case_id"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["review_cases.case_id"], name="fk_practices_case_id_review_cases"
        ),
    )
    op.create_index("ix_practices_idea_id", "practices", ["idea_id"])
    op.create_table(
        "practice_adoptions",
        sa.Column("practice_id", sa.String(ID), nullable=False),
        sa.Column("unit_id", sa.String(ID), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("reported_by", sa.String(ID), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("practice_id", "unit_id", name="pk_practice_adoptions"),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.practice_id"],
            name="fk_practice_adoptions_practice_id_practices",
        ),
    )

    op.create_table(
        "escalations",
        sa.Column("escalation_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("step_seq", sa.Integer, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("missed_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_reviewer_ids", sa.JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["review_cases.case_id"], name="fk_escalations_case_id_review_cases"
        ),
        sa.UniqueConstraint(
            "case_id", "step", "step_seq", "level", name="uq_escalations_case_step_level"
        ),
    )

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(ID), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("details", sa.JSON, nullable=True),
    )
    if bind.dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    for table in (
        "audit_log",
        "escalations",
        "practice_adoptions",
        "practices",
        "milestones",
        "implementations",
        "experiments",
        "meeting_scores",
        "meeting_conflicts",
        "agenda_items",
        "meetings",
        "committee_members",
        "committees",
        "assigned_reviewers",
        "routing_rules",
    ):
        op.drop_table(table)
    with op.batch_alter_table("case_reviewers") as batch:
        batch.drop_column("added_at")
        batch.drop_column("source")
    with op.batch_alter_table("review_cases") as batch:
        batch.drop_index("ix_review_cases_due")
        batch.drop_constraint("uq_review_cases_idea_round", type_="unique")
        batch.create_unique_constraint("uq_review_cases_idea_id", ["idea_id"])
        for name, _type, _default in reversed(NEW_CASE_COLUMNS):
            batch.drop_column(name)
