"""The reward service's own tables.

``points_ledger`` is append-only: an entry is never updated or deleted; a correction, a committee
award or a spent balance is another entry. Each entry names its source (``source_key``, unique)
and the rule version that computed it. ``reward_rule_versions`` keeps every version of the
incentive rules with who changed them, when and why. ``reward_grants`` is every reward a person has
received, of any kind (points now; money, gifts and recognition from committee awards later) —
what HR/payroll reconciles against the RewardGranted events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ideapaja_runtime.clock import UtcDateTime
from ideapaja_runtime.db import service_metadata

ID = 64
SHORT_TEXT = 200
LONG_TEXT = 500
SOURCE_KEY = 300


class RewardBase(DeclarativeBase):
    """The reward service's own tables (see ``service_metadata`` for why not a shared base)."""

    metadata = service_metadata()


class RewardIdea(RewardBase):
    """What the reward service knows of an idea, projected from IdeaSubmitted and its outcomes."""

    __tablename__ = "reward_ideas"

    idea_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    title: Mapped[str] = mapped_column(String(SHORT_TEXT))
    unit_id: Mapped[str] = mapped_column(String(ID), index=True)
    # Rewards still go to anonymous authors; only their visibility to others is restricted.
    author_ids: Mapped[list[str]] = mapped_column(JSON)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    experiment_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    experiment_scaled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    implemented_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Someone else's comment no author has answered yet (the next author's comment answers it).
    unanswered_comment_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)


class RuleVersion(RewardBase):
    """One version of the incentive rules; versions are only ever added."""

    __tablename__ = "reward_rule_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # The RuleSet as JSON (domain.rules), validated before it is stored.
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The admin's person id, or "settings" for the version seeded from the environment.
    created_by: Mapped[str] = mapped_column(String(ID))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(String(LONG_TEXT))


class LedgerEntry(RewardBase):
    """Points credited to one person, or to a unit (``person_id`` null). The unique source key
    makes a rule fire once per source however often its event arrives."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_points_ledger_source_key"),
        Index("ix_points_ledger_person_created", "person_id", "created_at"),
        Index("ix_points_ledger_person_occurred", "person_id", "occurred_at"),
        Index("ix_points_ledger_idea_person_rule", "idea_id", "person_id", "rule"),
    )

    entry_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    # What earned it (domain.ids.source_key): idea|holder|rule[|detail], or correction|<id>.
    source_key: Mapped[str] = mapped_column(String(SOURCE_KEY))
    idea_id: Mapped[str] = mapped_column(String(ID))
    # Null for a unit's own points (the unit is unit_id).
    person_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    unit_id: Mapped[str] = mapped_column(String(ID), index=True)
    # An incentive rule ("accepted"), "correction"; later committee awards use "award:<id>".
    rule: Mapped[str] = mapped_column(String(SHORT_TEXT))
    # The rule set version that computed the points; null for corrections and for entries
    # from before rules were versioned.
    rule_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Signed, so a correction is a negative entry instead of an edit.
    points: Mapped[int] = mapped_column(Integer)
    # The rule's points before a cap cut them (points then says what was credited); null: no cap.
    capped_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(String(SHORT_TEXT))
    # A correction's reason as HR gave it, and who made it, and the entry it corrects.
    note: Mapped[str | None] = mapped_column(String(LONG_TEXT), nullable=True)
    actor_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    corrects_entry_id: Mapped[str | None] = mapped_column(String(ID), nullable=True, index=True)
    # The CloudEvents id of the event that caused the entry (audit trail); for a correction,
    # its own entry id.
    cause_event_id: Mapped[str] = mapped_column(String(ID))
    # When the outcome happened (the cause's ce-time) and when the ledger recorded it.
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RewardGrant(RewardBase):
    """A reward granted to a person, as announced to HR/payroll in RewardGranted."""

    __tablename__ = "reward_grants"
    __table_args__ = (
        # One grant per ledger entry (whose source key is unique): never two for one cause.
        UniqueConstraint("ledger_entry_id", name="uq_reward_grants_ledger_entry_id"),
        Index("ix_reward_grants_granted", "granted_at", "grant_id"),
    )

    grant_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    idea_id: Mapped[str] = mapped_column(String(ID))
    person_id: Mapped[str] = mapped_column(String(ID), index=True)
    # What caused it: "rule:<rule>" for incentive rules, later "award:<award_id>".
    origin: Mapped[str] = mapped_column(String(SHORT_TEXT))
    kind: Mapped[str] = mapped_column(String(20))
    # Money in cents: exact on SQLite and PostgreSQL alike; 0 for points.
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(SHORT_TEXT))
    ledger_entry_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    cause_event_id: Mapped[str] = mapped_column(String(ID))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())
