"""Carrying an accepted idea forward, first step: experiments (pilots) with their hypothesis,
measure and outcome; and who may steward a case's progress."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentOutcome,
    ExperimentStarted,
)
from ideapaja_review.db import org
from ideapaja_review.db.models import (
    CaseRow,
    ExperimentRow,
)
from ideapaja_review.domain import access
from ideapaja_review.domain.lifecycle import Action
from ideapaja_review.errors import InvalidInput, NotAllowed, NotFound, Refused
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases import case_records, case_steps
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.pagination import Page, PageRequest, page_from, paginate

R = TypeVar("R")


@dataclass(frozen=True)
class ExperimentPlan:
    pilot_unit_ids: Sequence[str]
    hypothesis: str
    measure: str
    baseline: str
    starts_on: date
    ends_on: date

    def fields(self) -> dict[str, Any]:
        """The plan as the experiment's row and its ExperimentStarted event both carry it."""
        return {
            "pilot_unit_ids": list(self.pilot_unit_ids),
            "hypothesis": self.hypothesis,
            "measure": self.measure,
            "baseline": self.baseline,
            "starts_on": self.starts_on,
            "ends_on": self.ends_on,
        }


async def stewarded_case(
    session: AsyncSession, case_id: str, actor: Principal, *, owner_id: str | None = None
) -> CaseRow:
    case = await case_steps.load_for_update(session, case_id)
    reviewers = await case_records.reviewer_ids(session, case_id)
    roles = await case_steps.effective_roles(session, actor)
    denied = access.steward_denied(actor.person_id, roles, reviewers, owner_id=owner_id)
    if denied is not None:
        raise NotAllowed(denied.reason)
    return case


async def start_experiment(
    uow: ReviewWork, case_id: str, plan: ExperimentPlan
) -> tuple[ExperimentRow, CaseRow]:
    """Start a pilot of the case's idea; the experiment with its case, as a route shows it."""
    actor = uow.person
    session = uow.session
    case = await stewarded_case(session, case_id, actor)
    if plan.ends_on < plan.starts_on:
        raise InvalidInput("ends_on", "The pilot cannot end before it starts.")
    for unit_id in plan.pilot_unit_ids:
        if not await org.unit_exists(session, unit_id):
            raise InvalidInput("pilot_unit_ids", f"Unknown unit {unit_id}.")
    experiment = ExperimentRow(
        experiment_id=f"x-{uuid.uuid4().hex}",
        case_id=case.case_id,
        idea_id=case.idea_id,
        **plan.fields(),
        status="running",
        started_by=actor.person_id,
        started_at=uow.now,
    )
    await case_steps.transition_by_person(
        uow,
        case,
        Action.START_EXPERIMENT,
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
            **plan.fields(),
        )
    )
    await session.flush()
    return experiment, case


async def complete_experiment(
    uow: ReviewWork,
    case_id: str,
    experiment_id: str,
    *,
    result: str,
    measured_value: str,
    outcome: ExperimentOutcome,
    lesson: str,
) -> tuple[ExperimentRow, CaseRow]:
    """Record a pilot's results and outcome; the experiment with its case."""
    actor = uow.person
    session = uow.session
    case = await stewarded_case(session, case_id, actor)
    experiment = await session.get(ExperimentRow, experiment_id)
    if experiment is None or experiment.case_id != case.case_id:
        raise NotFound(f"No experiment {experiment_id} in case {case_id}.", what="Experiment")
    if experiment.status != "running":
        # The case may be running a later round; this one is done.
        raise Refused("Experiment completed", f"Experiment {experiment_id} has ended.")
    await case_steps.transition_by_person(
        uow,
        case,
        Action.COMPLETE_EXPERIMENT,
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
    return experiment, case


async def list_experiments(
    session: AsyncSession,
    page: PageRequest,
    *,
    item: Callable[[ExperimentRow, CaseRow], R],
    status: str | None = None,
    outcome: ExperimentOutcome | None = None,
    unit_id: str | None = None,
    idea_id: str | None = None,
) -> Page[R]:
    """Experiments newest first (ties by id), each shown with its case: one page. ``unit_id``:
    only those piloted in that unit."""
    query = select(ExperimentRow)
    if status is not None:
        query = query.where(ExperimentRow.status == status)
    if outcome is not None:
        query = query.where(ExperimentRow.outcome == outcome.value)
    if idea_id is not None:
        query = query.where(ExperimentRow.idea_id == idea_id)
    if unit_id is not None:
        query = query.where(_pilots_in(unit_id))
    rows, total, next_cursor = await paginate(
        session,
        query,
        keys=[ExperimentRow.started_at, ExperimentRow.experiment_id],
        page=page,
    )
    cases = await _cases_by_id(session, {row.case_id for row in rows})
    return page_from(page, rows, total, next_cursor, item=lambda row: item(row, cases[row.case_id]))


def _pilots_in(unit_id: str) -> Any:
    """The experiment's pilot units (a JSON array of ids) include ``unit_id``. Ids are
    [A-Za-z0-9_-] (checked at the API), so the array's text holds the id quoted as written, on
    SQLite as on PostgreSQL; LIKE's ``_`` wildcard is escaped."""
    quoted = '"' + unit_id.replace("_", "\\_") + '"'
    return cast(ExperimentRow.pilot_unit_ids, String).like(f"%{quoted}%", escape="\\")


async def _cases_by_id(session: AsyncSession, case_ids: set[str]) -> dict[str, CaseRow]:
    if not case_ids:
        return {}
    rows = await session.scalars(select(CaseRow).where(CaseRow.case_id.in_(case_ids)))
    return {row.case_id: row for row in rows.all()}


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
