"""Committees and their meetings: members with roles, a weighted rubric, agendas built from the
cases in review, scoring with conflicts of interest, quorum, decisions and minutes.

The rules of evaluation are pure (``domain/committee.py``); a decision taken in a meeting goes
through ``case_decisions.decide`` like any other, so it emits ReviewDecided and its history
records it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.review import Decision, MinutesPublished
from ideapaja_review import audit, committee_roster
from ideapaja_review.authz import POLICY
from ideapaja_review.db.models import (
    AgendaItemRow,
    CaseRow,
    CommitteeMemberRow,
    CommitteeRow,
    ConflictRow,
    MeetingRow,
    ScoreRow,
)
from ideapaja_review.domain import committee as rules
from ideapaja_review.domain.access import ADMIN
from ideapaja_review.domain.committee import Criterion, MemberRole, Tally
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
from ideapaja_review.usecases import case_decisions, case_records, case_routing
from ideapaja_review.usecases.case_records import Actor
from ideapaja_runtime.authz import Scope as ReadScope
from ideapaja_runtime.clock import as_utc

PLANNED = "planned"
CLOSED = "closed"
# History actions on a case handled in a meeting (besides its decision).
AGENDA_ADDED = "agenda_added"
DEFERRED = "deferred"


def criteria_of(data: Sequence[Mapping[str, Any]]) -> tuple[Criterion, ...]:
    return tuple(Criterion(**dict(c)) for c in data)


def criteria_data(criteria: Sequence[Criterion]) -> list[dict[str, Any]]:
    return [
        {
            "key": c.key,
            "weight": c.weight,
            "label_fi": c.label_fi,
            "label_sv": c.label_sv,
            "label_en": c.label_en,
        }
        for c in criteria
    ]


# --- Committees -------------------------------------------------------------------------------


async def create_committee(
    uow: ReviewWork,
    *,
    name: str,
    city_wide: bool,
    quorum: int,
    criteria: Sequence[Criterion] | None,
    actor: Actor,
) -> CommitteeRow:
    session = uow.session
    rubric = tuple(criteria) if criteria else rules.DEFAULT_CRITERIA
    errors = rules.rubric_errors(rubric)
    if errors:
        raise InvalidInput("criteria", "; ".join(errors))
    if city_wide:
        await _refuse_second_city_wide(session, None)
    committee = CommitteeRow(
        committee_id=f"k-{uuid.uuid4().hex[:12]}",
        name=name,
        city_wide=city_wide,
        quorum=quorum,
        criteria=criteria_data(rubric),
        created_at=uow.now,
    )
    session.add(committee)
    audit.record(
        session,
        actor_id=actor.person_id,
        action="committee_created",
        subject=f"committee:{committee.committee_id}",
        now=uow.now,
        details={"name": name, "city_wide": city_wide, "quorum": quorum},
    )
    await session.flush()
    return committee


async def _refuse_second_city_wide(session: AsyncSession, committee_id: str | None) -> None:
    other = await session.scalar(
        select(CommitteeRow.committee_id).where(
            CommitteeRow.city_wide.is_(True), CommitteeRow.committee_id != (committee_id or "")
        )
    )
    if other is not None:
        raise Refused("City-wide committee exists", f"{other} is the city-wide committee already.")


async def get_committee(session: AsyncSession, committee_id: str) -> CommitteeRow:
    committee = await session.get(CommitteeRow, committee_id)
    if committee is None:
        raise NotFound(f"No committee {committee_id}.", what="Committee")
    return committee


async def list_committees(session: AsyncSession) -> list[CommitteeRow]:
    rows = await session.scalars(select(CommitteeRow).order_by(CommitteeRow.created_at))
    return list(rows.all())


async def update_committee(
    uow: ReviewWork,
    committee_id: str,
    *,
    name: str | None,
    city_wide: bool | None,
    quorum: int | None,
    criteria: Sequence[Criterion] | None,
    actor: Actor,
) -> CommitteeRow:
    """Admins change anything; the chair may change the rubric. Meetings already called keep
    the rubric and quorum they started with."""
    session = uow.session
    committee = await get_committee(session, committee_id)
    if ADMIN not in actor.roles:
        role = (await committee_roster.member_roles(session, committee_id)).get(actor.person_id)
        if role is not MemberRole.CHAIR or name is not None or city_wide is not None:
            raise NotAllowed("Only admins change a committee; its chair may change the rubric.")
        if quorum is not None:
            raise NotAllowed("Only admins change the quorum.")
    changes: dict[str, Any] = {}
    if criteria is not None:
        errors = rules.rubric_errors(criteria)
        if errors:
            raise InvalidInput("criteria", "; ".join(errors))
        committee.criteria = criteria_data(criteria)
        changes["criteria"] = committee.criteria
    if city_wide:
        await _refuse_second_city_wide(session, committee_id)
    for field, value in (("name", name), ("city_wide", city_wide), ("quorum", quorum)):
        if value is not None:
            setattr(committee, field, value)
            changes[field] = value
    audit.record(
        session,
        actor_id=actor.person_id,
        action="committee_updated",
        subject=f"committee:{committee_id}",
        now=uow.now,
        details=changes,
    )
    await session.flush()
    if city_wide:
        await case_routing.route_unrouted(uow)
    return committee


async def set_member(
    uow: ReviewWork,
    committee_id: str,
    person_id: str,
    role: MemberRole,
    *,
    actor: Actor,
) -> dict[str, MemberRole]:
    """Add or change a member. A committee has one chair and one secretary: naming a new one
    makes the previous one a member."""
    session = uow.session
    await get_committee(session, committee_id)
    members = {
        row.person_id: row
        for row in (
            await session.scalars(
                select(CommitteeMemberRow).where(CommitteeMemberRow.committee_id == committee_id)
            )
        ).all()
    }
    if role in (MemberRole.CHAIR, MemberRole.SECRETARY):
        for other in members.values():
            if other.role == role.value and other.person_id != person_id:
                other.role = MemberRole.MEMBER.value
    row = members.get(person_id)
    if row is None:
        session.add(
            CommitteeMemberRow(committee_id=committee_id, person_id=person_id, role=role.value)
        )
    else:
        row.role = role.value
    audit.record(
        session,
        actor_id=actor.person_id,
        action="committee_member_set",
        subject=f"committee:{committee_id}",
        now=uow.now,
        details={"person_id": person_id, "role": role.value},
    )
    await session.flush()
    # City ideas that waited for a committee can be routed now.
    await case_routing.route_unrouted(uow)
    return await committee_roster.member_roles(session, committee_id)


async def remove_member(
    uow: ReviewWork, committee_id: str, person_id: str, *, actor: Actor
) -> None:
    session = uow.session
    row = await session.get(CommitteeMemberRow, (committee_id, person_id))
    if row is None:
        raise NotFound(f"{person_id} is not on {committee_id}.", what="Member")
    audit.record(
        session,
        actor_id=actor.person_id,
        action="committee_member_removed",
        subject=f"committee:{committee_id}",
        now=uow.now,
        details={"person_id": person_id, "role": row.role},
    )
    await session.delete(row)
    await session.flush()


async def check_may_read(session: AsyncSession, committee_id: str, reader: Actor) -> None:
    """Admins and management read every committee's meetings; others only their own
    committee's (also for the minutes of a meeting not closed yet)."""
    if POLICY["committees.meetings.read"].scope_for(reader) is ReadScope.ANY:
        return
    if reader.person_id in await committee_roster.member_roles(session, committee_id):
        return
    raise NotAllowed("Only the committee's members (and admins, management) see this.")


# --- Meetings ---------------------------------------------------------------------------------


async def _organiser_or_admin(
    session: AsyncSession, committee_id: str, actor: Actor, what: str
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
    actor: Actor,
) -> MeetingRow:
    """Call a meeting; its agenda is every eligible case (or the chosen ones), oldest first."""
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
    audit.record(
        session,
        actor_id=actor.person_id,
        action="meeting_called",
        subject=f"meeting:{meeting.meeting_id}",
        now=uow.now,
        details={"committee_id": committee_id, "agenda": [c.case_id for c in agenda]},
    )
    await session.flush()
    for position, case in enumerate(agenda, start=1):
        await _add_item(uow, meeting, case, position, actor)
    await session.flush()
    return meeting


async def _add_item(
    uow: ReviewWork,
    meeting: MeetingRow,
    case: CaseRow,
    position: int,
    actor: Actor,
) -> None:
    session = uow.session
    session.add(
        AgendaItemRow(
            meeting_id=meeting.meeting_id,
            case_id=case.case_id,
            position=position,
            status=ItemStatus.PENDING.value,
        )
    )
    if case.committee_id is None:
        case.committee_id = meeting.committee_id
    case_records.append_history(
        session,
        case,
        uow.now,
        actor_id=actor.person_id,
        action=AGENDA_ADDED,
        from_state=case.state,
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


async def _planned(session: AsyncSession, meeting_id: str, *, what: str = "Meeting") -> MeetingRow:
    meeting = await get_meeting(session, meeting_id, what=what)
    if meeting.status != PLANNED:
        raise Refused("Meeting closed", f"Meeting {meeting_id} is closed; its minutes are final.")
    return meeting


async def items(session: AsyncSession, meeting_id: str) -> list[tuple[AgendaItemRow, CaseRow]]:
    rows = await session.execute(
        select(AgendaItemRow, CaseRow)
        .join(CaseRow, CaseRow.case_id == AgendaItemRow.case_id)
        .where(AgendaItemRow.meeting_id == meeting_id)
        .order_by(AgendaItemRow.position)
    )
    return [(item, case) for item, case in rows.all()]


async def _item(
    session: AsyncSession, meeting_id: str, case_id: str, *, what: str = "Agenda item"
) -> tuple[AgendaItemRow, CaseRow]:
    item = await session.get(AgendaItemRow, (meeting_id, case_id))
    case = await session.get(CaseRow, case_id)
    if item is None or case is None:
        raise NotFound(f"Case {case_id} is not on the agenda of meeting {meeting_id}.", what=what)
    return item, case


async def add_item(
    uow: ReviewWork, meeting_id: str, case_id: str, *, actor: Actor
) -> AgendaItemRow:
    session = uow.session
    meeting = await _planned(session, meeting_id)
    await _organiser_or_admin(session, meeting.committee_id, actor, "Changing the agenda")
    committee = await get_committee(session, meeting.committee_id)
    eligible = {c.case_id: c for c in await eligible_cases(session, committee)}
    if case_id not in eligible:
        raise InvalidInput("case_id", "Not in review for this committee or already on an agenda.")
    position = len(await items(session, meeting_id)) + 1
    await _add_item(uow, meeting, eligible[case_id], position, actor)
    await session.flush()
    item, _ = await _item(session, meeting_id, case_id, what="Meeting")
    return item


async def set_attendance(
    uow: ReviewWork, meeting_id: str, present_ids: Sequence[str], *, actor: Actor
) -> MeetingRow:
    session = uow.session
    meeting = await _planned(session, meeting_id)
    await _organiser_or_admin(session, meeting.committee_id, actor, "Recording attendance")
    members = await committee_roster.member_roles(session, meeting.committee_id)
    strangers = sorted(set(present_ids) - set(members))
    if strangers:
        raise InvalidInput("present_ids", f"Not members: {', '.join(strangers)}.")
    meeting.present_ids = sorted(set(present_ids))
    audit.record(
        session,
        actor_id=actor.person_id,
        action="attendance_recorded",
        subject=f"meeting:{meeting_id}",
        now=uow.now,
        details={"present_ids": meeting.present_ids},
    )
    await session.flush()
    return meeting


async def record_conflict(
    uow: ReviewWork,
    meeting_id: str,
    case_id: str,
    *,
    person_id: str,
    reason: str,
    actor: Actor,
) -> ConflictRow:
    """A member declares a conflict of interest (or the chair/secretary records one for them):
    that member does not score the item, and any score they gave no longer counts."""
    session = uow.session
    meeting = await _planned(session, meeting_id, what="Agenda item")
    _, case = await _item(session, meeting_id, case_id)
    members = await committee_roster.member_roles(session, meeting.committee_id)
    if person_id != actor.person_id:
        await _organiser_or_admin(
            session, meeting.committee_id, actor, "Recording another member's conflict"
        )
    if person_id not in members:
        raise InvalidInput("person_id", f"{person_id} is not a member of this committee.")
    conflict = await session.get(ConflictRow, (meeting_id, case_id, person_id))
    if conflict is None:
        conflict = ConflictRow(
            meeting_id=meeting_id,
            case_id=case_id,
            person_id=person_id,
            reason=reason,
            recorded_by=actor.person_id,
            recorded_at=uow.now,
        )
        session.add(conflict)
    else:
        conflict.reason = reason
    case_records.append_history(
        session,
        case,
        uow.now,
        actor_id=actor.person_id,
        action="conflict_recorded",
        from_state=case.state,
        reason=reason,
        details={"meeting_id": meeting_id, "person_id": person_id},
    )
    await session.flush()
    return conflict


async def _conflicted(session: AsyncSession, meeting_id: str, case_id: str) -> dict[str, str]:
    rows = await session.scalars(
        select(ConflictRow).where(
            ConflictRow.meeting_id == meeting_id, ConflictRow.case_id == case_id
        )
    )
    return {row.person_id: row.reason for row in rows.all()}


async def score(
    uow: ReviewWork,
    meeting_id: str,
    case_id: str,
    *,
    scores: Mapping[str, int],
    comment: str,
    actor: Actor,
) -> ScoreRow:
    """A member's scores for one item (again to change them, until the item is decided)."""
    session = uow.session
    meeting = await _planned(session, meeting_id, what="Agenda item")
    item, case = await _item(session, meeting_id, case_id)
    members = await committee_roster.member_roles(session, meeting.committee_id)
    conflicted = await _conflicted(session, meeting_id, case_id)
    denied = rules.scoring_denied(actor.person_id, members, conflicted, case.author_ids)
    if denied is not None:
        raise NotAllowed(denied.reason)
    if item.status != ItemStatus.PENDING.value:
        raise Refused("Item handled", f"The item is {item.status}; scores are final.")
    errors = rules.score_errors(criteria_of(meeting.criteria), scores)
    if errors:
        raise InvalidInput("scores", "; ".join(errors))
    row = await session.get(ScoreRow, (meeting_id, case_id, actor.person_id))
    if row is None:
        row = ScoreRow(meeting_id=meeting_id, case_id=case_id, person_id=actor.person_id)
        session.add(row)
    row.scores = dict(scores)
    row.comment = comment
    row.scored_at = uow.now
    # A score can be changed until the decision; the history keeps every version.
    case_records.append_history(
        session,
        case,
        uow.now,
        actor_id=actor.person_id,
        action="scored",
        from_state=case.state,
        reason=comment or None,
        details={"meeting_id": meeting_id, "scores": dict(scores)},
    )
    await session.flush()
    return row


@dataclass(frozen=True)
class ItemEvaluation:
    item: AgendaItemRow
    case: CaseRow
    criteria: tuple[Criterion, ...]
    scores: list[ScoreRow]
    conflicts: dict[str, str]
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


async def decide_item(
    uow: ReviewWork,
    meeting_id: str,
    case_id: str,
    *,
    decision: Decision,
    rationale: str,
    duplicate_of: str | None,
    forwarded_to_unit_id: str | None,
    question: str | None,
    actor: Actor,
) -> ItemEvaluation:
    """The chair records the committee's decision; it needs quorum (enough eligible members
    who scored the item)."""
    session = uow.session
    meeting = await _planned(session, meeting_id, what="Agenda item")
    if ADMIN not in actor.roles:
        role = (await committee_roster.member_roles(session, meeting.committee_id)).get(
            actor.person_id
        )
        if role is not MemberRole.CHAIR:
            raise NotAllowed("The chair records the committee's decisions.")
    found = await evaluation(session, meeting_id, case_id)
    if found.item.status != ItemStatus.PENDING.value:
        raise Refused("Item handled", f"The item is {found.item.status} already.")
    if not found.quorum_met:
        raise Refused(
            "Quorum not met",
            f"{found.tally.scorers} eligible member(s) scored the item; the quorum is "
            f"{found.quorum}.",
        )
    await case_decisions.decide(
        uow,
        case_id,
        actor,
        decision=decision,
        rationale=rationale,
        duplicate_of=duplicate_of,
        forwarded_to_unit_id=forwarded_to_unit_id,
        question=question,
        in_meeting=True,
    )
    found.item.status = ItemStatus.DECIDED.value
    found.item.decision = decision.value
    found.item.rationale = rationale
    found.item.decided_by = actor.person_id
    found.item.decided_at = uow.now
    found.item.weighted_mean = found.tally.weighted_mean
    await session.flush()
    return found


async def defer_item(
    uow: ReviewWork, meeting_id: str, case_id: str, *, reason: str, actor: Actor
) -> AgendaItemRow:
    """Not decided at this meeting: the case stays in review for a later agenda."""
    session = uow.session
    meeting = await _planned(session, meeting_id, what="Agenda item")
    await _organiser_or_admin(session, meeting.committee_id, actor, "Deferring an item")
    item, case = await _item(session, meeting_id, case_id)
    if item.status != ItemStatus.PENDING.value:
        raise Refused("Item handled", f"The item is {item.status} already.")
    item.status = ItemStatus.DEFERRED.value
    item.rationale = reason
    case_records.append_history(
        session,
        case,
        uow.now,
        actor_id=actor.person_id,
        action=DEFERRED,
        from_state=case.state,
        reason=reason,
        details={"meeting_id": meeting_id},
    )
    await session.flush()
    return item


async def close_meeting(uow: ReviewWork, meeting_id: str, *, actor: Actor) -> MeetingRow:
    """Close the meeting: items not handled are deferred, the minutes become final and
    MinutesPublished is emitted."""
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
    audit.record(
        session,
        actor_id=actor.person_id,
        action="meeting_closed",
        subject=f"meeting:{meeting_id}",
        now=uow.now,
        details={"decided": decided, "deferred": deferred},
    )
    await uow.publish(
        MinutesPublished(
            meeting_id=meeting_id,
            committee_id=meeting.committee_id,
            title=meeting.title,
            decided_idea_ids=decided,
            deferred_idea_ids=deferred,
            closed_by=actor.person_id,
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
                conflicts=[Conflict(p, r) for p, r in sorted(found.conflicts.items())],
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
        scheduled_at=as_utc(meeting.scheduled_at),
        status=meeting.status,
        quorum=meeting.quorum,
        members={p: r.value for p, r in sorted(members.items())},
        present_ids=list(meeting.present_ids),
        criteria=criteria_of(meeting.criteria),
        items=minutes_items,
    )


async def list_meetings(session: AsyncSession, committee_id: str) -> list[MeetingRow]:
    await get_committee(session, committee_id)
    rows = await session.scalars(
        select(MeetingRow)
        .where(MeetingRow.committee_id == committee_id)
        .order_by(MeetingRow.scheduled_at, MeetingRow.meeting_id)
    )
    return list(rows.all())
