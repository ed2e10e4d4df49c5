"""Opening and routing cases: open the idea's case and route it, and route again the cases still
waiting for reviewers when HR data, the change-agent network, a committee or a rule changes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import IdeaSubmitted, Scope
from ideapaja_contracts.events.review import (
    ScreeningStarted,
)
from ideapaja_review.db import cases, committee_roster, org, rules_store
from ideapaja_review.db.models import CaseReviewerRow, CaseRow
from ideapaja_review.domain import deadlines
from ideapaja_review.domain.lifecycle import CaseState
from ideapaja_review.domain.routing import Routing, department_of, route
from ideapaja_review.domain.rules import RoutingRule
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases.case_records import (
    OPENED,
    REROUTED,
    ROUTED,
    append_history,
    lock_routing,
    rule_of,
)
from ideapaja_search.analysis import stored_terms


def idea_content(source: IdeaSubmitted | CaseRow) -> dict[str, str]:
    """An idea's text and language as a new case stores them: from the idea as submitted, or
    from an earlier case of it (a forwarded idea)."""
    return {
        "title": source.title,
        "problem": source.problem,
        "solution": source.solution,
        "benefit": source.benefit,
        "language": source.language,
    }


async def open_case(uow: ReviewWork, idea: IdeaSubmitted) -> bool:
    """Open the idea's case and route it; False when the idea already has one (idempotent)."""
    session = uow.session
    await lock_routing(session)
    if await cases.idea_has_case(session, idea.idea_id):
        return False
    await _new_case(
        uow,
        idea_id=idea.idea_id,
        content=idea_content(idea),
        scope=idea.scope,
        unit_id=idea.unit_id,
        anonymous=idea.anonymous,
        author_ref=idea.author_ref,
        author_ids=list(idea.author_ids),
    )
    return True


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
) -> None:
    """Open a case routed as far as the org allows: routed first, then inserted once with its
    history (opened, then routed) and reviewers, as rows (``db/cases.py``), not ORM objects."""
    session = uow.session
    now = uow.now
    # What the transaction changed as objects (a forwarded case's decision and history) is
    # written before the new case's rows, in the order the ORM flushed it before.
    await session.flush()
    units, people = await org.load_org(session)
    # The unit's department from the org routing reads anyway (one query less per case).
    department_id = department_of(unit_id, units)
    rule = await rules_store.rule_for_department(
        session, department_id, uow.settings.builtin_rule()
    )
    due = deadlines.due_at(CaseState.SCREENING, now, rule.deadlines)
    routing, committee_id = await _route(session, scope, unit_id, author_ids, rule, units, people)
    case_id = f"c-{uuid.uuid4().hex}"
    state = CaseState.SCREENING.value
    search_terms, search_parts = stored_terms(
        content["title"],
        content["problem"],
        content["solution"],
        content["benefit"],
        language=content["language"],
    )
    history = [
        cases.history_values(
            case_id,
            state,
            now,
            actor_id=actor_id,
            action=OPENED,
            from_state=None,
            reason=reason,
            # A forwarded idea's new case names the case and unit it came from; the reason is
            # the forwarder's own words (history reasons are people's text, never composed
            # English).
            details=(
                {"previous_case_id": previous.case_id, "forwarded_from": previous.unit_id}
                if previous is not None
                else None
            ),
        )
    ]
    reviewers: list[dict[str, Any]] = []
    if routing.routed:
        reviewers = [
            {"case_id": case_id, "person_id": person_id, "source": "routing", "added_at": now}
            for person_id in routing.reviewer_ids
        ]
        history.append(_routed_history(case_id, state, now, routing))
    await cases.insert_case(
        session,
        {
            "case_id": case_id,
            "idea_id": idea_id,
            "round": round_,
            "previous_case_id": previous.case_id if previous is not None else None,
            "scope": scope.value,
            "unit_id": unit_id,
            "anonymous": anonymous,
            "author_ref": author_ref,
            "author_ids": author_ids,
            "state": state,
            "decision": None,
            "routed": routing.routed,
            "committee_id": committee_id,
            "opened_at": now,
            "screening_due_at": due or now,
            "step_seq": 1,
            "step_entered_at": now,
            "due_at": due,
            "escalation_level": deadlines.starting_level(scope).value,
            "appealed": False,
            "content_revision": previous.content_revision if previous is not None else 1,
            "search_terms": search_terms,
            "search_parts": search_parts,
            **content,
        },
        history,
        reviewers,
    )
    if routing.routed:
        await uow.publish(
            ScreeningStarted(
                case_id=case_id,
                idea_id=idea_id,
                scope=scope,
                unit_id=unit_id,
                reviewer_ids=list(routing.reviewer_ids),
            )
        )


def _routed_history(case_id: str, state: str, now: datetime, routing: Routing) -> dict[str, Any]:
    return cases.history_values(
        case_id,
        state,
        now,
        actor_id=None,
        action=ROUTED,
        from_state=state,
        details={"via": routing.via.value, "reviewer_ids": list(routing.reviewer_ids)},
    )


async def _route(
    session: AsyncSession,
    scope: Scope,
    unit_id: str,
    authors: list[str],
    rule: RoutingRule,
    units: Any,
    people: Any,
) -> tuple[Routing, str | None]:
    """The routing of a case in ``unit_id``, and the committee it goes to (None: no committee)."""
    committee_id: str | None = None
    members: list[str] | None = None
    if rule.goes_to_committee(scope):
        committee = await committee_roster.committee_for(session, rule)
        if committee is not None:
            committee_id = committee.committee_id
            members = await committee_roster.active_member_ids(session, committee_id)
    routing = route(
        scope,
        unit_id,
        units,
        people,
        authors=authors,
        rule=rule,
        committee_member_ids=members,
    )
    return routing, committee_id


async def _route_case(
    session: AsyncSession, case: CaseRow, rule: RoutingRule, units: Any, people: Any
) -> Routing:
    """Route a stored case; it takes the committee found (if any)."""
    routing, committee_id = await _route(
        session, Scope(case.scope), case.unit_id, case.author_ids, rule, units, people
    )
    if committee_id is not None:
        case.committee_id = committee_id
    return routing


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
        routing = await _route_case(session, case, rule, units, people)
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
        routing = await _route_case(session, case, rule, units, people)
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
