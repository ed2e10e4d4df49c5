"""Writing rewards: the idea projection, ledger entries, grants and the events announcing them.

Everything here runs inside the caller's transaction, so a ledger entry, its grant and their
events are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import IdeaSubmitted
from ideapaja_contracts.events.reward import PointsAwarded, RewardGranted, RewardKind
from ideapaja_reward.db.models import LedgerEntry, RewardGrant, RewardIdea
from ideapaja_reward.domain import Award, amount_from_cents, entry_id, grant_id
from ideapaja_runtime.messaging import HandlerContext


async def find_idea(session: AsyncSession, idea_id: str) -> RewardIdea | None:
    return await session.get(RewardIdea, idea_id)


async def record_submission(
    session: AsyncSession, event: IdeaSubmitted, submitted_at: datetime
) -> RewardIdea:
    """Remember the idea; a repeated submission keeps what was first recorded."""
    idea = await find_idea(session, event.idea_id)
    if idea is None:
        idea = RewardIdea(
            idea_id=event.idea_id,
            title=event.title,
            unit_id=event.unit_id,
            author_ids=list(event.author_ids),
            anonymous=event.anonymous,
            submitted_at=submitted_at.astimezone(UTC),
        )
        session.add(idea)
        await session.flush()
    return idea


async def credit(ctx: HandlerContext, idea: RewardIdea, awards: Sequence[Award]) -> list[str]:
    """Append a ledger entry and a grant per award not credited before, and announce both.

    Returns the ids of the new grants. An award already in the ledger (the same idea, person and
    rule, e.g. from a re-published event) is skipped; should two deliveries race past that check,
    the unique keys fail the later transaction, whose redelivery then skips.
    """
    session = ctx.session
    occurred_at = ctx.envelope.time.astimezone(UTC)
    now = datetime.now(UTC)
    granted: list[str] = []
    for award in awards:
        rule = award.rule.value
        already = await session.scalar(
            select(LedgerEntry.entry_id).where(
                LedgerEntry.idea_id == idea.idea_id,
                LedgerEntry.person_id == award.person_id,
                LedgerEntry.rule == rule,
            )
        )
        if already is not None:
            continue
        entry = LedgerEntry(
            entry_id=entry_id(idea.idea_id, award.person_id, rule),
            idea_id=idea.idea_id,
            person_id=award.person_id,
            unit_id=idea.unit_id,
            rule=rule,
            points=award.points,
            reason=award.reason,
            cause_event_id=ctx.envelope.id,
            occurred_at=occurred_at,
            created_at=now,
        )
        grant = RewardGrant(
            grant_id=grant_id(idea.idea_id, award.person_id, rule),
            idea_id=idea.idea_id,
            person_id=award.person_id,
            origin=f"rule:{rule}",
            kind=RewardKind.POINTS.value,
            amount_cents=0,
            currency=None,
            points=award.points,
            reason=award.reason,
            ledger_entry_id=entry.entry_id,
            cause_event_id=ctx.envelope.id,
            granted_at=now,
        )
        session.add_all([entry, grant])
        await session.flush()
        await _announce(ctx, entry, grant)
        granted.append(grant.grant_id)
    return granted


async def _announce(ctx: HandlerContext, entry: LedgerEntry, grant: RewardGrant) -> None:
    # The entry and grant ids double as event ids: a duplicate can then never look new, neither
    # to JetStream's duplicate window nor to a consumer's inbox.
    # (HandlerContext.publish cannot take an event id, so the outbox is used directly, in the
    # same transaction, exactly as publish would.)
    traceparent = ctx.envelope.traceparent
    await ctx.outbox.add(
        ctx.session,
        PointsAwarded(
            idea_id=entry.idea_id,
            entry_id=entry.entry_id,
            person_id=entry.person_id,
            unit_id=entry.unit_id,
            points=entry.points,
            rule=entry.rule,
        ),
        traceparent=traceparent,
        event_id=entry.entry_id,
    )
    await ctx.outbox.add(
        ctx.session,
        RewardGranted(
            idea_id=grant.idea_id,
            grant_id=grant.grant_id,
            person_id=grant.person_id,
            kind=RewardKind(grant.kind),
            amount=amount_from_cents(grant.amount_cents),
            currency=grant.currency,
            points=grant.points,
            reason=grant.reason,
        ),
        traceparent=traceparent,
        event_id=grant.grant_id,
    )
