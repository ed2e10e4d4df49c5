"""Each idea's status and public timeline, as review, reward and progress events tell it: one
history entry per event (once, whatever the redeliveries), the status the history adds up to,
supporters moving along when ideas merge, rewards granted."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from ideapaja_contracts.events.idea import IdeaSupported
from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentStarted,
    ImplementationCompleted,
    PracticePublished,
)
from ideapaja_contracts.events.review import (
    CaseReopened,
    IdeaForwarded,
    IdeaMerged,
    InfoProvided,
    InfoRequested,
    ReviewDecided,
    ReviewStarted,
    ScreeningStarted,
)
from ideapaja_contracts.events.reward import RewardGranted
from ideapaja_intake.db.ideas import apply_status_change, record_reward
from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaReward, IdeaStatusChange, IdeaSupport
from ideapaja_intake.domain.status import IdeaStatus, status_of_decision
from ideapaja_runtime.messaging import HandlerContext, RetryLater


async def _idea(ctx: HandlerContext, idea_id: str) -> Idea:
    idea = await ctx.session.get(Idea, idea_id)
    if idea is None:
        # Review only learns of ideas from us, so this is an idea we do not (yet) have; after the
        # retries it lands in the dead-letter stream for an operator to look at.
        raise RetryLater(f"unknown idea {idea_id}")
    return idea


async def _record(
    ctx: HandlerContext, idea_id: str, status: IdeaStatus, kind: str, **details: Any
) -> Idea:
    """One entry of the idea's history for this event (once per event id), and the status."""
    idea = await _idea(ctx, idea_id)
    await apply_status_change(
        ctx.session,
        idea,
        IdeaStatusChange(
            idea_id=idea.id,
            event_id=ctx.envelope.id,
            status=status.value,
            kind=kind,
            occurred_at=ctx.envelope.time,
            recorded_at=ctx.now,
            **details,
        ),
    )
    return idea


# --- review ------------------------------------------------------------------------------------


async def on_screening_started(event: ScreeningStarted, ctx: HandlerContext) -> None:
    await _record(
        ctx, event.idea_id, IdeaStatus.SCREENING, "screening_started", case_id=event.case_id
    )


async def on_review_started(event: ReviewStarted, ctx: HandlerContext) -> None:
    await _record(
        ctx,
        event.idea_id,
        IdeaStatus.IN_REVIEW,
        "review_started",
        case_id=event.case_id,
        actor_id=event.started_by,
        note=event.note or None,
    )


async def on_info_requested(event: InfoRequested, ctx: HandlerContext) -> None:
    await _record(
        ctx,
        event.idea_id,
        IdeaStatus.NEEDS_INFO,
        "info_requested",
        case_id=event.case_id,
        actor_id=event.requested_by,
        note=event.question,
    )


async def on_info_provided(event: InfoProvided, ctx: HandlerContext) -> None:
    # Review names the authors by pseudonym here, so the timeline never names them either.
    await _record(
        ctx,
        event.idea_id,
        IdeaStatus.SCREENING,
        "info_provided",
        case_id=event.case_id,
        actor_id=event.author_ref,
        note=event.answer,
    )


async def on_review_decided(event: ReviewDecided, ctx: HandlerContext) -> None:
    await _record(
        ctx,
        event.idea_id,
        status_of_decision(event.decision),
        "decided",
        case_id=event.case_id,
        actor_id=event.decided_by,
        rationale=event.rationale,
        duplicate_of=event.duplicate_of,
        forwarded_to_unit_id=event.forwarded_to_unit_id,
    )


async def on_case_reopened(event: CaseReopened, ctx: HandlerContext) -> None:
    await _record(
        ctx,
        event.idea_id,
        IdeaStatus.REOPENED,
        "reopened",
        case_id=event.case_id,
        # A person id, or the authors' pseudonym when they appealed (review's contract).
        actor_id=event.reopened_by,
        note=event.reason,
    )


async def on_idea_forwarded(event: IdeaForwarded, ctx: HandlerContext) -> None:
    await _record(
        ctx,
        event.idea_id,
        IdeaStatus.FORWARDED,
        "forwarded",
        case_id=event.case_id,
        actor_id=event.forwarded_by,
        forwarded_to_unit_id=event.to_unit_id,
        note=event.reason or None,
    )


async def on_idea_merged(event: IdeaMerged, ctx: HandlerContext) -> None:
    """The idea is a duplicate of ``into_idea_id``; its supporters move along (each once, and
    never onto an idea they wrote), announced with IdeaSupported on the surviving idea."""
    target = await _idea(ctx, event.into_idea_id)
    await _record(
        ctx,
        event.idea_id,
        IdeaStatus.DUPLICATE,
        "merged",
        case_id=event.case_id,
        actor_id=event.merged_by,
        duplicate_of=event.into_idea_id,
    )
    session = ctx.session
    supporters = (
        await session.scalars(
            select(IdeaSupport.person_id).where(IdeaSupport.idea_id == event.idea_id)
        )
    ).all()
    authors = set(
        (
            await session.scalars(
                select(IdeaAuthor.person_id).where(IdeaAuthor.idea_id == target.id)
            )
        ).all()
    )
    for person_id in sorted(set(supporters) - authors):
        if await session.get(IdeaSupport, (target.id, person_id)) is not None:
            continue
        session.add(
            IdeaSupport(
                idea_id=target.id,
                person_id=person_id,
                supported_at=ctx.now,
                moved_from=event.idea_id,
            )
        )
        target.support_count += 1
        await ctx.publish(
            IdeaSupported(
                idea_id=target.id, supporter_id=person_id, support_count=target.support_count
            ),
            # The same merge re-delivered re-emits the same event ids.
            event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ctx.envelope.id}/{person_id}")),
        )
    await session.flush()


# --- rewards and progress ----------------------------------------------------------------------


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


async def on_experiment_started(event: ExperimentStarted, ctx: HandlerContext) -> None:
    await _record(
        ctx,
        event.idea_id,
        IdeaStatus.EXPERIMENT,
        "experiment_started",
        note=f"{event.hypothesis} ({event.starts_on.isoformat()} - {event.ends_on.isoformat()})",
    )


async def on_experiment_completed(event: ExperimentCompleted, ctx: HandlerContext) -> None:
    await _record(
        ctx,
        event.idea_id,
        IdeaStatus.EXPERIMENT_COMPLETED,
        "experiment_completed",
        rationale=event.result,
        note=event.outcome.value,
    )


async def on_implementation_completed(event: ImplementationCompleted, ctx: HandlerContext) -> None:
    await _record(
        ctx,
        event.idea_id,
        IdeaStatus.IMPLEMENTED,
        "implemented",
        actor_id=event.owner_id,
        note=event.realised_benefit or None,
    )


async def on_practice_published(event: PracticePublished, ctx: HandlerContext) -> None:
    await _record(
        ctx,
        event.idea_id,
        IdeaStatus.GOOD_PRACTICE,
        "practice_published",
        actor_id=event.published_by,
        note=event.title,
    )
