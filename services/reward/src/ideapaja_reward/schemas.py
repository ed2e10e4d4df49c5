"""What the HTTP API returns (documented in OpenAPI through these models): the ledger, grants,
unit activity, and the GDPR access report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ideapaja_contracts.base import Id
from ideapaja_reward.db.models import LedgerEntry, RewardGrant, RewardIdea
from ideapaja_reward.domain import RuleSet, amount_from_cents
from ideapaja_reward.domain.rules import MAX_POINTS_PER_RULE
from ideapaja_runtime.pagination import Page


class LedgerEntryData(BaseModel):
    """Points credited to a person in the append-only ledger."""

    id: str = Field(
        description="The entry's id (`pe-` and a hash of its source: idea, who, rule and, for "
        "rules paid per event, what earned it; `pc-` and a random part for a correction)"
    )
    idea_id: str = Field(description="The idea the points were credited for")
    unit_id: str = Field(description="The idea's organisational unit")
    rule: str = Field(
        description="The incentive rule that credited the points (e.g. accepted, "
        "support_received), or correction"
    )
    rule_version: int | None = Field(
        description="The incentive rules' version that computed the points; null for a "
        "correction and for entries from before rules were versioned"
    )
    points: int = Field(description="Points credited (a correction may be negative)")
    capped_from: int | None = Field(
        description="The rule's points before a cap cut them to `points`; null when no cap applied"
    )
    reason: str = Field(description="Why, in words, e.g. 'Idea accepted'")
    note: str | None = Field(description="A correction's reason, as HR or the admin gave it")
    actor_id: str | None = Field(description="Who made a correction; null for the rules' entries")
    corrects_entry_id: str | None = Field(description="The entry a correction compensates")
    occurred_at: datetime = Field(description="When the rewarded outcome (or correction) happened")
    created_at: datetime = Field(description="When the ledger recorded the entry")

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerEntryData:
        return cls(
            id=entry.entry_id,
            idea_id=entry.idea_id,
            unit_id=entry.unit_id,
            rule=entry.rule,
            rule_version=entry.rule_version,
            points=entry.points,
            capped_from=entry.capped_from,
            reason=entry.reason,
            note=entry.note,
            actor_id=entry.actor_id,
            corrects_entry_id=entry.corrects_entry_id,
            occurred_at=entry.occurred_at,
            created_at=entry.created_at,
        )


class LedgerEntryPublic(LedgerEntryData):
    idea_title: str | None = Field(description="The idea's title as submitted, if known")


class LedgerPublic(Page[LedgerEntryPublic]):
    """A person's points: the total, and their ledger entries a page at a time, newest first."""

    id: str = Field(description="The person whose ledger this is (their person id)")
    total_points: int = Field(description="Sum over all of the person's entries, on every page")


def _given(text: str, missing: str) -> str:
    """``text`` without surrounding blanks; blank text is refused with ``missing``."""
    if not text.strip():
        raise ValueError(missing)
    return text.strip()


class UnitLedgerPublic(Page[LedgerEntryPublic]):
    """A unit's own points (a practice it spread, adopted by other units): the total, and its
    entries a page at a time, newest first. Its people's points are in their own ledgers."""

    id: str = Field(description="The unit whose ledger this is (its unit id)")
    total_points: int = Field(description="Sum over all of the unit's own entries, on every page")


class CorrectionCreate(BaseModel):
    """A compensating ledger entry: the ledger is never edited, a mistake is corrected by
    another entry with its reason and who made it."""

    model_config = ConfigDict(extra="forbid")

    person_id: Id = Field(description="Whose points are corrected", examples=["p-does-not-exist"])
    points: int = Field(
        ge=-MAX_POINTS_PER_RULE,
        le=MAX_POINTS_PER_RULE,
        description="Points to add (positive) or take back (negative); never 0",
        examples=[-50],
    )
    reason: str = Field(
        min_length=1, max_length=500, description="Why, as the person will read it in their ledger"
    )
    entry_id: Id | None = Field(
        default=None,
        description="The ledger entry this corrects (the person's own); a correction takes "
        "back at most what the entry still credits",
    )
    idea_id: Id | None = Field(
        default=None,
        description="The idea the correction is about, when it corrects no one entry (the "
        "person must be one of its authors); taken from the entry when `entry_id` is given",
    )

    @field_validator("points")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("a correction of 0 points changes nothing")
        return value

    @field_validator("reason")
    @classmethod
    def _reason_given(cls, value: str) -> str:
        return _given(value, "say why the points are corrected")


class RuleVersionPublic(BaseModel):
    """One version of the incentive rules, with who put it in force, when and why."""

    model_config = ConfigDict(from_attributes=True)

    version: int = Field(description="The version number (1 is the settings' rules)")
    rules: RuleSet = Field(description="The rule set")
    created_by: str = Field(
        description="The admin's person id; `settings` for the version seeded from the service's "
        "settings"
    )
    created_at: datetime = Field(description="When it was put in force")
    reason: str = Field(description="Why it was changed, as the admin gave it")


class RuleVersionCreate(BaseModel):
    """A new version of the incentive rules, in force from now on (past entries keep theirs)."""

    model_config = ConfigDict(extra="forbid")

    rules: RuleSet = Field(description="The whole rule set (not a change to the current one)")
    reason: str = Field(min_length=1, max_length=500, description="Why the rules change")
    based_on: int | None = Field(
        default=None,
        ge=1,
        description="The version the change was made on (optional): if another version was "
        "put in force since, the change is refused with a 409 instead of overwriting it",
        examples=[3],
    )

    @field_validator("reason")
    @classmethod
    def _reason_given(cls, value: str) -> str:
        return _given(value, "say why the rules change")


class GrantData(BaseModel):
    """A reward granted to a person, as announced to HR/payroll in `RewardGranted`."""

    id: str = Field(description="The grant's id (`g-` and a hash of idea, person and rule)")
    idea_id: str = Field(description="The idea the reward is for")
    origin: str = Field(description="What granted it: `rule:<incentive rule>`, e.g. rule:accepted")
    kind: str = Field(description="points, money, gift, day_off or recognition")
    amount: Decimal = Field(description="Money amount; 0.00 for points")
    currency: str | None = Field(description="ISO 4217 code of a money amount; null for points")
    points: int = Field(description="Points granted; 0 for other kinds")
    reason: str = Field(description="Why, in words, e.g. 'Idea accepted'")
    granted_at: datetime = Field(description="When the reward was granted")

    @classmethod
    def of(cls, grant: RewardGrant) -> Self:
        fields = {
            "id": grant.grant_id,
            "idea_id": grant.idea_id,
            "person_id": grant.person_id,  # ignored where the model has no such field
            "origin": grant.origin,
            "kind": grant.kind,
            "amount": amount_from_cents(grant.amount_cents),
            "currency": grant.currency,
            "points": grant.points,
            "reason": grant.reason,
            "granted_at": grant.granted_at,
        }
        return cls.model_validate(fields)


class GrantPublic(GrantData):
    person_id: str = Field(description="Who received it")


class UnitActivityPublic(BaseModel):
    unit_id: str = Field(description="The organisational unit")
    ideas_submitted: int = Field(description="Ideas submitted in the unit")
    ideas_accepted: int = Field(description="Of those, ideas accepted")
    ideas_implemented: int = Field(description="Of those, ideas implemented")
    points_awarded: int = Field(
        description="Points credited for the unit's ideas: to its people and to the unit itself"
    )
    people_rewarded: int = Field(description="Distinct people credited for the unit's ideas")


# --- The GDPR access report (what is held on one person) -----------------------------------


class AuthoredIdeaData(BaseModel):
    id: str = Field(description="The idea's id")
    title: str = Field(description="The idea's title as submitted")
    unit_id: str = Field(description="The idea's organisational unit")
    anonymous: bool = Field(description="Whether its authors are hidden from others")
    submitted_at: datetime = Field(description="When it was submitted")
    accepted_at: datetime | None = Field(description="When it was accepted; null if not (yet)")
    implemented_at: datetime | None = Field(
        description="When it was implemented; null if not (yet)"
    )

    @classmethod
    def of(cls, idea: RewardIdea) -> AuthoredIdeaData:
        return cls(
            id=idea.idea_id,
            title=idea.title,
            unit_id=idea.unit_id,
            anonymous=idea.anonymous,
            submitted_at=idea.submitted_at,
            accepted_at=idea.accepted_at,
            implemented_at=idea.implemented_at,
        )


class MembershipData(BaseModel):
    """A span of time the person belonged to a unit, as HR said (counted in headcounts)."""

    model_config = ConfigDict(from_attributes=True)

    unit_id: str = Field(description="The organisational unit")
    since: datetime = Field(description="From when (the HR event's time)")
    until: datetime | None = Field(description="Until when; null while still in the unit")


class PersonData(BaseModel):
    """Everything the reward service holds on one person."""

    id: str = Field(description="The person's id")
    total_points: int = Field(description="Sum over all of the person's ledger entries")
    ledger: list[LedgerEntryData] = Field(description="Every points entry, oldest first")
    grants: list[GrantData] = Field(description="Every reward granted (as sent to payroll)")
    ideas_authored: list[AuthoredIdeaData] = Field(
        description="Ideas rewarded here with them as an author"
    )
    unit_memberships: list[MembershipData] = Field(
        default_factory=list,
        description="Which unit HR placed them in when, oldest first (for units' headcounts)",
    )
