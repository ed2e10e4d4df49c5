"""GDPR: what the reward service holds on a person, and what erasing them means here.

The reward service holds no personal data beyond opaque person ids: the points ledger and the
grants HR/payroll reconciles against (payroll records have a legal retention period, so they are
kept), and the author ids of the ideas it rewards. There is nothing to blank: ``ErasureRequested``
is acknowledged (recorded in the inbox, so the erasure is known to have reached this service) and
nothing more is stored about the person.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_reward.db.models import LedgerEntry, RewardGrant, RewardIdea
from ideapaja_reward.domain import amount_from_cents
from ideapaja_reward.queries import utc
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext

log = get_logger(__name__)


async def on_erasure_requested(event: ErasureRequested, ctx: HandlerContext) -> None:
    entries = await ctx.session.scalar(
        select(LedgerEntry.entry_id).where(LedgerEntry.person_id == event.person_id).limit(1)
    )
    log.info(
        "person_erased",
        person_id=event.person_id,
        # Kept under the opaque id: payroll records have a legal retention period.
        ledger_kept=entries is not None,
    )


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


async def person_report(session: AsyncSession, person_id: str) -> PersonData:
    entries = (
        await session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.person_id == person_id)
            .order_by(LedgerEntry.created_at, LedgerEntry.entry_id)
        )
    ).all()
    grants = (
        await session.scalars(
            select(RewardGrant)
            .where(RewardGrant.person_id == person_id)
            .order_by(RewardGrant.granted_at, RewardGrant.grant_id)
        )
    ).all()
    # Author ids are JSON lists: matched as text first, then exactly.
    candidates = await session.scalars(
        select(RewardIdea)
        .where(cast(RewardIdea.author_ids, String).contains(f'"{person_id}"'))
        .order_by(RewardIdea.submitted_at)
    )
    ideas = [idea for idea in candidates.all() if person_id in idea.author_ids]
    return PersonData(
        person_id=person_id,
        total_points=sum(e.points for e in entries),
        ledger=[
            LedgerEntryData(
                entry_id=e.entry_id,
                idea_id=e.idea_id,
                unit_id=e.unit_id,
                rule=e.rule,
                points=e.points,
                reason=e.reason,
                occurred_at=utc(e.occurred_at),
                created_at=utc(e.created_at),
            )
            for e in entries
        ],
        grants=[
            GrantData(
                grant_id=g.grant_id,
                idea_id=g.idea_id,
                origin=g.origin,
                kind=g.kind,
                amount=amount_from_cents(g.amount_cents),
                currency=g.currency,
                points=g.points,
                reason=g.reason,
                granted_at=utc(g.granted_at),
            )
            for g in grants
        ],
        ideas_authored=[
            AuthoredIdeaData(
                idea_id=i.idea_id,
                title=i.title,
                unit_id=i.unit_id,
                anonymous=i.anonymous,
                submitted_at=utc(i.submitted_at),
                accepted_at=utc(i.accepted_at) if i.accepted_at is not None else None,
                implemented_at=utc(i.implemented_at) if i.implemented_at is not None else None,
            )
            for i in ideas
        ],
    )
