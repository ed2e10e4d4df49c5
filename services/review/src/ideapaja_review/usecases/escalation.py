"""The deadline sweep: find steps past their deadline and escalate each one level up.

Safe with replicas: each replica's sweep locks the cases it handles (``SKIP LOCKED`` on
PostgreSQL, so two replicas never wait for or handle the same case), and every escalation is
unique per (case, step, step entry, level) in the database, so even a race that got past the
lock escalates a step to a level once. Time comes from the unit of work (the service's clock),
so tests drive it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.review import CaseEscalated
from ideapaja_review.db import committee_roster, org
from ideapaja_review.db.models import CaseRow, EscalationRow
from ideapaja_review.domain.deadlines import (
    EscalationTarget,
    Level,
    next_escalation,
)
from ideapaja_review.domain.routing import department_reviewers
from ideapaja_review.domain.rules import RoutingRule
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases import case_records, case_steps
from ideapaja_review.usecases.due_cases import OpenUnit, sweep_due
from ideapaja_runtime.logging import get_logger

log = get_logger(__name__)


async def escalate_case(uow: ReviewWork, case: CaseRow) -> CaseEscalated | None:
    """Escalate ``case`` one level if its current step is overdue now; the event, or None."""
    session = uow.session
    rule = await case_records.rule_of(uow, case)
    if not rule.escalate or case.due_at is None:
        return None
    missed = case.due_at
    step = next_escalation(Level(case.escalation_level), missed, uow.now, rule.deadlines)
    if step is None:
        return None
    candidates = await _people_at(session, case, step.target, rule)
    row = EscalationRow(
        case_id=case.case_id,
        step=case.state,
        step_seq=case.step_seq,
        level=step.level.value,
        target=step.target.value,
        missed_due_at=missed,
        escalated_at=uow.now,
        added_reviewer_ids=[],
    )
    session.add(row)
    # The unique key decides between racing replicas before anything else changes.
    await session.flush()
    added = await case_steps.add_reviewers(
        session, case, candidates, source="escalation", now=uow.now
    )
    row.added_reviewer_ids = added
    case.escalation_level = step.level.value
    if step.next_due_at is not None:
        case.due_at = step.next_due_at
    case_records.append_history(
        session,
        case,
        uow.now,
        actor_id=None,
        action=case_records.ESCALATED,
        from_state=case.state,
        details={
            "step": case.state,
            "level": step.level.value,
            "escalated_to": step.target.value,
            "missed_due_at": missed.isoformat(),
            "added_reviewer_ids": added,
        },
    )
    event = CaseEscalated(
        case_id=case.case_id,
        idea_id=case.idea_id,
        step=case.state,
        due_at=missed,
        level=step.level.value,
        escalated_to=step.target.value,
        scope=Scope(case.scope),
        unit_id=case.unit_id,
        added_reviewer_ids=added,
        reviewer_ids=list(await case_records.reviewer_ids(session, case.case_id)),
        next_due_at=step.next_due_at,
    )
    await uow.publish(event)
    await session.flush()
    return event


async def _people_at(
    session: AsyncSession, case: CaseRow, target: EscalationTarget, rule: RoutingRule
) -> list[str]:
    authors = set(case.author_ids)
    if target is EscalationTarget.DEPARTMENT:
        units, people = await org.load_org(session)
        return list(department_reviewers(case.unit_id, units, people, authors, rule=rule))
    if target is EscalationTarget.COMMITTEE:
        committee = await committee_roster.committee_for(session, rule)
        if committee is not None:
            members = await committee_roster.active_member_ids(session, committee.committee_id)
            return [m for m in members if m not in authors]
        units, people = await org.load_org(session)
        return sorted(
            {p.person_id for p in people if p.active and "committee_member" in p.roles} - authors
        )
    # The admins see every escalated case on their work list (GET /cases?escalated=true).
    return []


async def sweep(open_unit: OpenUnit, *, batch: int = 100) -> list[CaseEscalated]:
    """Escalate every overdue step once (one level per sweep); return what was escalated."""
    return await sweep_due(
        open_unit,
        lambda now: (
            CaseRow.due_at.is_not(None),
            CaseRow.due_at <= now,
            CaseRow.escalation_level < Level.ADMIN.value,
        ),
        escalate_case,
        raced="escalation_raced",  # another replica escalated this step to this level
        batch=batch,
    )
