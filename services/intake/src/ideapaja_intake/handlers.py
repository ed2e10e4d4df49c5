"""Event subscribers: HR units for validating submissions, review and reward for the status."""

from __future__ import annotations

from datetime import UTC, datetime

from ideapaja_contracts.events.hr import UnitUpserted
from ideapaja_contracts.events.review import ReviewDecided, ScreeningStarted
from ideapaja_contracts.events.reward import RewardGranted
from ideapaja_intake.db.models import Idea, IdeaReward, IdeaStatusChange
from ideapaja_intake.domain.status import IdeaStatus, status_of_decision
from ideapaja_intake.store import apply_status_change, record_reward, upsert_unit
from ideapaja_runtime.messaging import HandlerContext, RetryLater


async def on_unit_upserted(event: UnitUpserted, ctx: HandlerContext) -> None:
    await upsert_unit(ctx.session, event, ctx.envelope.time)


async def _idea(ctx: HandlerContext, idea_id: str) -> Idea:
    idea = await ctx.session.get(Idea, idea_id)
    if idea is None:
        # Review only learns of ideas from us, so this is an idea we do not (yet) have; after the
        # retries it lands in the dead-letter stream for an operator to look at.
        raise RetryLater(f"unknown idea {idea_id}")
    return idea


async def on_screening_started(event: ScreeningStarted, ctx: HandlerContext) -> None:
    idea = await _idea(ctx, event.idea_id)
    await apply_status_change(
        ctx.session,
        idea,
        IdeaStatusChange(
            idea_id=idea.id,
            event_id=ctx.envelope.id,
            status=IdeaStatus.SCREENING.value,
            case_id=event.case_id,
            occurred_at=ctx.envelope.time,
            recorded_at=datetime.now(UTC),
        ),
    )


async def on_review_decided(event: ReviewDecided, ctx: HandlerContext) -> None:
    idea = await _idea(ctx, event.idea_id)
    await apply_status_change(
        ctx.session,
        idea,
        IdeaStatusChange(
            idea_id=idea.id,
            event_id=ctx.envelope.id,
            status=status_of_decision(event.decision).value,
            case_id=event.case_id,
            actor_id=event.decided_by,
            rationale=event.rationale,
            duplicate_of=event.duplicate_of,
            forwarded_to_unit_id=event.forwarded_to_unit_id,
            occurred_at=ctx.envelope.time,
            recorded_at=datetime.now(UTC),
        ),
    )


async def on_reward_granted(event: RewardGranted, ctx: HandlerContext) -> None:
    await _idea(ctx, event.idea_id)
    await record_reward(
        ctx.session,
        IdeaReward(
            grant_id=event.grant_id,
            idea_id=event.idea_id,
            person_id=event.person_id,
            kind=event.kind.value,
            granted_at=ctx.envelope.time,
        ),
    )
