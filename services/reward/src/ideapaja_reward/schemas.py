"""What the HTTP API returns (documented in OpenAPI through these models): the ledger, grants,
unit activity, and the GDPR access report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class LedgerEntryPublic(BaseModel):
    entry_id: str
    idea_id: str
    idea_title: str | None = Field(description="The idea's title as submitted, if known")
    unit_id: str
    rule: str = Field(description="The incentive rule that credited the points, e.g. accepted")
    points: int
    reason: str
    occurred_at: datetime = Field(description="When the rewarded outcome happened")
    created_at: datetime = Field(description="When the ledger recorded the entry")


class LedgerPublic(BaseModel):
    person_id: str
    total_points: int = Field(description="Sum over all of the person's entries")
    entry_count: int
    entries: list[LedgerEntryPublic] = Field(description="The newest entries first, up to `limit`")


class GrantPublic(BaseModel):
    grant_id: str
    idea_id: str
    person_id: str
    kind: str = Field(description="points, money, gift or recognition")
    amount: Decimal = Field(description="Money amount; 0.00 for points")
    currency: str | None
    points: int
    reason: str
    granted_at: datetime


class GrantsPage(BaseModel):
    grants: list[GrantPublic] = Field(description="Oldest first")
    has_more: bool = Field(description="More grants follow; ask again with since=next_since")
    next_since: datetime | None = Field(
        description="The last grant's time. `since` is inclusive, so the next page repeats the "
        "grants of that instant: deduplicate by grant_id."
    )


class UnitActivityPublic(BaseModel):
    unit_id: str
    ideas_submitted: int
    ideas_accepted: int
    ideas_implemented: int
    points_awarded: int = Field(description="Points credited for the unit's ideas")
    people_rewarded: int = Field(description="Distinct people credited for the unit's ideas")


# --- The GDPR access report (what is held on one person) -----------------------------------


class LedgerEntryData(BaseModel):
    entry_id: str
    idea_id: str
    unit_id: str
    rule: str
    points: int
    reason: str
    occurred_at: datetime
    created_at: datetime


class GrantData(BaseModel):
    grant_id: str
    idea_id: str
    origin: str
    kind: str
    amount: Decimal
    currency: str | None
    points: int
    reason: str
    granted_at: datetime


class AuthoredIdeaData(BaseModel):
    idea_id: str
    title: str
    unit_id: str
    anonymous: bool
    submitted_at: datetime
    accepted_at: datetime | None
    implemented_at: datetime | None


class PersonData(BaseModel):
    """Everything the reward service holds on one person."""

    person_id: str
    total_points: int
    ledger: list[LedgerEntryData] = Field(description="Every points entry, oldest first")
    grants: list[GrantData] = Field(description="Every reward granted (as sent to payroll)")
    ideas_authored: list[AuthoredIdeaData] = Field(
        description="Ideas rewarded here with them as an author"
    )
