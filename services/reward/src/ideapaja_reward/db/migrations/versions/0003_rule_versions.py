"""Incentive rules as data: every version of the rule set, and a ledger that names each entry's
source and rule version, holds units' points and HR's corrections.

- ``reward_rule_versions``: created empty; the service seeds version 1 from its settings on
  first use.
- ``points_ledger``: ``source_key`` (unique; the old entries get ``idea|person|rule``, the key
  their ids were already derived from) replaces the unique (idea, person, rule), since rules paid
  per event (supports, answers, adoptions) fire more than once per idea and person; a nullable
  ``person_id`` for a unit's own points; ``rule_version`` (null for the entries from before:
  which settings computed them is not known), ``capped_from``, and a correction's ``note``,
  ``actor_id`` and ``corrects_entry_id``.
- ``reward_grants``: one grant per ledger entry replaces the unique (idea, person, origin).
- ``reward_ideas``: when an experiment started and was scaled, and the comment awaiting an
  author's answer.

Revision ID: reward_0003
Revises: reward_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "reward_0003"
down_revision = "reward_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reward_rule_versions",
        sa.Column("version", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_reward_rule_versions"),
    )

    with op.batch_alter_table("points_ledger") as batch:
        batch.add_column(sa.Column("source_key", sa.String(300), nullable=True))
        batch.add_column(sa.Column("rule_version", sa.Integer, nullable=True))
        batch.add_column(sa.Column("capped_from", sa.Integer, nullable=True))
        batch.add_column(sa.Column("note", sa.String(500), nullable=True))
        batch.add_column(sa.Column("actor_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("corrects_entry_id", sa.String(64), nullable=True))
    op.execute(
        "UPDATE points_ledger SET source_key = idea_id || '|' || person_id || '|' || rule"
    )
    with op.batch_alter_table("points_ledger") as batch:
        batch.drop_constraint("uq_points_ledger_idea_person_rule", type_="unique")
        batch.alter_column("source_key", existing_type=sa.String(300), nullable=False)
        batch.alter_column("person_id", existing_type=sa.String(64), nullable=True)
        batch.create_unique_constraint("uq_points_ledger_source_key", ["source_key"])
        batch.create_index("ix_points_ledger_person_occurred", ["person_id", "occurred_at"])
        batch.create_index("ix_points_ledger_idea_person_rule", ["idea_id", "person_id", "rule"])
        batch.create_index("ix_points_ledger_corrects_entry_id", ["corrects_entry_id"])

    with op.batch_alter_table("reward_grants") as batch:
        batch.drop_constraint("uq_reward_grants_idea_person_origin", type_="unique")
        batch.create_unique_constraint("uq_reward_grants_ledger_entry_id", ["ledger_entry_id"])

    with op.batch_alter_table("reward_ideas") as batch:
        batch.add_column(sa.Column("experiment_started_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("experiment_scaled_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("unanswered_comment_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reward_ideas") as batch:
        batch.drop_column("unanswered_comment_id")
        batch.drop_column("experiment_scaled_at")
        batch.drop_column("experiment_started_at")
    with op.batch_alter_table("reward_grants") as batch:
        batch.drop_constraint("uq_reward_grants_ledger_entry_id", type_="unique")
        batch.create_unique_constraint(
            "uq_reward_grants_idea_person_origin", ["idea_id", "person_id", "origin"]
        )
    # Fails (and changes nothing) once the ledger holds units' entries or several entries of a
    # rule paid per event: those cannot go back under the old keys, and are not deleted.
    with op.batch_alter_table("points_ledger") as batch:
        batch.drop_index("ix_points_ledger_corrects_entry_id")
        batch.drop_index("ix_points_ledger_idea_person_rule")
        batch.drop_index("ix_points_ledger_person_occurred")
        batch.drop_constraint("uq_points_ledger_source_key", type_="unique")
        batch.alter_column("person_id", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint(
            "uq_points_ledger_idea_person_rule", ["idea_id", "person_id", "rule"]
        )
        for column in (
            "corrects_entry_id",
            "actor_id",
            "note",
            "capped_from",
            "rule_version",
            "source_key",
        ):
            batch.drop_column(column)
    op.drop_table("reward_rule_versions")
