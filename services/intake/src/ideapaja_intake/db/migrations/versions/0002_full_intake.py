"""Full intake: idea details, drafts, versions, supports, comments, attachments, people,
idempotency keys, rate-limit counters; full-text and similarity indexes on PostgreSQL.

Only additions: new tables, and new columns that are nullable or have a server default, so
SQLite needs no table rebuild (a rebuild drops the table, which with foreign keys on would
cascade into idea_authors and the history).

Revision ID: intake_0002
Revises: intake_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0002"
down_revision = "intake_0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

# The idea's own language decides the Snowball configuration of its title and text; the stems
# of domain/search.py are added under 'simple' (they also find Swedish definite forms in -et,
# which the Swedish stemmer keeps whole).
SEARCH_VECTOR = """
    setweight(to_tsvector(
        CASE language WHEN 'sv' THEN 'swedish'::regconfig
                      WHEN 'en' THEN 'english'::regconfig
                      ELSE 'finnish'::regconfig END,
        coalesce(title, '')), 'A')
    || setweight(to_tsvector(
        CASE language WHEN 'sv' THEN 'swedish'::regconfig
                      WHEN 'en' THEN 'english'::regconfig
                      ELSE 'finnish'::regconfig END,
        coalesce(problem, '') || ' ' || coalesce(solution, '') || ' ' || coalesce(benefit, '')),
        'B')
    || to_tsvector('simple'::regconfig, coalesce(search_terms, ''))
"""


def upgrade() -> None:
    op.add_column("ideas", sa.Column("category", sa.String(40), nullable=True))
    op.add_column(
        "ideas", sa.Column("benefit_kinds", sa.JSON, nullable=False, server_default="[]")
    )
    op.add_column("ideas", sa.Column("team_unit_id", sa.String(64), nullable=True))
    op.add_column(
        "ideas", sa.Column("external", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.add_column("ideas", sa.Column("search_terms", sa.Text, nullable=False, server_default=""))
    op.add_column(
        "ideas", sa.Column("support_count", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column(
        "ideas", sa.Column("comment_count", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column("ideas", sa.Column("last_edited_at", TZ, nullable=True))
    op.create_index("ix_ideas_category", "ideas", ["category"])

    op.add_column("idea_authors", sa.Column("invited_by", sa.String(64), nullable=True))
    op.add_column("idea_status_history", sa.Column("kind", sa.String(40), nullable=True))
    op.add_column("idea_status_history", sa.Column("note", sa.Text, nullable=True))

    op.create_table(
        "idea_drafts",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_idea_drafts"),
    )
    op.create_index("ix_idea_drafts_owner_id", "idea_drafts", ["owner_id"])

    op.create_table(
        "idea_versions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("problem", sa.Text, nullable=False),
        sa.Column("solution", sa.Text, nullable=False),
        sa.Column("benefit", sa.Text, nullable=False),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("benefit_kinds", sa.JSON, nullable=False),
        sa.Column("edited_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_idea_versions"),
        sa.UniqueConstraint("idea_id", "revision", name="uq_idea_versions_revision"),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name="fk_idea_versions_idea_id_ideas", ondelete="CASCADE"
        ),
    )
    # Ideas submitted before versions existed: their current text is their first version.
    op.execute(
        """
        INSERT INTO idea_versions (idea_id, revision, title, problem, solution, benefit,
                                   category, benefit_kinds, edited_by, reason, created_at)
        SELECT i.id, i.revision, i.title, i.problem, i.solution, i.benefit, NULL, '[]',
               (SELECT a.person_id FROM idea_authors a
                 WHERE a.idea_id = i.id AND a.kind = 'submitter'),
               'submitted', coalesce(i.submitted_at, i.created_at)
          FROM ideas i
        """
    )

    op.create_table(
        "idea_supports",
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("supported_at", TZ, nullable=False),
        sa.Column("moved_from", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("idea_id", "person_id", name="pk_idea_supports"),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name="fk_idea_supports_idea_id_ideas", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "idea_comments",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("commenter_id", sa.String(64), nullable=False),
        sa.Column("shown_as", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("hidden_at", TZ, nullable=True),
        sa.Column("hidden_by", sa.String(64), nullable=True),
        sa.Column("hidden_reason", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_idea_comments"),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name="fk_idea_comments_idea_id_ideas", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_idea_comments_idea_id", "idea_comments", ["idea_id"])
    op.create_table(
        "idea_attachments",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("idea_id", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", TZ, nullable=False),
        sa.Column("scan_status", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_idea_attachments"),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name="fk_idea_attachments_idea_id_ideas",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_idea_attachments_idea_id", "idea_attachments", ["idea_id"])
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("hr_event_time", TZ, nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_people"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("caller", sa.String(100), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("caller", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_table(
        "submission_counters",
        sa.Column("person_id", sa.String(100), nullable=False),
        sa.Column("window_start", TZ, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("person_id", "window_start", name="pk_submission_counters"),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE ideas ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({SEARCH_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_ideas_search_vector ON ideas USING gin (search_vector)")
        _trigram_index()


def _trigram_index() -> None:
    """Similar titles through pg_trgm where the database allows the extension (it is trusted
    since PostgreSQL 13: a database owner may create it); otherwise the service ranks similar
    ideas in Python only (store.py checks which)."""
    bind = op.get_bind()
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return
    savepoint.commit()
    op.execute("CREATE INDEX ix_ideas_title_trgm ON ideas USING gin (title gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_ideas_title_trgm")
        op.execute("DROP INDEX IF EXISTS ix_ideas_search_vector")
        op.execute("ALTER TABLE ideas DROP COLUMN IF EXISTS search_vector")
    for table in (
        "submission_counters",
        "idempotency_keys",
        "people",
        "idea_attachments",
        "idea_comments",
        "idea_supports",
        "idea_versions",
        "idea_drafts",
    ):
        op.drop_table(table)
    op.drop_column("idea_status_history", "note")
    op.drop_column("idea_status_history", "kind")
    op.drop_column("idea_authors", "invited_by")
    op.drop_index("ix_ideas_category", "ideas")
    for column in (
        "last_edited_at",
        "comment_count",
        "support_count",
        "search_terms",
        "external",
        "team_unit_id",
        "benefit_kinds",
        "category",
    ):
        op.drop_column("ideas", column)
