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
    # What payroll books it under (awards fill these when granted; null on older grants).
    unit_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    department_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    taxable: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    days: Mapped[int | None] = mapped_column(Integer, nullable=True)


# --- The organisation, from HR's events ---------------------------------------------------------
# HR publishes one subject per record and a NAK'd event can be overtaken by a newer one for the
# same record, so every record keeps the HR event time it reflects and older events change nothing.


class OrgUnitRow(RewardBase):
    """A unit or department as HR last described it (UnitUpserted): the hierarchy unit activity
    rolls up through and department budgets are kept by."""

    __tablename__ = "reward_org_units"

    unit_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    name_fi: Mapped[str] = mapped_column(String(SHORT_TEXT))
    name_sv: Mapped[str] = mapped_column(String(SHORT_TEXT), default="")
    name_en: Mapped[str] = mapped_column(String(SHORT_TEXT), default="")
    as_of: Mapped[datetime] = mapped_column(UtcDateTime())


class OrgPersonRow(RewardBase):
    """A person's current unit and whether they are in the city's service: no name, no contact
    data (the reward service needs only whom to count where)."""

    __tablename__ = "reward_org_people"

    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    # Unknown when PersonLeft is the first we hear of someone.
    unit_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime())


class OrgMembershipRow(RewardBase):
    """A span of time a person belonged to a unit, so a unit's headcount can be read for any
    past period (per-100-employees figures of last year use last year's headcount)."""

    __tablename__ = "reward_org_memberships"
    __table_args__ = (Index("ix_reward_org_memberships_unit_span", "unit_id", "since", "until"),)

    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    since: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(ID))
    # Open (null) while the person is still in the unit.
    until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


# --- Committee and supervisor awards ----------------------------------------------------------


class AwardRow(RewardBase):
    """A proposed award and where its approval chain stands (``domain/awards.py``)."""

    __tablename__ = "reward_awards"
    __table_args__ = (
        Index("ix_reward_awards_proposed", "proposed_at", "award_id"),
        Index("ix_reward_awards_status", "status", "proposed_at"),
    )

    award_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    idea_id: Mapped[str] = mapped_column(String(ID), index=True)
    # The idea's unit (cost centre) and its department when proposed (the budget it uses).
    unit_id: Mapped[str] = mapped_column(String(ID))
    department_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    budget_year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recipient_ids: Mapped[list[str]] = mapped_column(JSON)
    justification: Mapped[str] = mapped_column(String(SHORT_TEXT))
    proposed_by: Mapped[str] = mapped_column(String(ID))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The roles that approve it, lowest first, fixed when proposed.
    approval_roles: Mapped[list[str]] = mapped_column(JSON)
    # How many steps are approved; approving step n+1 updates it only from n (concurrent
    # approvals of one step: one wins, the other finds it moved on).
    approved_steps: Mapped[int] = mapped_column(Integer, default=0)
    # The role the waiting step needs (null once decided): "awaiting me" reads it.
    next_role: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AwardStepRow(RewardBase):
    """One decision in an award's approval trail: who approved or rejected which step, why."""

    __tablename__ = "reward_award_steps"

    award_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    # 1-based; the key makes a step decided once, whatever races.
    step: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(ID))
    reason: Mapped[str | None] = mapped_column(String(SHORT_TEXT), nullable=True)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BudgetRow(RewardBase):
    """A department's award budget for a year, and how much pending and approved awards hold
    (``committed_cents`` moves only by conditional updates, so two proposals never overrun it)."""

    __tablename__ = "reward_budgets"

    department_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    committed_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    updated_by: Mapped[str] = mapped_column(String(ID))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --- Activity reads (migrations reward_0005, reward_0006) ----------------------------------------
# Each activity figure is a range query over a period: these serve them, covering (the unit, the
# points), so a count or a sum never visits the rows.
Index("ix_reward_ideas_submitted_unit", RewardIdea.submitted_at, RewardIdea.unit_id)
Index("ix_reward_ideas_accepted_unit", RewardIdea.accepted_at, RewardIdea.unit_id)
Index("ix_reward_ideas_implemented_unit", RewardIdea.implemented_at, RewardIdea.unit_id)
Index(
    "ix_points_ledger_occurred_unit_points",
    LedgerEntry.occurred_at,
    LedgerEntry.unit_id,
    LedgerEntry.points,
)

REASON = 1000


class AwardRoundRow(RewardBase):
    """A periodic award round (idea of the month or year, unit of the year), open for
    nominations and votes until the committee's decision closes it."""

    __tablename__ = "reward_award_rounds"
    __table_args__ = (
        UniqueConstraint("kind", "period", name="uq_reward_award_rounds_kind_period"),
        Index("ix_reward_award_rounds_opened", "opened_at", "round_id"),
    )

    round_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    # "2026-11" for a month, "2026" for a year.
    period: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    opened_by: Mapped[str] = mapped_column(String(ID))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The winning idea's or unit's id, once decided.
    winner_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Points granted to each author of the winning idea (0 for a unit, or when set so).
    points: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(REASON), default="")


class AwardNominationRow(RewardBase):
    """Someone's nomination of an idea (or unit) in a round: once per person and candidate."""

    __tablename__ = "reward_award_nominations"

    round_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    nominated_by: Mapped[str] = mapped_column(String(ID), primary_key=True)
    reason: Mapped[str] = mapped_column(String(REASON))
    nominated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AwardVoteRow(RewardBase):
    """A committee member's one vote in a round, changeable until the round is decided."""

    __tablename__ = "reward_award_votes"

    round_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    voter_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(String(ID))
    voted_at: Mapped[datetime] = mapped_column(UtcDateTime())
