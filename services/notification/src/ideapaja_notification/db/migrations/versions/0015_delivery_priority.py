"""Delivery priority: the senders take due mail most urgent first, so a decision does not wait
behind a flood of queued notices or a city-wide digest (domain.deliveries.Priority).

Revision ID: notification_0015
Revises: notification_0014
"""

import sqlalchemy as sa
from alembic import op

revision = "notification_0015"
down_revision = "notification_0014"
branch_labels = None
depends_on = None

# As of this revision (domain.kinds.PROMPT_KINDS; digests are the bulk).
_PROMPT = (
    "idea_accepted",
    "idea_rejected",
    "idea_needs_info",
    "idea_duplicate",
    "idea_forwarded",
    "case_escalated",
    "case_deadline_near",
    "award_awaiting_approval",
    "info_provided",
    "meeting_scheduled",
    "scoring_opened",
)
_DIGEST_EVENT_TYPE = "ideapaja.notification.digest"


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="1")
        )
        batch.drop_index("ix_deliveries_status_due")
        batch.create_index(
            "ix_deliveries_claim_order", ["status", "priority", "next_attempt_at"]
        )
    # What is still queued is sent in the new order too.
    deliveries = sa.table(
        "deliveries",
        sa.column("status", sa.String),
        sa.column("template", sa.String),
        sa.column("cause_event_type", sa.String),
        sa.column("priority", sa.SmallInteger),
    )
    pending = deliveries.c.status == "pending"
    op.execute(
        deliveries.update()
        .where(pending, deliveries.c.template.in_(_PROMPT))
        .values(priority=0)
    )
    op.execute(
        deliveries.update()
        .where(pending, deliveries.c.cause_event_type == _DIGEST_EVENT_TYPE)
        .values(priority=2)
    )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_claim_order")
        batch.create_index("ix_deliveries_status_due", ["status", "next_attempt_at"])
        batch.drop_column("priority")
