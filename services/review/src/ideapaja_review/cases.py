"""Use cases on review cases: open and route, route again when HR data arrives, decide, read.

Handlers and routes call these inside their transaction and pass ``publish`` (the outbox of that
transaction), so every state change and the event announcing it commit together.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts import Event
from ideapaja_contracts.events.idea import IdeaSubmitted, Scope
from ideapaja_contracts.events.review import Decision, ReviewDecided, ScreeningStarted
from ideapaja_review import org
from ideapaja_review.db.models import CaseHistoryRow, CaseReviewerRow, CaseRow, RoutingLockRow
from ideapaja_review.domain import access, lifecycle
from ideapaja_review.domain.lifecycle import Action, CaseState, CaseStatus
from ideapaja_review.domain.routing import Routing, route

Publish = Callable[[Event], Awaitable[None]]

# History actions besides the state machine's own (which are recorded under their names).
OPENED = "opened"
ROUTED = "routed"


class CaseNotFound(Exception):
    pass


class NotAllowed(Exception):
    pass


class InvalidDecision(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CaseRecord:
    case: CaseRow
    reviewer_ids: tuple[str, ...]
    history: tuple[CaseHistoryRow, ...] = ()

    @property
    def status(self) -> CaseStatus:
        return status_of(self.case)


def status_of(case: CaseRow) -> CaseStatus:
    decision = Decision(case.decision) if case.decision else None
    return CaseStatus(CaseState(case.state), decision)


async def lock_routing(session: AsyncSession) -> None:
    """Serialise work that opens or routes cases (see RoutingLockRow). A no-op lock on SQLite,
    whose writers are serialised by BEGIN IMMEDIATE already."""
    await session.execute(
        select(RoutingLockRow.lock_id).where(RoutingLockRow.lock_id == 1).with_for_update()
    )


async def open_case(
    session: AsyncSession,
    idea: IdeaSubmitted,
    *,
    publish: Publish,
    now: datetime,
    screening_days: int,
) -> CaseRow | None:
    """Open the idea's case and route it; None when the idea already has one (idempotent)."""
    await lock_routing(session)
    if await session.scalar(select(CaseRow.case_id).where(CaseRow.idea_id == idea.idea_id)):
        return None
    case = CaseRow(
        case_id=f"c-{uuid.uuid4().hex}",
        idea_id=idea.idea_id,
        title=idea.title,
        problem=idea.problem,
        solution=idea.solution,
        benefit=idea.benefit,
        scope=idea.scope.value,
        unit_id=idea.unit_id,
        language=idea.language,
        anonymous=idea.anonymous,
        author_ref=idea.author_ref,
        author_ids=list(idea.author_ids),
        state=lifecycle.SCREENING.state.value,
        decision=None,
        routed=False,
        opened_at=now,
        screening_due_at=now + timedelta(days=screening_days),
    )
    session.add(case)
    await session.flush()
    _append_history(
        session, case, now, actor_id=None, action=OPENED, from_state=None, reason="idea submitted"
    )
    units, people = await org.load_org(session)
    routing = route(idea.scope, idea.unit_id, units, people, authors=idea.author_ids)
    if routing.routed:
        await _assign(session, case, routing, publish=publish, now=now)
    await session.flush()
    return case


async def route_unrouted(session: AsyncSession, *, publish: Publish, now: datetime) -> int:
    """Route every case still in screening without reviewers; return how many got reviewers.

    Called after HR data changes. Cases already routed keep their reviewers.
    """
    await lock_routing(session)
    waiting = (
        await session.scalars(
            select(CaseRow)
            .where(CaseRow.routed.is_(False), CaseRow.state == CaseState.SCREENING.value)
            .order_by(CaseRow.opened_at, CaseRow.case_id)
            # A decision racing this (an admin deciding an unrouted case) wins or waits; a case
            # decided meanwhile no longer matches and is skipped, never announced afterwards.
            .with_for_update()
        )
    ).all()
    if not waiting:
        return 0
    units, people = await org.load_org(session)
    count = 0
    for case in waiting:
        routing = route(Scope(case.scope), case.unit_id, units, people, authors=case.author_ids)
        if routing.routed:
            await _assign(session, case, routing, publish=publish, now=now)
            count += 1
    await session.flush()
    return count


async def _assign(
    session: AsyncSession, case: CaseRow, routing: Routing, *, publish: Publish, now: datetime
) -> None:
    """Give the case its reviewers and announce that screening started, once per case."""
    for person_id in routing.reviewer_ids:
        session.add(CaseReviewerRow(case_id=case.case_id, person_id=person_id))
    case.routed = True
    _append_history(
        session,
        case,
        now,
        actor_id=None,
        action=ROUTED,
        from_state=case.state,
        reason=f"routed via {routing.via}",
        details={"via": routing.via.value, "reviewer_ids": list(routing.reviewer_ids)},
    )
    await publish(
        ScreeningStarted(
            case_id=case.case_id,
            idea_id=case.idea_id,
            scope=Scope(case.scope),
            unit_id=case.unit_id,
            reviewer_ids=list(routing.reviewer_ids),
        )
    )


async def decide(
    session: AsyncSession,
    case_id: str,
    *,
    person_id: str,
    roles: frozenset[str],
    decision: Decision,
    rationale: str,
    duplicate_of: str | None,
    forwarded_to_unit_id: str | None,
    publish: Publish,
    now: datetime,
) -> CaseRecord:
    """Record a reviewer's decision on a case in screening and emit ReviewDecided.

    Raises CaseNotFound, NotAllowed (with the reason), IllegalTransition, InvalidDecision.
    """
    # Locked for the rest of the transaction: two concurrent decisions cannot both pass the
    # state check (PostgreSQL; SQLite's writers are serialised already).
    case = await session.scalar(select(CaseRow).where(CaseRow.case_id == case_id).with_for_update())
    if case is None:
        raise CaseNotFound(case_id)
    reviewer_ids = await _reviewer_ids(session, case_id)
    denied = access.decision_denied(person_id, roles, Scope(case.scope), reviewer_ids)
    if denied is not None:
        raise NotAllowed(denied.reason)
    before = status_of(case)
    after = lifecycle.apply(before, Action.DECIDE, decision)
    if duplicate_of is not None:
        if duplicate_of == case.idea_id:
            raise InvalidDecision("duplicate_of", "An idea cannot be a duplicate of itself.")
        if not await session.scalar(select(CaseRow.case_id).where(CaseRow.idea_id == duplicate_of)):
            raise InvalidDecision("duplicate_of", f"No idea {duplicate_of} is known to review.")
    if forwarded_to_unit_id is not None:
        if forwarded_to_unit_id == case.unit_id:
            raise InvalidDecision("forwarded_to_unit_id", "The idea is already in that unit.")
        if not await org.unit_exists(session, forwarded_to_unit_id):
            raise InvalidDecision("forwarded_to_unit_id", f"Unknown unit {forwarded_to_unit_id}.")
    case.state = after.state.value
    case.decision = decision.value
    case.decided_at = now
    case.decided_by = person_id
    case.rationale = rationale
    case.duplicate_of = duplicate_of
    case.forwarded_to_unit_id = forwarded_to_unit_id
    _append_history(
        session,
        case,
        now,
        actor_id=person_id,
        action=Action.DECIDE.value,
        from_state=before.state.value,
        decision=decision.value,
        reason=rationale,
        details=_without_none(duplicate_of=duplicate_of, forwarded_to_unit_id=forwarded_to_unit_id),
    )
    await publish(
        ReviewDecided(
            case_id=case.case_id,
            idea_id=case.idea_id,
            decision=decision,
            rationale=rationale,
            decided_by=person_id,
            scope=Scope(case.scope),
            unit_id=case.unit_id,
            duplicate_of=duplicate_of,
            forwarded_to_unit_id=forwarded_to_unit_id,
        )
    )
    await session.flush()
    return CaseRecord(case, reviewer_ids, await _history(session, case_id))


async def get_case(
    session: AsyncSession, *, case_id: str | None = None, idea_id: str | None = None
) -> CaseRecord:
    """A case with its reviewers and full history, by case id or idea id."""
    query = select(CaseRow)
    query = (
        query.where(CaseRow.case_id == case_id)
        if case_id is not None
        else query.where(CaseRow.idea_id == idea_id)
    )
    case = await session.scalar(query)
    if case is None:
        raise CaseNotFound(case_id or idea_id)
    return CaseRecord(
        case,
        await _reviewer_ids(session, case.case_id),
        await _history(session, case.case_id),
    )


async def list_cases(
    session: AsyncSession,
    *,
    reviewer_id: str | None,
    state: CaseState | None,
    routed: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[CaseRecord], int]:
    """Cases assigned to ``reviewer_id`` (every case when None), oldest first, and the total."""
    query = select(CaseRow)
    if reviewer_id is not None:
        query = query.join(
            CaseReviewerRow,
            (CaseReviewerRow.case_id == CaseRow.case_id)
            & (CaseReviewerRow.person_id == reviewer_id),
        )
    if state is not None:
        query = query.where(CaseRow.state == state.value)
    if routed is not None:
        query = query.where(CaseRow.routed.is_(routed))
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = (
        await session.scalars(
            query.order_by(CaseRow.opened_at, CaseRow.case_id).limit(limit).offset(offset)
        )
    ).all()
    reviewers = await _reviewers_of(session, [row.case_id for row in rows])
    return [CaseRecord(row, reviewers.get(row.case_id, ())) for row in rows], total


async def _reviewer_ids(session: AsyncSession, case_id: str) -> tuple[str, ...]:
    return (await _reviewers_of(session, [case_id])).get(case_id, ())


async def _reviewers_of(
    session: AsyncSession, case_ids: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    if not case_ids:
        return {}
    result = await session.execute(
        select(CaseReviewerRow.case_id, CaseReviewerRow.person_id)
        .where(CaseReviewerRow.case_id.in_(case_ids))
        .order_by(CaseReviewerRow.case_id, CaseReviewerRow.person_id)
    )
    found: dict[str, list[str]] = {}
    for case_id, person_id in result.all():
        found.setdefault(case_id, []).append(person_id)
    return {case_id: tuple(people) for case_id, people in found.items()}


async def _history(session: AsyncSession, case_id: str) -> tuple[CaseHistoryRow, ...]:
    rows = await session.scalars(
        select(CaseHistoryRow).where(CaseHistoryRow.case_id == case_id).order_by(CaseHistoryRow.seq)
    )
    return tuple(rows.all())


def _append_history(
    session: AsyncSession,
    case: CaseRow,
    now: datetime,
    *,
    actor_id: str | None,
    action: str,
    from_state: str | None,
    decision: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        CaseHistoryRow(
            case_id=case.case_id,
            occurred_at=now,
            actor_id=actor_id,
            action=action,
            from_state=from_state,
            to_state=case.state,
            decision=decision,
            reason=reason,
            details=details or None,
        )
    )


def _without_none(**values: str | None) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
