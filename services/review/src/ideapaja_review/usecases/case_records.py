"""What a review case is made of and how it is read: its record, status, reviewers and history
(append-only), and the queries behind the work lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, Unpack

from sqlalchemy import false, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_contracts.events.review import (
    Decision,
)
from ideapaja_review.authz import POLICY
from ideapaja_review.db import cases, committee_roster, network, rules_store
from ideapaja_review.db.models import CaseHistoryRow, CaseReviewerRow, CaseRow
from ideapaja_review.domain import access, deadlines
from ideapaja_review.domain.lifecycle import CaseState, CaseStatus
from ideapaja_review.domain.rules import RoutingRule
from ideapaja_review.errors import CaseNotFound, NotAllowed, NotFound
from ideapaja_review.settings import ReviewWork
from ideapaja_runtime.authz import Scope as ReadScope
from ideapaja_runtime.pagination import Page, PageRequest, page_from, paginate
from ideapaja_search import sql as ranking
from ideapaja_search.analysis import query_words
from ideapaja_search.ranked import ranked_paginate
from ideapaja_search.sql import SearchColumns

R = TypeVar("R")

# History actions besides the state machine's own (which are recorded under their names).
OPENED = "opened"
ROUTED = "routed"
# Reviewers changed because a committee (or its membership) or a rule changed.
REROUTED = "rerouted"
MERGED_IN = "merged_in"
IDEA_UPDATED = "idea_updated"
IDEA_WITHDRAWN = "idea_withdrawn"
ESCALATED = "escalated"


@dataclass(frozen=True)
class CaseRecord:
    case: CaseRow
    reviewer_ids: tuple[str, ...]
    history: tuple[CaseHistoryRow, ...] = ()

    @property
    def status(self) -> CaseStatus:
        return status_of(self.case)


def status_of(case: CaseRow) -> CaseStatus:
    state = CaseState(case.state)
    decision = Decision(case.decision) if state is CaseState.DECIDED and case.decision else None
    outcome = (
        ExperimentOutcome(case.outcome) if state is CaseState.PILOTED and case.outcome else None
    )
    return CaseStatus(state, decision, outcome, appealed=bool(case.appealed))


def author_actor(case: CaseRow, person_id: str) -> str:
    """How an author acting on their own idea is named in its history: by person id, or by the
    pseudonym when the idea is anonymous (its reviewers read the history)."""
    return case.author_ref if case.anonymous else person_id


async def lock_routing(session: AsyncSession) -> None:
    """Serialise work that opens or routes cases (see RoutingLockRow). A no-op lock on SQLite,
    whose writers are serialised by BEGIN IMMEDIATE already."""
    await cases.lock_routing(session)


async def rule_of(uow: ReviewWork, case: CaseRow) -> RoutingRule:
    session = uow.session
    return await rules_store.rule_for_unit(session, case.unit_id, uow.settings.builtin_rule())


async def latest_case(session: AsyncSession, idea_id: str) -> CaseRow | None:
    """The idea's current case: the last round (a forwarded idea's receiving unit's case)."""
    result: CaseRow | None = await session.scalar(
        select(CaseRow).where(CaseRow.idea_id == idea_id).order_by(CaseRow.round.desc()).limit(1)
    )
    return result


async def record_of(session: AsyncSession, case: CaseRow) -> CaseRecord:
    return CaseRecord(
        case,
        await reviewer_ids(session, case.case_id),
        await history(session, case.case_id),
    )


async def get_case(
    session: AsyncSession, *, case_id: str | None = None, idea_id: str | None = None
) -> CaseRecord:
    """A case with its reviewers and full history, by case id or (the current case of) an idea."""
    if case_id is not None:
        case = await session.get(CaseRow, case_id)
    else:
        assert idea_id is not None
        case = await latest_case(session, idea_id)
    if case is None:
        raise CaseNotFound(str(case_id or idea_id))
    return await record_of(session, case)


async def visible_case(
    uow: ReviewWork, *, case_id: str | None = None, idea_id: str | None = None
) -> CaseRecord:
    """A case as its reader may see it: its reviewers, admins, and the members of the committee
    it went to (after ``require_worklist``)."""
    await require_worklist(uow)
    session, person = uow.session, uow.person
    record = await get_case(session, case_id=case_id, idea_id=idea_id)
    if access.may_view(person.person_id, person.roles, record.reviewer_ids):
        return record
    committee_id = record.case.committee_id
    if committee_id is not None and person.person_id in await committee_roster.member_roles(
        session, committee_id
    ):
        return record
    raise NotAllowed("You are not a reviewer of this case.")


async def rounds_as_author_sees(uow: ReviewWork, idea_id: str) -> list[CaseRecord]:
    """Every round of an idea's review, for its authors and its current reviewers."""
    session, person = uow.session, uow.person
    rounds = await cases_of_idea(session, idea_id)
    if not rounds:
        raise NotFound(f"Review knows no idea {idea_id}.", what="Idea")
    current = rounds[-1]
    reviewers = await reviewer_ids(session, current.case_id)
    if not (
        access.is_author(person.person_id, current.author_ids)
        or access.may_view(person.person_id, person.roles, reviewers)
    ):
        raise NotAllowed("Only the idea's authors and reviewers see this.")
    return await rounds_of(session, idea_id)


async def rounds_of(session: AsyncSession, idea_id: str) -> list[CaseRecord]:
    """Every round of an idea's review, oldest first."""
    return [await record_of(session, case) for case in await cases_of_idea(session, idea_id)]


async def require_worklist(uow: ReviewWork) -> None:
    """Object rule before any case is read: the caller has a review work list at all — a
    reviewing role in the token, or assigned as a change agent or supervisor by an admin (which
    the identity provider does not know about)."""
    person = uow.person
    if person.has_any(*access.WORKLIST_ROLES):
        return
    if await network.is_assigned(uow.session, person.person_id):
        return
    raise NotAllowed(
        "You review no cases: this needs one of the roles "
        f"{', '.join(access.WORKLIST_ROLES)} or an assignment in the change-agent network."
    )


SEARCH_COLUMNS = SearchColumns(
    CaseRow.search_terms, CaseRow.search_parts, "review_cases.search_vector", fts_of="review_cases"
)


async def work_list(
    uow: ReviewWork,
    page: PageRequest,
    *,
    item: Callable[[CaseRecord], R],
    status: CaseState | None = None,
    routed: bool | None = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
    language: str | None = None,
    q: str | None = None,
) -> Page[R]:
    """The caller's work list: the cases they review (every case where their role's scope is
    every case), oldest first, one page of it; with ``q``, the cases whose text has its words
    as lemmas first, then those that have them only as compound parts (each oldest first)."""
    await require_worklist(uow)
    everyone = POLICY["cases.list"].scope_for(uow.person) is ReadScope.ANY
    return await list_cases(
        uow.session,
        page,
        item=item,
        reviewer_id=None if everyone else uow.person.person_id,
        status=status,
        routed=routed,
        overdue=overdue,
        now=uow.now,
        escalated=escalated,
        language=language,
        q=q,
    )


async def list_cases(
    session: AsyncSession,
    page: PageRequest,
    *,
    item: Callable[[CaseRecord], R],
    reviewer_id: str | None,
    status: CaseState | None = None,
    routed: bool | None = None,
    overdue: bool | None = None,
    now: datetime | None = None,
    escalated: bool | None = None,
    language: str | None = None,
    q: str | None = None,
) -> Page[R]:
    """Cases assigned to ``reviewer_id`` (every case when None), oldest first (ties by id): one
    page, each shown by ``item``.

    ``overdue``: only cases whose current step is (or is not) due by ``now``. ``escalated``:
    only cases whose current step has (or has not) been escalated above its starting level.
    """
    query = select(CaseRow)
    if reviewer_id is not None:
        query = query.join(
            CaseReviewerRow,
            (CaseReviewerRow.case_id == CaseRow.case_id)
            & (CaseReviewerRow.person_id == reviewer_id),
        )
    if status is not None:
        query = query.where(CaseRow.state == status.value)
    if routed is not None:
        query = query.where(CaseRow.routed.is_(routed))
    if overdue is not None:
        assert now is not None, "overdue needs now"
        late = CaseRow.due_at.is_not(None) & (CaseRow.due_at <= now)
        query = query.where(late if overdue else ~late)
    if escalated is not None:
        # Its starting level depends on the scope (deadlines.starting_level).
        above_start = CaseRow.escalation_level > _start_level_expr()
        query = query.where(above_start if escalated else ~above_start)
    if language is not None:
        query = query.where(CaseRow.language == language)
    rows, total, next_cursor = await _page(session, query, page, q)
    reviewers = await _reviewers_of(session, [row.case_id for row in rows])
    records = [CaseRecord(row, reviewers.get(row.case_id, ())) for row in rows]
    return page_from(page, records, total, next_cursor, item=item)


async def _page(
    session: AsyncSession, query: Any, page: PageRequest, q: str | None
) -> tuple[list[Any], int, str | None]:
    keys = [CaseRow.opened_at, CaseRow.case_id]
    words = query_words(q) if q is not None else []
    if q is not None and not words:
        query = query.where(false())  # only stopwords or punctuation: nothing to find
    if not words:
        return await paginate(session, query, keys=keys, page=page, descending=False)
    tiers, matched = ranking.tiers(session.get_bind().dialect.name, SEARCH_COLUMNS, words)
    return await ranked_paginate(
        session,
        query,
        tiers=tiers,
        matched=matched,
        keys=keys,
        page=page,
        descending=False,
    )


def _start_level_expr() -> Any:
    from sqlalchemy import case as sql_case

    return sql_case(
        (CaseRow.scope == Scope.CITY.value, deadlines.Level.COMMITTEE.value),
        (CaseRow.scope == Scope.DEPARTMENT.value, deadlines.Level.DEPARTMENT.value),
        else_=deadlines.Level.UNIT.value,
    )


async def reviewer_ids(session: AsyncSession, case_id: str) -> tuple[str, ...]:
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


async def history(session: AsyncSession, case_id: str) -> tuple[CaseHistoryRow, ...]:
    rows = await session.scalars(
        select(CaseHistoryRow).where(CaseHistoryRow.case_id == case_id).order_by(CaseHistoryRow.seq)
    )
    return tuple(rows.all())


async def cases_of_idea(session: AsyncSession, idea_id: str) -> list[CaseRow]:
    rows = await session.scalars(
        select(CaseRow).where(CaseRow.idea_id == idea_id).order_by(CaseRow.round)
    )
    return list(rows.all())


def append_history(
    session: AsyncSession, case: CaseRow, now: datetime, **step: Unpack[cases.HistoryStep]
) -> None:
    """Add the case's next history row (an ORM object: the case's other changes are too)."""
    session.add(CaseHistoryRow(**cases.history_values(case.case_id, case.state, now, **step)))


def note_by_person(
    uow: ReviewWork,
    case: CaseRow,
    action: str,
    *,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add a history row for something the acting person did that leaves the case in its state
    (a score, a conflict of interest, an agenda change, a merge into it)."""
    append_history(
        uow.session,
        case,
        uow.now,
        actor_id=uow.person.person_id,
        action=action,
        from_state=case.state,
        reason=reason,
        details=details,
    )


def _without_none(**values: str | None) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
