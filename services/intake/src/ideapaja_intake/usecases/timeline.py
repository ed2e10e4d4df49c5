"""Each idea's status and public timeline, as review, reward and progress events tell it: one
history entry per event (once, whatever the redeliveries), the status the history adds up to,
supporters moving along when ideas merge, rewards granted."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import select

from ideapaja_contracts.events.idea import IdeaSupported
from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentStarted,
    ImplementationCompleted,
    PracticePublished,
    ProgressEvent,
)
from ideapaja_contracts.events.review import (
    CaseReopened,
    IdeaForwarded,
    IdeaMerged,
    InfoProvided,
    InfoRequested,
    ReviewDecided,
    ReviewEvent,
    ReviewStarted,
    ScreeningStarted,
)
from ideapaja_contracts.events.reward import RewardGranted
from ideapaja_intake.db.ideas import apply_status_change, record_reward
from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaReward, IdeaStatusChange, IdeaSupport
from ideapaja_intake.domain.status import IdeaStatus, status_of_decision
from ideapaja_runtime.messaging import HandlerContext, RetryLater

AboutAnIdea = ReviewEvent | ProgressEvent
E = TypeVar("E", bound=AboutAnIdea)


async def _idea(ctx: HandlerContext, idea_id: str) -> Idea:
    idea = await ctx.session.get(Idea, idea_id)
    if idea is None:
        # Review only learns of ideas from us, so this is an idea we do not (yet) have; after the
        # retries it lands in the dead-letter stream for an operator to look at.
        raise RetryLater(f"unknown idea {idea_id}")
    return idea


async def _record(
    ctx: HandlerContext, event: AboutAnIdea, status: IdeaStatus, kind: str, **details: Any
) -> Idea:
    """One entry of the idea's history for this event (once per event id), and the status; a
    review event's entry names its case."""
    idea = await _idea(ctx, event.idea_id)
    if isinstance(event, ReviewEvent):
        details["case_id"] = event.case_id
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


def _entry(
    event_type: type[E],
    kind: str,
    status: IdeaStatus | Callable[[E], IdeaStatus],
    details: Callable[[E], dict[str, Any]] = lambda event: {},
) -> Callable[[E, HandlerContext], Awaitable[None]]:
    """The handler of ``event_type``: each event is one ``kind`` entry of its idea's history,
    with the ``details`` read from it, and sets ``status`` (or the status read from it)."""

    async def record(event: E, ctx: HandlerContext) -> None:
        current = status if isinstance(status, IdeaStatus) else status(event)
        await _record(ctx, event, current, kind, **details(event))

    return record


# --- review ------------------------------------------------------------------------------------

on_screening_started = _entry(ScreeningStarted, "screening_started", IdeaStatus.SCREENING)
on_review_started = _entry(
    ReviewStarted,
    "review_started",
    IdeaStatus.IN_REVIEW,
    lambda event: {"actor_id": event.started_by, "note": event.note or None},
)
on_info_requested = _entry(
    InfoRequested,
    "info_requested",
    IdeaStatus.NEEDS_INFO,
    lambda event: {"actor_id": event.requested_by, "note": event.question},
)
# Review names the authors by pseudonym here, so the timeline never names them either.
on_info_provided = _entry(
    InfoProvided,
    "info_provided",
    IdeaStatus.SCREENING,
    lambda event: {"actor_id": event.author_ref, "note": event.answer},
)
on_review_decided = _entry(
    ReviewDecided,
    "decided",
    lambda event: status_of_decision(event.decision),
    lambda event: {
        "actor_id": event.decided_by,
        "rationale": event.rationale,
        "duplicate_of": event.duplicate_of,
        "forwarded_to_unit_id": event.forwarded_to_unit_id,
    },
)
# ``reopened_by`` is a person id, or the authors' pseudonym when they appealed (review's contract).
on_case_reopened = _entry(
    CaseReopened,
    "reopened",
    IdeaStatus.REOPENED,
    lambda event: {"actor_id": event.reopened_by, "note": event.reason},
)
on_idea_forwarded = _entry(
    IdeaForwarded,
    "forwarded",
    IdeaStatus.FORWARDED,
    lambda event: {
        "actor_id": event.forwarded_by,
        "forwarded_to_unit_id": event.to_unit_id,
        "note": event.reason or None,
    },
)


async def on_idea_merged(event: IdeaMerged, ctx: HandlerContext) -> None:
    """The idea is a duplicate of ``into_idea_id``; its supporters move along (each once, and
    never onto an idea they wrote), announced with IdeaSupported on the surviving idea."""
    target = await _idea(ctx, event.into_idea_id)
    await _record(
        ctx,
        event,
        IdeaStatus.DUPLICATE,
        "merged",
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


on_experiment_started = _entry(
    ExperimentStarted,
    "experiment_started",
    IdeaStatus.EXPERIMENT,
    lambda event: {
        "note": f"{event.hypothesis} ({event.starts_on.isoformat()} - {event.ends_on.isoformat()})"
    },
)
on_experiment_completed = _entry(
    ExperimentCompleted,
    "experiment_completed",
    IdeaStatus.EXPERIMENT_COMPLETED,
    lambda event: {"rationale": event.result, "note": event.outcome.value},
)
on_implementation_completed = _entry(
    ImplementationCompleted,
    "implemented",
    IdeaStatus.IMPLEMENTED,
    lambda event: {"actor_id": event.owner_id, "note": event.realised_benefit or None},
)
on_practice_published = _entry(
    PracticePublished,
    "practice_published",
    IdeaStatus.GOOD_PRACTICE,
    lambda event: {"actor_id": event.published_by, "note": event.title},
)
