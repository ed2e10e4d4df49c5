"""A committee's meetings: the agenda built from the cases in review, attendance, closing and the
minutes.

The rules of evaluation are pure (``domain/committee.py``, ``domain/minutes.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.review import MinutesPublished
from ideapaja_review.db import audit, committee_roster, org
from ideapaja_review.db.models import (
    AgendaItemRow,
    CaseRow,
    CommitteeRow,
    ConflictRow,
    MeetingRow,
    ScoreRow,
)
from ideapaja_review.domain import committee as rules
from ideapaja_review.domain.access import ADMIN
from ideapaja_review.domain.committee import Criterion, Tally
from ideapaja_review.domain.lifecycle import CaseState
from ideapaja_review.domain.minutes import (
    Conflict,
    ItemStatus,
    MemberScore,
    Minutes,
    MinutesItem,
)
from ideapaja_review.errors import InvalidInput, NotAllowed, NotFound, Refused
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases import case_records, meeting_notices
from ideapaja_review.usecases.committees import (
    AGENDA_ADDED,
    CLOSED,
    PLANNED,
    check_may_read,
    criteria_of,
    get_committee,
)
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.pagination import Page, PageRequest, page_from, paginate

R = TypeVar("R")


async def _organiser_or_admin(
    session: AsyncSession, committee_id: str, actor: Principal, what: str
) -> None:
    if ADMIN in actor.roles:
        return
    role = (await committee_roster.member_roles(session, committee_id)).get(actor.person_id)
    if role not in rules.ORGANISER_ROLES:
        raise NotAllowed(f"{what} is for the committee's chair or secretary.")


async def eligible_cases(session: AsyncSession, committee: CommitteeRow) -> list[CaseRow]:
    """Cases in review waiting for this committee and on no other meeting's pending agenda."""
    pending = (
        select(AgendaItemRow.case_id)
        .join(MeetingRow, MeetingRow.meeting_id == AgendaItemRow.meeting_id)
        .where(MeetingRow.status == PLANNED, AgendaItemRow.status == ItemStatus.PENDING.value)
    )
    mine = CaseRow.committee_id == committee.committee_id
    if committee.city_wide:
        # City ideas accepted for review before any committee existed.
        mine = or_(mine, (CaseRow.committee_id.is_(None)) & (CaseRow.scope == Scope.CITY.value))
    rows = await session.scalars(
        select(CaseRow)
        .where(CaseRow.state == CaseState.IN_REVIEW.value, mine, CaseRow.case_id.not_in(pending))
        .order_by(CaseRow.step_entered_at, CaseRow.case_id)
    )
    return list(rows.all())


async def create_meeting(
    uow: ReviewWork,
    committee_id: str,
    *,
    title: str,
    scheduled_at: datetime,
    case_ids: Sequence[str] | None,
) -> MeetingRow:
    """Call a meeting; its agenda is every eligible case (or the chosen ones), oldest first."""
    actor = uow.person
    session = uow.session
    committee = await get_committee(session, committee_id)
    await _organiser_or_admin(session, committee_id, actor, "Calling a meeting")
    eligible = await eligible_cases(session, committee)
    if case_ids is not None:
        by_id = {c.case_id: c for c in eligible}
        missing = [c for c in case_ids if c not in by_id]
        if missing:
            raise InvalidInput(
                "case_ids",
                f"Not in review for this committee or already on an agenda: {', '.join(missing)}",
            )
        agenda = [by_id[c] for c in dict.fromkeys(case_ids)]
    else:
        agenda = eligible
    meeting = MeetingRow(
        meeting_id=f"m-{uuid.uuid4().hex[:16]}",
        committee_id=committee_id,
        title=title,
        scheduled_at=scheduled_at,
        status=PLANNED,
        criteria=list(committee.criteria),
        quorum=committee.quorum,
        present_ids=[],
        created_by=actor.person_id,
        created_at=uow.now,
    )
    session.add(meeting)
    audit.record_by(
        uow,
        "meeting_called",
        f"meeting:{meeting.meeting_id}",
        {"committee_id": committee_id, "agenda": [c.case_id for c in agenda]},
    )
    await session.flush()
    for position, case in enumerate(agenda, start=1):
        await _add_item(uow, meeting, case, position)
    await session.flush()
    # The invitation, in the same transaction: the members hear of exactly the meeting called.
    await uow.publish(
        await meeting_notices.meeting_scheduled(session, meeting, agenda, actor.person_id)
    )
    return meeting


async def _add_item(
    uow: ReviewWork,
    meeting: MeetingRow,
    case: CaseRow,
    position: int,
) -> None:
    uow.session.add(
        AgendaItemRow(
            meeting_id=meeting.meeting_id,
            case_id=case.case_id,
            position=position,
            status=ItemStatus.PENDING.value,
        )
    )
    if case.committee_id is None:
        case.committee_id = meeting.committee_id
    case_records.note_by_person(
        uow,
        case,
        AGENDA_ADDED,
        reason=meeting.title,
        details={"meeting_id": meeting.meeting_id, "position": position},
    )


async def get_meeting(
    session: AsyncSession, meeting_id: str, *, what: str = "Meeting"
) -> MeetingRow:
    """The meeting; ``what`` names what the caller asked about (a meeting or an agenda item)."""
    meeting = await session.get(MeetingRow, meeting_id)
    if meeting is None:
        raise NotFound(f"No meeting {meeting_id}.", what=what)
    return meeting


async def readable_meeting(session: AsyncSession, meeting_id: str, reader: Principal) -> MeetingRow:
    """The meeting, for a reader who may see its committee's meetings (``check_may_read``)."""
    meeting = await get_meeting(session, meeting_id)
    await check_may_read(session, meeting.committee_id, reader)
    return meeting


async def _planned(session: AsyncSession, meeting_id: str, *, what: str = "Meeting") -> MeetingRow:
    meeting = await get_meeting(session, meeting_id, what=what)
    if meeting.status != PLANNED:
        raise Refused("Meeting closed", f"Meeting {meeting_id} is closed; its minutes are final.")
    return meeting


Agenda = list[tuple[AgendaItemRow, CaseRow]]


async def items(session: AsyncSession, meeting_id: str) -> Agenda:
    return (await agendas_of(session, [meeting_id])).get(meeting_id, [])


async def agendas_of(session: AsyncSession, meeting_ids: Sequence[str]) -> dict[str, Agenda]:
    """Each meeting's agenda items with their cases, in agenda order (one query for a page)."""
    rows = await session.execute(
        select(AgendaItemRow, CaseRow)
        .join(CaseRow, CaseRow.case_id == AgendaItemRow.case_id)
        .where(AgendaItemRow.meeting_id.in_(meeting_ids))
        .order_by(AgendaItemRow.meeting_id, AgendaItemRow.position)
    )
    found: dict[str, Agenda] = {}
    for item, case in rows.all():
        found.setdefault(item.meeting_id, []).append((item, case))
    return found


async def _item(
    session: AsyncSession, meeting_id: str, case_id: str, *, what: str = "Agenda item"
) -> tuple[AgendaItemRow, CaseRow]:
    item = await session.get(AgendaItemRow, (meeting_id, case_id))
    case = await session.get(CaseRow, case_id)
    if item is None or case is None:
        raise NotFound(f"Case {case_id} is not on the agenda of meeting {meeting_id}.", what=what)
    return item, case


async def add_item(
    uow: ReviewWork,
    meeting_id: str,
    case_id: str,
) -> MeetingRow:
    """Put a case in review waiting for the meeting's committee on its agenda; the meeting."""
    actor = uow.person
    session = uow.session
    meeting = await _planned(session, meeting_id)
    await _organiser_or_admin(session, meeting.committee_id, actor, "Changing the agenda")
    committee = await get_committee(session, meeting.committee_id)
    eligible = {c.case_id: c for c in await eligible_cases(session, committee)}
    if case_id not in eligible:
        raise InvalidInput("case_id", "Not in review for this committee or already on an agenda.")
    position = len(await items(session, meeting_id)) + 1
    await _add_item(uow, meeting, eligible[case_id], position)
    await session.flush()
    await uow.publish(
        await meeting_notices.scoring_opened(session, meeting, eligible[case_id], actor.person_id)
    )
    return meeting


async def set_attendance(
    uow: ReviewWork,
    meeting_id: str,
    present_ids: Sequence[str],
) -> MeetingRow:
    actor = uow.person
    session = uow.session
    meeting = await _planned(session, meeting_id)
    await _organiser_or_admin(session, meeting.committee_id, actor, "Recording attendance")
    members = await committee_roster.member_roles(session, meeting.committee_id)
    strangers = sorted(set(present_ids) - set(members))
    if strangers:
        raise InvalidInput("present_ids", f"Not members: {', '.join(strangers)}.")
    meeting.present_ids = sorted(set(present_ids))
    audit.record_by(
        uow, "attendance_recorded", f"meeting:{meeting_id}", {"present_ids": meeting.present_ids}
    )
    await session.flush()
    return meeting


async def _conflicted(
    session: AsyncSession, meeting_id: str, case_id: str
) -> dict[str, ConflictRow]:
    """The item's declared conflicts by member, each with its reason and who recorded it."""
    rows = await session.scalars(
        select(ConflictRow).where(
            ConflictRow.meeting_id == meeting_id, ConflictRow.case_id == case_id
        )
    )
    return {row.person_id: row for row in rows.all()}


@dataclass(frozen=True)
class ItemEvaluation:
    item: AgendaItemRow
    case: CaseRow
    criteria: tuple[Criterion, ...]
    scores: list[ScoreRow]
    conflicts: dict[str, ConflictRow]
    eligible: frozenset[str]
    tally: Tally
    quorum: int

    @property
    def quorum_met(self) -> bool:
        return rules.quorum_met(self.tally, self.quorum)


async def evaluation(session: AsyncSession, meeting_id: str, case_id: str) -> ItemEvaluation:
    meeting = await get_meeting(session, meeting_id, what="Agenda item")
    item, case = await _item(session, meeting_id, case_id)
    members = await committee_roster.member_roles(session, meeting.committee_id)
    conflicts = await _conflicted(session, meeting_id, case_id)
    eligible = rules.eligible_scorers(members, conflicts, case.author_ids)
    score_rows = list(
        (
            await session.scalars(
                select(ScoreRow)
                .where(ScoreRow.meeting_id == meeting_id, ScoreRow.case_id == case_id)
                .order_by(ScoreRow.person_id)
            )
        ).all()
    )
    criteria = criteria_of(meeting.criteria)
    result = rules.tally(criteria, {r.person_id: r.scores for r in score_rows}, eligible)
    counted = [r for r in score_rows if r.person_id in result.scorer_ids]
    return ItemEvaluation(
        item, case, criteria, counted, conflicts, eligible, result, meeting.quorum
    )


async def close_meeting(uow: ReviewWork, meeting_id: str) -> MeetingRow:
    """Close the meeting: items not handled are deferred, the minutes become final and
    MinutesPublished is emitted."""
    actor = uow.person
    session = uow.session
    meeting = await _planned(session, meeting_id)
    await _organiser_or_admin(session, meeting.committee_id, actor, "Closing a meeting")
    decided: list[str] = []
    deferred: list[str] = []
    for item, case in await items(session, meeting_id):
        if item.status == ItemStatus.PENDING.value:
            item.status = ItemStatus.DEFERRED.value
            item.rationale = item.rationale or "not handled at the meeting"
        (decided if item.status == ItemStatus.DECIDED.value else deferred).append(case.idea_id)
    meeting.status = CLOSED
    meeting.closed_by = actor.person_id
    meeting.closed_at = uow.now
    audit.record_by(
        uow, "meeting_closed", f"meeting:{meeting_id}", {"decided": decided, "deferred": deferred}
    )
    await uow.publish(
        MinutesPublished(
            meeting_id=meeting_id,
            committee_id=meeting.committee_id,
            title=meeting.title,
            decided_idea_ids=decided,
            deferred_idea_ids=deferred,
            closed_by=actor.person_id,
            member_ids=await meeting_notices.member_ids(session, meeting.committee_id),
        )
    )
    await session.flush()
    return meeting


async def minutes(session: AsyncSession, meeting_id: str) -> Minutes:
    meeting = await get_meeting(session, meeting_id)
    committee = await get_committee(session, meeting.committee_id)
    members = await committee_roster.member_roles(session, meeting.committee_id)
    minutes_items = []
    for item, case in await items(session, meeting_id):
        found = await evaluation(session, meeting_id, case.case_id)
        minutes_items.append(
            MinutesItem(
                position=item.position,
                case_id=case.case_id,
                idea_id=case.idea_id,
                title=case.title,
                author_ref=case.author_ref,
                status=ItemStatus(item.status),
                conflicts=[Conflict(p, c.reason) for p, c in sorted(found.conflicts.items())],
                scores=[
                    MemberScore(
                        s.person_id,
                        s.scores,
                        rules.weighted_score(found.criteria, s.scores),
                        s.comment,
                    )
                    for s in found.scores
                ],
                criterion_means=dict(found.tally.criterion_means),
                weighted_mean=found.tally.weighted_mean,
                decision=item.decision,
                rationale=item.rationale,
                decided_by=item.decided_by,
            )
        )
    return Minutes(
        meeting_id=meeting.meeting_id,
        committee_id=committee.committee_id,
        committee_name=committee.name,
        title=meeting.title,
        scheduled_at=meeting.scheduled_at,
        status=meeting.status,
        quorum=meeting.quorum,
        members={p: r.value for p, r in sorted(members.items())},
        present_ids=list(meeting.present_ids),
        criteria=criteria_of(meeting.criteria),
        items=minutes_items,
    )


def people_in(minutes: Minutes) -> set[str]:
    """Everyone the minutes mention."""
    found = {*minutes.members, *minutes.present_ids}
    for item in minutes.items:
        found |= {c.person_id for c in item.conflicts} | {s.person_id for s in item.scores}
        if item.decided_by:
            found.add(item.decided_by)
    return found


async def minutes_with_names(
    session: AsyncSession, meeting_id: str
) -> tuple[Minutes, dict[str, str]]:
    """The minutes, and HR's names of the people in them."""
    found = await minutes(session, meeting_id)
    return found, await org.names_of(session, people_in(found))


async def list_meetings(
    session: AsyncSession,
    committee_id: str,
    page: PageRequest,
    *,
    item: Callable[[MeetingRow, Agenda], R],
) -> Page[R]:
    """A committee's meetings by when they are held (ties by id), each shown with its agenda:
    one page."""
    await get_committee(session, committee_id)
    rows, total, next_cursor = await paginate(
        session,
        select(MeetingRow).where(MeetingRow.committee_id == committee_id),
        keys=[MeetingRow.scheduled_at, MeetingRow.meeting_id],
        page=page,
        descending=False,
    )
    agendas = await agendas_of(session, [m.meeting_id for m in rows])
    return page_from(
        page, rows, total, next_cursor, item=lambda m: item(m, agendas.get(m.meeting_id, []))
    )
