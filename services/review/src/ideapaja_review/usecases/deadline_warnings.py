"""Reminders before a deadline: the deadline sweep also finds steps due within the warning
period (``deadline_warning_hours``) and publishes CaseDeadlineNear to their reviewers once per
step entry and escalation level.

Safe with replicas, like the escalations (usecases/escalation.py): each replica's sweep locks the
cases it handles (``SKIP LOCKED`` on PostgreSQL), steps already reminded are not fetched again,
and the unique key of ``deadline_warnings`` (case, step, step entry, level) makes a racing second
reminder fail before its event reaches the outbox. The row and the event are written in one
transaction, so an event is published exactly when its reminder is recorded.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, exists

from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.review import CaseDeadlineNear
from ideapaja_review.db.models import CaseRow, DeadlineWarningRow
from ideapaja_review.domain.deadlines import deadline_near
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases import case_records
from ideapaja_review.usecases.due_cases import OpenUnit, sweep_due
from ideapaja_runtime.logging import get_logger

log = get_logger(__name__)


async def remind_case(
    uow: ReviewWork, case: CaseRow, warning: timedelta
) -> CaseDeadlineNear | None:
    """Remind ``case``'s reviewers if its current step's deadline is near now; the event, or
    None (not near, or no deadline)."""
    due = case.due_at
    if due is None or not deadline_near(due, uow.now, warning):
        return None
    session = uow.session
    session.add(
        DeadlineWarningRow(
            case_id=case.case_id,
            step=case.state,
            step_seq=case.step_seq,
            level=case.escalation_level,
            due_at=due,
            warned_at=uow.now,
        )
    )
    # The unique key decides between racing replicas before the event is written.
    await session.flush()
    event = CaseDeadlineNear(
        case_id=case.case_id,
        idea_id=case.idea_id,
        step=case.state,
        due_at=due,
        level=case.escalation_level,
        scope=Scope(case.scope),
        unit_id=case.unit_id,
        reviewer_ids=list(await case_records.reviewer_ids(session, case.case_id)),
    )
    await uow.publish(event)
    await session.flush()
    return event


def _not_reminded() -> ColumnElement[bool]:
    return ~exists().where(
        DeadlineWarningRow.case_id == CaseRow.case_id,
        DeadlineWarningRow.step == CaseRow.state,
        DeadlineWarningRow.step_seq == CaseRow.step_seq,
        DeadlineWarningRow.level == CaseRow.escalation_level,
    )


async def sweep(
    open_unit: OpenUnit, warning: timedelta, *, batch: int = 100
) -> list[CaseDeadlineNear]:
    """Remind the reviewers of every step due within ``warning`` and not reminded yet; return
    the reminders."""
    if warning <= timedelta(0):
        return []

    async def remind(uow: ReviewWork, case: CaseRow) -> CaseDeadlineNear | None:
        event = await remind_case(uow, case, warning)
        if event is not None:
            log.info("deadline_near", case_id=case.case_id, due_at=event.due_at)
        return event

    return await sweep_due(
        open_unit,
        lambda now: (CaseRow.due_at > now, CaseRow.due_at <= now + warning, _not_reminded()),
        remind,
        raced="deadline_warning_raced",  # another replica reminded this step a moment ago
        batch=batch,
    )
