"""GDPR: what the reward service holds on a person, and what erasing them means here.

The reward service holds no personal data beyond opaque person ids: the points ledger and the
grants HR/payroll reconciles against (payroll records have a legal retention period, so they are
kept), the author ids of the ideas it rewards, and which unit HR placed the person in when (the
headcounts that participation per 100 employees is computed from). There is nothing to blank:
``ErasureRequested`` is acknowledged (recorded in the inbox, so the erasure is known to have
reached this service) and nothing more is stored about the person.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_reward.db.models import LedgerEntry, OrgMembershipRow, RewardGrant, RewardIdea
from ideapaja_reward.schemas import (
    AuthoredIdeaData,
    GrantData,
    LedgerEntryData,
    MembershipData,
    PersonData,
)
from ideapaja_runtime.db import json_list_may_hold
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext
from ideapaja_runtime.uow import UnitOfWork

log = get_logger(__name__)


async def on_erasure_requested(event: ErasureRequested, ctx: HandlerContext) -> None:
    """Nothing to blank; logged, so the erasure is known to have reached this service."""
    entries = await ctx.session.scalar(
        select(LedgerEntry.entry_id).where(LedgerEntry.person_id == event.person_id).limit(1)
    )
    log.info(
        "person_erased",
        person_id=event.person_id,
        # Kept under the opaque id: payroll records have a legal retention period.
        ledger_kept=entries is not None,
    )


async def person_report(uow: UnitOfWork[Any], person_id: str, own: bool = True) -> PersonData:
    """Everything held on ``person_id`` (the same whoever asks: nothing here reveals more)."""
    session = uow.session
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
        .where(json_list_may_hold(RewardIdea.author_ids, person_id))
        .order_by(RewardIdea.submitted_at)
    )
    ideas = [idea for idea in candidates.all() if person_id in idea.author_ids]
    memberships = await session.scalars(
        select(OrgMembershipRow)
        .where(OrgMembershipRow.person_id == person_id)
        .order_by(OrgMembershipRow.since)
    )
    return PersonData(
        id=person_id,
        total_points=sum(e.points for e in entries),
        ledger=[LedgerEntryData.of(e) for e in entries],
        grants=[GrantData.of(g) for g in grants],
        ideas_authored=[AuthoredIdeaData.of(i) for i in ideas],
        unit_memberships=[MembershipData.model_validate(m) for m in memberships.all()],
    )
