"""After acceptance: experiments (kokeilut), implementation and good practices.

Each use case moves the case through the state machine (``case_steps.transition``) and emits the
matching progress event in the same transaction. Experiment results and good practices are
open to every employee: that is how the organisation learns from its pilots.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentOutcome,
    ExperimentStarted,
    ImplementationCompleted,
    ImplementationProgressed,
    PracticeAdopted,
    PracticePublished,
)
from ideapaja_review import org
from ideapaja_review.db.models import (
    AdoptionRow,
    CaseRow,
    ExperimentRow,
    ImplementationRow,
    MilestoneRow,
    PracticeRow,
)
from ideapaja_review.domain import access, lifecycle
from ideapaja_review.domain.lifecycle import Action
from ideapaja_review.domain.rules import SCREENER_ROLES
from ideapaja_review.errors import CaseNotFound, InvalidInput, NotAllowed, NotFound, Refused
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases import case_records, case_steps
from ideapaja_review.usecases.case_records import Actor


@dataclass(frozen=True)
class ExperimentPlan:
    pilot_unit_ids: Sequence[str]
    hypothesis: str
    measure: str
    baseline: str
    starts_on: date
    ends_on: date


async def _stewarded_case(
    session: AsyncSession, case_id: str, actor: Actor, *, owner_id: str | None = None
) -> CaseRow:
    case = await case_steps.load_for_update(session, case_id)
    reviewers = await case_records.reviewer_ids(session, case_id)
    roles = await case_steps.effective_roles(session, actor)
    denied = access.steward_denied(actor.person_id, roles, reviewers, owner_id=owner_id)
    if denied is not None:
        raise NotAllowed(denied.reason)
    return case


# --- Experiments ------------------------------------------------------------------------------


async def start_experiment(
    uow: ReviewWork, case_id: str, actor: Actor, plan: ExperimentPlan
) -> ExperimentRow:
    session = uow.session
    case = await _stewarded_case(session, case_id, actor)
    if plan.ends_on < plan.starts_on:
        raise InvalidInput("ends_on", "The pilot cannot end before it starts.")
    for unit_id in plan.pilot_unit_ids:
        if not await org.unit_exists(session, unit_id):
            raise InvalidInput("pilot_unit_ids", f"Unknown unit {unit_id}.")
    experiment = ExperimentRow(
        experiment_id=f"x-{uuid.uuid4().hex}",
        case_id=case.case_id,
        idea_id=case.idea_id,
        pilot_unit_ids=list(plan.pilot_unit_ids),
        hypothesis=plan.hypothesis,
        measure=plan.measure,
        baseline=plan.baseline,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        status="running",
        started_by=actor.person_id,
        started_at=uow.now,
    )
    await case_steps.transition(
        uow,
        case,
        Action.START_EXPERIMENT,
        actor_id=actor.person_id,
        rule=await case_records.rule_of(uow, case),
        reason=plan.hypothesis,
        details={
            "experiment_id": experiment.experiment_id,
            "pilot_unit_ids": list(plan.pilot_unit_ids),
            "measure": plan.measure,
            "baseline": plan.baseline,
            "starts_on": plan.starts_on.isoformat(),
            "ends_on": plan.ends_on.isoformat(),
        },
        experiment_ends_on=plan.ends_on,
    )
    session.add(experiment)
    await uow.publish(
        ExperimentStarted(
            idea_id=case.idea_id,
            experiment_id=experiment.experiment_id,
            pilot_unit_ids=list(plan.pilot_unit_ids),
            hypothesis=plan.hypothesis,
            measure=plan.measure,
            baseline=plan.baseline,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
        )
    )
    await session.flush()
    return experiment


async def complete_experiment(
    uow: ReviewWork,
    case_id: str,
    experiment_id: str,
    actor: Actor,
    *,
    result: str,
    measured_value: str,
    outcome: ExperimentOutcome,
    lesson: str,
) -> ExperimentRow:
    session = uow.session
    case = await _stewarded_case(session, case_id, actor)
    experiment = await session.get(ExperimentRow, experiment_id)
    if experiment is None or experiment.case_id != case.case_id:
        raise NotFound(f"No experiment {experiment_id} in case {case_id}.", what="Experiment")
    if experiment.status != "running":
        # The case may be running a later round; this one is done.
        raise Refused("Experiment completed", f"Experiment {experiment_id} has ended.")
    await case_steps.transition(
        uow,
        case,
        Action.COMPLETE_EXPERIMENT,
        actor_id=actor.person_id,
        rule=await case_records.rule_of(uow, case),
        outcome=outcome,
        reason=lesson,
        details={
            "experiment_id": experiment_id,
            "outcome": outcome.value,
            "result": result,
            "measured_value": measured_value,
        },
    )
    experiment.status = "completed"
    experiment.result = result
    experiment.measured_value = measured_value
    experiment.outcome = outcome.value
    experiment.lesson = lesson
    experiment.completed_by = actor.person_id
    experiment.completed_at = uow.now
    await uow.publish(
        ExperimentCompleted(
            idea_id=case.idea_id,
            experiment_id=experiment_id,
            result=result,
            outcome=outcome,
            lesson=lesson,
            measured_value=measured_value,
        )
    )
    await session.flush()
    return experiment


async def list_experiments(
    session: AsyncSession,
    *,
    status: str | None,
    outcome: ExperimentOutcome | None,
    unit_id: str | None,
    idea_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[ExperimentRow, CaseRow]], int]:
    query = select(ExperimentRow, CaseRow).join(CaseRow, CaseRow.case_id == ExperimentRow.case_id)
    if status is not None:
        query = query.where(ExperimentRow.status == status)
    if outcome is not None:
        query = query.where(ExperimentRow.outcome == outcome.value)
    if idea_id is not None:
        query = query.where(ExperimentRow.idea_id == idea_id)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = (
        await session.execute(
            query.order_by(ExperimentRow.started_at.desc(), ExperimentRow.experiment_id)
        )
    ).all()
    found = [(e, c) for e, c in rows if unit_id is None or unit_id in e.pilot_unit_ids]
    if unit_id is not None:
        total = len(found)
    return found[offset : offset + limit], total


async def get_experiment(
    session: AsyncSession, experiment_id: str
) -> tuple[ExperimentRow, CaseRow]:
    row = (
        await session.execute(
            select(ExperimentRow, CaseRow)
            .join(CaseRow, CaseRow.case_id == ExperimentRow.case_id)
            .where(ExperimentRow.experiment_id == experiment_id)
        )
    ).first()
    if row is None:
        raise NotFound(experiment_id, what="Experiment")
    return row[0], row[1]


# --- Implementation ---------------------------------------------------------------------------


async def start_implementation(
    uow: ReviewWork,
    case_id: str,
    actor: Actor,
    *,
    owner_id: str,
    planned_benefit: str,
    milestones: Sequence[tuple[str, date | None]],
) -> ImplementationRow:
    session = uow.session
    case = await _stewarded_case(session, case_id, actor)
    if owner_id in await org.inactive_ids(session):
        raise InvalidInput("owner_id", f"{owner_id} has left the city's service.")
    await case_steps.transition(
        uow,
        case,
        Action.START_IMPLEMENTATION,
        actor_id=actor.person_id,
        rule=await case_records.rule_of(uow, case),
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
    return implementation


async def record_progress(
    uow: ReviewWork,
    case_id: str,
    actor: Actor,
    *,
    percent: int,
    milestones_done: Sequence[str],
    note: str,
) -> ImplementationRow:
    session = uow.session
    implementation = await _implementation(session, case_id, Action.RECORD_PROGRESS)
    case = await _stewarded_case(session, case_id, actor, owner_id=implementation.owner_id)
    milestones = {m.milestone_id: m for m in await _milestones(session, case_id)}
    unknown = sorted(set(milestones_done) - set(milestones))
    if unknown:
        raise InvalidInput("milestones_done", f"Unknown milestones: {', '.join(unknown)}.")
    await case_steps.transition(
        uow,
        case,
        Action.RECORD_PROGRESS,
        actor_id=actor.person_id,
        rule=await case_records.rule_of(uow, case),
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
    return implementation


async def complete_implementation(
    uow: ReviewWork, case_id: str, actor: Actor, *, realised_benefit: str
) -> ImplementationRow:
    session = uow.session
    implementation = await _implementation(session, case_id, Action.COMPLETE_IMPLEMENTATION)
    case = await _stewarded_case(session, case_id, actor, owner_id=implementation.owner_id)
    await case_steps.transition(
        uow,
        case,
        Action.COMPLETE_IMPLEMENTATION,
        actor_id=actor.person_id,
        rule=await case_records.rule_of(uow, case),
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
    return implementation


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


# --- Good practices ---------------------------------------------------------------------------


async def publish_practice(
    uow: ReviewWork, case_id: str, actor: Actor, *, title: str, summary: str
) -> PracticeRow:
    session = uow.session
    case = await _stewarded_case(session, case_id, actor)
    practice = PracticeRow(
        practice_id=f"gp-{uuid.uuid4().hex}",
        case_id=case.case_id,
        idea_id=case.idea_id,
        unit_id=case.unit_id,
        title=title,
        summary=summary,
        published_by=actor.person_id,
        published_at=uow.now,
    )
    await case_steps.transition(
        uow,
        case,
        Action.PUBLISH_PRACTICE,
        actor_id=actor.person_id,
        rule=await case_records.rule_of(uow, case),
        reason=title,
        details={"practice_id": practice.practice_id},
    )
    session.add(practice)
    await uow.publish(
        PracticePublished(
            idea_id=case.idea_id,
            practice_id=practice.practice_id,
            title=title,
            summary=summary,
            published_by=actor.person_id,
            unit_id=case.unit_id,
        )
    )
    await session.flush()
    return practice


async def adopt(
    uow: ReviewWork,
    practice_id: str,
    actor: Actor,
    *,
    unit_id: str,
    note: str,
    actor_unit_ids: frozenset[str],
) -> tuple[AdoptionRow, bool]:
    """A unit reports it adopted the practice; (adoption, True) the first time, the existing
    adoption and False on a repeat (no second event)."""
    session = uow.session
    practice = await session.get(PracticeRow, practice_id)
    if practice is None:
        raise NotFound(practice_id, what="Practice")
    if not await org.unit_exists(session, unit_id):
        raise InvalidInput("unit_id", f"Unknown unit {unit_id}.")
    if unit_id == practice.unit_id:
        raise InvalidInput("unit_id", "The practice comes from this unit.")
    if access.ADMIN not in actor.roles:
        hr_unit, _ = await org.hr_roles(session, actor.person_id)
        roles = await case_steps.effective_roles(session, actor)
        in_unit = unit_id in actor_unit_ids or hr_unit == unit_id
        if not in_unit or SCREENER_ROLES.isdisjoint(roles):
            raise NotAllowed(
                "A unit's adoption is reported by its supervisor or change agent (or an admin)."
            )
    existing = await session.get(AdoptionRow, (practice_id, unit_id))
    if existing is not None:
        return existing, False
    case = await case_steps.load_for_update(session, practice.case_id)
    await case_steps.transition(
        uow,
        case,
        Action.RECORD_ADOPTION,
        actor_id=actor.person_id,
        rule=await case_records.rule_of(uow, case),
        reason=note or None,
        details={"practice_id": practice_id, "unit_id": unit_id},
    )
    adoption = AdoptionRow(
        practice_id=practice_id,
        unit_id=unit_id,
        note=note,
        reported_by=actor.person_id,
        reported_at=uow.now,
    )
    session.add(adoption)
    await uow.publish(
        PracticeAdopted(
            idea_id=practice.idea_id,
            practice_id=practice_id,
            adopting_unit_id=unit_id,
            reported_by=actor.person_id,
        )
    )
    await session.flush()
    return adoption, True


async def list_practices(
    session: AsyncSession, *, limit: int, offset: int
) -> tuple[list[tuple[PracticeRow, list[AdoptionRow]]], int]:
    total = int(await session.scalar(select(func.count()).select_from(PracticeRow)) or 0)
    rows = (
        await session.scalars(
            select(PracticeRow)
            .order_by(PracticeRow.published_at.desc(), PracticeRow.practice_id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    adoptions = await _adoptions_of(session, [r.practice_id for r in rows])
    return [(r, adoptions.get(r.practice_id, [])) for r in rows], total


async def get_practice(
    session: AsyncSession, practice_id: str
) -> tuple[PracticeRow, list[AdoptionRow]]:
    practice = await session.get(PracticeRow, practice_id)
    if practice is None:
        raise NotFound(practice_id, what="Practice")
    return practice, (await _adoptions_of(session, [practice_id])).get(practice_id, [])


async def _adoptions_of(
    session: AsyncSession, practice_ids: Sequence[str]
) -> dict[str, list[AdoptionRow]]:
    if not practice_ids:
        return {}
    rows = await session.scalars(
        select(AdoptionRow)
        .where(AdoptionRow.practice_id.in_(practice_ids))
        .order_by(AdoptionRow.reported_at, AdoptionRow.unit_id)
    )
    found: dict[str, list[AdoptionRow]] = {}
    for row in rows.all():
        found.setdefault(row.practice_id, []).append(row)
    return found
