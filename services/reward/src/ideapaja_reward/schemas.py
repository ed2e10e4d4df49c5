"""What the HTTP API returns (documented in OpenAPI through these models)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class LedgerEntryOut(BaseModel):
    entry_id: str
    idea_id: str
    idea_title: str | None = Field(description="The idea's title as submitted, if known")
    unit_id: str
    rule: str = Field(description="The incentive rule that credited the points, e.g. accepted")
    points: int
    reason: str
    occurred_at: datetime = Field(description="When the rewarded outcome happened")
    created_at: datetime = Field(description="When the ledger recorded the entry")


class LedgerOut(BaseModel):
    person_id: str
    total_points: int = Field(description="Sum over all of the person's entries")
    entry_count: int
    entries: list[LedgerEntryOut] = Field(description="The newest entries first, up to `limit`")


class GrantOut(BaseModel):
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
    grants: list[GrantOut] = Field(description="Oldest first")
    has_more: bool = Field(description="More grants follow; ask again with since=next_since")
    next_since: datetime | None = Field(
        description="The last grant's time. `since` is inclusive, so the next page repeats the "
        "grants of that instant: deduplicate by grant_id."
    )


class UnitActivityOut(BaseModel):
    unit_id: str
    ideas_submitted: int
    ideas_accepted: int
    ideas_implemented: int
    points_awarded: int = Field(description="Points credited for the unit's ideas")
    people_rewarded: int = Field(description="Distinct people credited for the unit's ideas")
