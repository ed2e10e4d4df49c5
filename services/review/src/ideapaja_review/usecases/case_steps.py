"""Moving a case: every move goes through ``transition``, which asks the pure state machine, stamps
the step's deadline and appends the history record, in the caller's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_contracts.events.review import (
    Decision,
)
from ideapaja_review.db import network
from ideapaja_review.db.models import CaseReviewerRow, CaseRow
from ideapaja_review.domain import deadlines, lifecycle
from ideapaja_review.domain.lifecycle import Action, CaseState, CaseStatus
from ideapaja_review.domain.rules import RoutingRule
from ideapaja_review.errors import CaseNotFound
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases.case_records import append_history, reviewer_ids, rule_of, status_of
from ideapaja_runtime.auth import Principal


async def add_reviewers(
    session: AsyncSession, case: CaseRow, person_ids: Sequence[str], *, source: str, now: datetime
) -> list[str]:
    """Add people to a case's reviewers (those already on it are skipped); return the added."""
    present = set(await reviewer_ids(session, case.case_id))
    added = [p for p in dict.fromkeys(person_ids) if p not in present]
    for person_id in added:
        session.add(
            CaseReviewerRow(case_id=case.case_id, person_id=person_id, source=source, added_at=now)
        )
    if added:
        case.routed = True
    await session.flush()
    return added


async def transition(
    uow: ReviewWork,
    case: CaseRow,
    action: Action,
    *,
    actor_id: str | None,
    rule: RoutingRule,
    reason: str | None = None,
    decision: Decision | None = None,
    outcome: ExperimentOutcome | None = None,
    details: dict[str, Any] | None = None,
    experiment_ends_on: date | None = None,
) -> tuple[CaseStatus, CaseStatus]:
    """Apply ``action`` (IllegalTransition when it is not allowed now), enter the new step with
    its deadline, and append the history record. Returns the statuses before and after."""
    session = uow.session
    before = status_of(case)
    after = lifecycle.apply(before, action, decision, outcome=outcome)
    case.appealed = after.appealed
    case.outcome = after.outcome.value if after.outcome else None
    if after.state is CaseState.DECIDED:
        case.decision = after.decision.value if after.decision else None
    elif before.state in (CaseState.SCREENING, CaseState.IN_REVIEW, CaseState.DECIDED) and (
        after.state in (CaseState.SCREENING, CaseState.IN_REVIEW, CaseState.WITHDRAWN)
    ):
        # Back in review (answered, appealed) or withdrawn: no decision stands any more.
        case.decision = None
    if after.state is not before.state:
        _enter_step(case, after.state, uow.now, rule, experiment_ends_on=experiment_ends_on)
    append_history(
        session,
        case,
        uow.now,
        actor_id=actor_id,
        action=action.value,
        from_state=before.state.value,
        decision=decision.value if decision else None,
        reason=reason,
        details=details,
    )
    return before, after


class StepDetails(TypedDict, total=False):
    """What a step records besides its action: ``transition``'s optional arguments."""

    reason: str | None
    decision: Decision | None
    outcome: ExperimentOutcome | None
    details: dict[str, Any] | None
    experiment_ends_on: date | None


async def transition_by_person(
    uow: ReviewWork, case: CaseRow, action: Action, **step: Unpack[StepDetails]
) -> tuple[CaseStatus, CaseStatus]:
    """``transition`` taken by the acting person, under the routing rule in force for the
    case's unit."""
    rule = await rule_of(uow, case)
    return await transition(uow, case, action, actor_id=uow.person.person_id, rule=rule, **step)


def _enter_step(
    case: CaseRow,
    state: CaseState,
    now: datetime,
    rule: RoutingRule,
    *,
    experiment_ends_on: date | None = None,
) -> None:
    scope = Scope(case.scope)
    case.state = state.value
    case.step_seq = (case.step_seq or 0) + 1
    case.step_entered_at = now
    case.due_at = deadlines.due_at(
        state, now, rule.deadlines, experiment_ends_on=experiment_ends_on
    )
    case.escalation_level = deadlines.starting_level(scope).value
    if state is CaseState.SCREENING and case.due_at is not None:
        case.screening_due_at = case.due_at


async def load_for_update(session: AsyncSession, case_id: str) -> CaseRow:
    """The case, locked for the rest of the transaction: two concurrent actions cannot both
    pass the state check (PostgreSQL; SQLite's writers are serialised already)."""
    case = await session.scalar(select(CaseRow).where(CaseRow.case_id == case_id).with_for_update())
    if case is None:
        raise CaseNotFound(case_id)
    return case


async def effective_roles(session: AsyncSession, actor: Principal) -> frozenset[str]:
    """The token's roles plus those an admin assigned in review (an assigned change agent)."""
    return actor.roles | await network.assigned_roles(session, actor.person_id)
