"""Implementing an accepted (or piloted) idea: owner, milestones, progress and the realised
benefit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.progress import (
    ImplementationCompleted,
    ImplementationProgressed,
)
from ideapaja_review.db import org
from ideapaja_review.db.models import (
    CaseRow,
    ImplementationRow,
    MilestoneRow,
)
from ideapaja_review.domain import lifecycle
from ideapaja_review.domain.lifecycle import Action
from ideapaja_review.errors import CaseNotFound, InvalidInput, NotFound
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases import case_records, case_steps
from ideapaja_review.usecases.experimenting import stewarded_case


async def start_implementation(
    uow: ReviewWork,
    case_id: str,
    *,
    owner_id: str,
    planned_benefit: str,
    milestones: Sequence[tuple[str, date | None]],
) -> tuple[ImplementationRow, list[MilestoneRow]]:
    actor = uow.person
    session = uow.session
    case = await stewarded_case(session, case_id, actor)
    if owner_id in await org.inactive_ids(session):
        raise InvalidInput("owner_id", f"{owner_id} has left the city's service.")
    await case_steps.transition_by_person(
        uow,
        case,
        Action.START_IMPLEMENTATION,
        reason=planned_benefit or None,
        details={"owner_id": owner_id, "milestones": [title for title, _ in milestones]},
    )
    implementation = await session.get(ImplementationRow, case.case_id)
    if implementation is None:
        implementation = ImplementationRow(case_id=case.case_id, idea_id=case.idea_id)
        session.add(implementation)
    implementation.owner_id = owner_id
    implementation.planned_benefit = planned_benefit
    implementation.percent = 0
    implementation.started_by = actor.person_id
    implementation.started_at = uow.now
    await session.flush()
    existing = await _milestones(session, case.case_id)
    for position, (title, due_on) in enumerate(milestones, start=len(existing) + 1):
        session.add(
            MilestoneRow(
                milestone_id=f"ms-{uuid.uuid4().hex[:16]}",
                case_id=case.case_id,
                position=position,
                title=title,
                due_on=due_on,
            )
        )
    await uow.publish(ImplementationProgressed(idea_id=case.idea_id, owner_id=owner_id, percent=0))
    await session.flush()
    return implementation, await _milestones(session, case_id)


async def record_progress(
    uow: ReviewWork,
    case_id: str,
    *,
    percent: int,
    milestones_done: Sequence[str],
    note: str,
) -> tuple[ImplementationRow, list[MilestoneRow]]:
    actor = uow.person
    session = uow.session
    implementation = await _implementation(session, case_id, Action.RECORD_PROGRESS)
    case = await stewarded_case(session, case_id, actor, owner_id=implementation.owner_id)
    milestones = {m.milestone_id: m for m in await _milestones(session, case_id)}
    unknown = sorted(set(milestones_done) - set(milestones))
    if unknown:
        raise InvalidInput("milestones_done", f"Unknown milestones: {', '.join(unknown)}.")
    await case_steps.transition_by_person(
        uow,
        case,
        Action.RECORD_PROGRESS,
        reason=note or None,
        details={"percent": percent, "milestones_done": list(milestones_done)},
    )
    done_titles = []
    for milestone_id in milestones_done:
        milestone = milestones[milestone_id]
        if milestone.done_at is None:
            milestone.done_at = uow.now
        done_titles.append(milestone.title)
    implementation.percent = percent
    await uow.publish(
        ImplementationProgressed(
            idea_id=case.idea_id,
            owner_id=implementation.owner_id,
            percent=percent,
            milestone=(", ".join(done_titles) or note)[:200],
        )
    )
    await session.flush()
    return implementation, await _milestones(session, case_id)


async def complete_implementation(
    uow: ReviewWork, case_id: str, *, realised_benefit: str
) -> tuple[ImplementationRow, list[MilestoneRow]]:
    actor = uow.person
    session = uow.session
    implementation = await _implementation(session, case_id, Action.COMPLETE_IMPLEMENTATION)
    case = await stewarded_case(session, case_id, actor, owner_id=implementation.owner_id)
    await case_steps.transition_by_person(
        uow,
        case,
        Action.COMPLETE_IMPLEMENTATION,
        reason=realised_benefit,
    )
    implementation.percent = 100
    implementation.realised_benefit = realised_benefit
    implementation.completed_at = uow.now
    await uow.publish(
        ImplementationCompleted(
            idea_id=case.idea_id,
            owner_id=implementation.owner_id,
            realised_benefit=realised_benefit,
        )
    )
    await session.flush()
    return implementation, await _milestones(session, case_id)


async def _implementation(
    session: AsyncSession, case_id: str, action: Action | None = None
) -> ImplementationRow:
    """The case's implementation. Acting on a case that has none is an illegal transition
    (409 with what is allowed); reading it is a 404."""
    implementation = await session.get(ImplementationRow, case_id)
    if implementation is None:
        case = await session.get(CaseRow, case_id)
        if case is None:
            raise CaseNotFound(case_id)
        if action is not None:
            lifecycle.apply(case_records.status_of(case), action)
        raise NotFound(f"Case {case_id} has no implementation.", what="Implementation")
    return implementation


async def _milestones(session: AsyncSession, case_id: str) -> list[MilestoneRow]:
    rows = await session.scalars(
        select(MilestoneRow).where(MilestoneRow.case_id == case_id).order_by(MilestoneRow.position)
    )
    return list(rows.all())


async def get_implementation(
    session: AsyncSession, case_id: str
) -> tuple[ImplementationRow, list[MilestoneRow]]:
    implementation = await _implementation(session, case_id)
    return implementation, await _milestones(session, case_id)
