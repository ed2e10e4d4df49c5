"""Opening and routing cases: open the idea's case and route it, and route again the cases still
waiting for reviewers when HR data, the change-agent network, a committee or a rule changes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import IdeaSubmitted, Scope
from ideapaja_contracts.events.review import (
    ScreeningStarted,
)
from ideapaja_review.db import committee_roster, org, rules_store
from ideapaja_review.db.models import CaseReviewerRow, CaseRow
from ideapaja_review.domain import deadlines
from ideapaja_review.domain.lifecycle import CaseState
from ideapaja_review.domain.routing import Routing, route
from ideapaja_review.domain.rules import RoutingRule
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases.case_records import (
    OPENED,
    REROUTED,
    ROUTED,
    append_history,
    index_text,
    lock_routing,
    rule_of,
)


async def open_case(uow: ReviewWork, idea: IdeaSubmitted) -> CaseRow | None:
    """Open the idea's case and route it; None when the idea already has one (idempotent)."""
    session = uow.session
    await lock_routing(session)
    if await session.scalar(select(CaseRow.case_id).where(CaseRow.idea_id == idea.idea_id)):
        return None
    return await _new_case(
        uow,
        idea_id=idea.idea_id,
        content={
            "title": idea.title,
            "problem": idea.problem,
            "solution": idea.solution,
            "benefit": idea.benefit,
            "language": idea.language,
        },
        scope=idea.scope,
        unit_id=idea.unit_id,
        anonymous=idea.anonymous,
        author_ref=idea.author_ref,
        author_ids=list(idea.author_ids),
    )


async def _new_case(
    uow: ReviewWork,
    *,
    idea_id: str,
    content: dict[str, str],
    scope: Scope,
    unit_id: str,
    anonymous: bool,
    author_ref: str,
    author_ids: list[str],
    reason: str | None = None,
    round_: int = 1,
    previous: CaseRow | None = None,
    actor_id: str | None = None,
) -> CaseRow:
    session = uow.session
    now = uow.now
    rule = await rules_store.rule_for_unit(session, unit_id, uow.settings.builtin_rule())
    due = deadlines.due_at(CaseState.SCREENING, now, rule.deadlines)
    case = CaseRow(
        case_id=f"c-{uuid.uuid4().hex}",
        idea_id=idea_id,
        round=round_,
        previous_case_id=previous.case_id if previous is not None else None,
        scope=scope.value,
        unit_id=unit_id,
        anonymous=anonymous,
        author_ref=author_ref,
        author_ids=author_ids,
        state=CaseState.SCREENING.value,
        decision=None,
        routed=False,
        opened_at=now,
        screening_due_at=due or now,
        step_seq=1,
        step_entered_at=now,
        due_at=due,
        escalation_level=deadlines.starting_level(scope).value,
        appealed=False,
        content_revision=previous.content_revision if previous is not None else 1,
        **content,
    )
    index_text(case)
    session.add(case)
    await session.flush()
    append_history(
        session,
        case,
        now,
        actor_id=actor_id,
        action=OPENED,
        from_state=None,
        reason=reason,
        # A forwarded idea's new case names the case and unit it came from; the reason is the
        # forwarder's own words (history reasons are people's text, never composed English).
        details=(
            {"previous_case_id": previous.case_id, "forwarded_from": previous.unit_id}
            if previous is not None
            else None
        ),
    )
    units, people = await org.load_org(session)
    routing = await _route(session, case, rule, units, people)
    if routing.routed:
        await _assign(uow, case, routing)
    await session.flush()
    return case


async def _route(
    session: AsyncSession,
    case: CaseRow,
    rule: RoutingRule,
    units: Any,
    people: Any,
) -> Routing:
    scope = Scope(case.scope)
    members: list[str] | None = None
    if rule.goes_to_committee(scope):
        committee = await committee_roster.committee_for(session, rule)
        if committee is not None:
            case.committee_id = committee.committee_id
            members = await committee_roster.active_member_ids(session, committee.committee_id)
    return route(
        scope,
        case.unit_id,
        units,
        people,
        authors=case.author_ids,
        rule=rule,
        committee_member_ids=members,
    )


async def route_unrouted(uow: ReviewWork) -> int:
    """Route every case still in screening without reviewers; return how many got reviewers.

    Called after HR data, the change-agent network or a committee changes. Cases already
    routed keep their reviewers.
    """
    session = uow.session
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
        rule = await rule_of(uow, case)
        routing = await _route(session, case, rule, units, people)
        if routing.routed:
            await _assign(uow, case, routing)
            count += 1
    await session.flush()
    return count


async def route_again(uow: ReviewWork) -> None:
    """After a committee or a rule changes: route the waiting cases, and give the open cases of
    a committee the reviewers the committee now has."""
    await route_unrouted(uow)
    await reroute_committee_cases(uow)


async def reroute_committee_cases(uow: ReviewWork) -> int:
    """Route again every open case (screening or review) whose rule sends it to a committee:
    a city idea that went to everyone with the committee_member role before a committee existed
    goes to the committee, and a committee's cases follow its membership. Reviewers added by an
    escalation stay. Returns how many cases changed reviewers."""
    session = uow.session
    await lock_routing(session)
    open_cases = (
        await session.scalars(
            select(CaseRow)
            .where(
                CaseRow.routed.is_(True),
                CaseRow.state.in_([CaseState.SCREENING.value, CaseState.IN_REVIEW.value]),
            )
            .order_by(CaseRow.opened_at, CaseRow.case_id)
            .with_for_update()
        )
    ).all()
    units, people = await org.load_org(session)
    changed = 0
    for case in open_cases:
        rule = await rule_of(uow, case)
        if not rule.goes_to_committee(Scope(case.scope)):
            continue
        before = case.committee_id
        routing = await _route(session, case, rule, units, people)
        if routing.routed and await _replace_routed(uow, case, routing, before):
            changed += 1
    await session.flush()
    return changed


async def _replace_routed(
    uow: ReviewWork, case: CaseRow, routing: Routing, committee_before: str | None
) -> bool:
    """The case's routed reviewers become ``routing``'s; True if anything changed."""
    session = uow.session
    rows = (
        await session.scalars(
            select(CaseReviewerRow).where(
                CaseReviewerRow.case_id == case.case_id, CaseReviewerRow.source == "routing"
            )
        )
    ).all()
    current = {row.person_id for row in rows}
    new = set(routing.reviewer_ids)
    if current == new and committee_before == case.committee_id:
        return False
    await session.execute(
        delete(CaseReviewerRow).where(
            CaseReviewerRow.case_id == case.case_id,
            CaseReviewerRow.source == "routing",
            CaseReviewerRow.person_id.in_(current - new),
        )
    )
    others = set(
        (
            await session.scalars(
                select(CaseReviewerRow.person_id).where(CaseReviewerRow.case_id == case.case_id)
            )
        ).all()
    )
    for person_id in sorted(new - others):
        session.add(
            CaseReviewerRow(
                case_id=case.case_id, person_id=person_id, source="routing", added_at=uow.now
            )
        )
    append_history(
        session,
        case,
        uow.now,
        actor_id=None,
        action=REROUTED,
        from_state=case.state,
        details={
            "via": routing.via.value,
            "committee_id": case.committee_id,
            "reviewer_ids": sorted(new),
            "previous_reviewer_ids": sorted(current),
        },
    )
    return True


async def _assign(uow: ReviewWork, case: CaseRow, routing: Routing) -> None:
    """Give the case its reviewers and announce that screening started, once per case."""
    session = uow.session
    for person_id in routing.reviewer_ids:
        session.add(
            CaseReviewerRow(
                case_id=case.case_id, person_id=person_id, source="routing", added_at=uow.now
            )
        )
    case.routed = True
    append_history(
        session,
        case,
        uow.now,
        actor_id=None,
        action=ROUTED,
        from_state=case.state,
        details={"via": routing.via.value, "reviewer_ids": list(routing.reviewer_ids)},
    )
    await uow.publish(
        ScreeningStarted(
            case_id=case.case_id,
            idea_id=case.idea_id,
            scope=Scope(case.scope),
            unit_id=case.unit_id,
            reviewer_ids=list(routing.reviewer_ids),
        )
    )
