"""What the HTTP API returns (documented in OpenAPI through these models): the ledger, grants,
unit activity, and the GDPR access report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_reward.db.models import LedgerEntry, RewardGrant, RewardIdea
from ideapaja_reward.domain import amount_from_cents
from ideapaja_runtime.pagination import Page


class LedgerEntryData(BaseModel):
    """Points credited to a person in the append-only ledger."""

    id: str = Field(description="The entry's id (`pe-` and a hash of idea, person and rule)")
    idea_id: str = Field(description="The idea the points were credited for")
    unit_id: str = Field(description="The idea's organisational unit")
    rule: str = Field(description="The incentive rule that credited the points, e.g. accepted")
    points: int = Field(description="Points credited (a later correction may be negative)")
    reason: str = Field(description="Why, in words, e.g. 'Idea accepted'")
    occurred_at: datetime = Field(description="When the rewarded outcome happened")
    created_at: datetime = Field(description="When the ledger recorded the entry")

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerEntryData:
        return cls(
            id=entry.entry_id,
            idea_id=entry.idea_id,
            unit_id=entry.unit_id,
            rule=entry.rule,
            points=entry.points,
            reason=entry.reason,
            occurred_at=entry.occurred_at,
            created_at=entry.created_at,
        )


class LedgerEntryPublic(LedgerEntryData):
    idea_title: str | None = Field(description="The idea's title as submitted, if known")


class LedgerPublic(Page[LedgerEntryPublic]):
    """A person's points: the total, and their ledger entries a page at a time, newest first."""

    id: str = Field(description="The person whose ledger this is (their person id)")
    total_points: int = Field(description="Sum over all of the person's entries, on every page")


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
    points_awarded: int = Field(description="Points credited for the unit's ideas")
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
