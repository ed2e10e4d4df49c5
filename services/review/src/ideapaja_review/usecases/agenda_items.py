"""One item on a meeting's agenda: conflicts of interest, scoring, quorum and the committee's
decision, which goes through ``case_decisions.decide`` like any other (so it emits ReviewDecided
and its history records it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Unpack

from ideapaja_review.db import committee_roster
from ideapaja_review.db.models import (
    ConflictRow,
    MeetingRow,
    ScoreRow,
)
from ideapaja_review.domain import committee as rules
from ideapaja_review.domain.access import ADMIN
from ideapaja_review.domain.committee import MemberRole
from ideapaja_review.domain.minutes import (
    ItemStatus,
)
from ideapaja_review.errors import InvalidInput, NotAllowed, Refused
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases import case_decisions, case_records
from ideapaja_review.usecases.case_decisions import DecisionTaken
from ideapaja_review.usecases.committees import DEFERRED, criteria_of
from ideapaja_review.usecases.meetings import (
    ItemEvaluation,
    _conflicted,
    _item,
    _organiser_or_admin,
    _planned,
    evaluation,
)


async def record_conflict(
    uow: ReviewWork,
    meeting_id: str,
    case_id: str,
    *,
    person_id: str,
    reason: str,
) -> ConflictRow:
    """A member declares a conflict of interest (or the chair/secretary records one for them):
    that member does not score the item, and any score they gave no longer counts."""
    actor = uow.person
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
    case_records.note_by_person(
        uow,
        case,
        "conflict_recorded",
        reason=reason,
        details={"meeting_id": meeting_id, "person_id": person_id},
    )
    await session.flush()
    return conflict


async def score(
    uow: ReviewWork,
    meeting_id: str,
    case_id: str,
    *,
    scores: Mapping[str, int],
    comment: str,
) -> ScoreRow:
    """A member's scores for one item (again to change them, until the item is decided)."""
    actor = uow.person
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
    case_records.note_by_person(
        uow,
        case,
        "scored",
        reason=comment or None,
        details={"meeting_id": meeting_id, "scores": dict(scores)},
    )
    await session.flush()
    return row


async def decide_item(
    uow: ReviewWork,
    meeting_id: str,
    case_id: str,
    **taken: Unpack[DecisionTaken],
) -> ItemEvaluation:
    """The chair records the committee's decision; it needs quorum (enough eligible members
    who scored the item)."""
    actor = uow.person
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
    await case_decisions.decide(uow, case_id, **taken, in_meeting=True)
    found.item.status = ItemStatus.DECIDED.value
    found.item.decision = taken["decision"].value
    found.item.rationale = taken["rationale"]
    found.item.decided_by = actor.person_id
    found.item.decided_at = uow.now
    found.item.weighted_mean = found.tally.weighted_mean
    await session.flush()
    return found


async def defer_item(uow: ReviewWork, meeting_id: str, case_id: str, *, reason: str) -> MeetingRow:
    """Not decided at this meeting: the case stays in review for a later agenda. The
    meeting."""
    actor = uow.person
    session = uow.session
    meeting = await _planned(session, meeting_id, what="Agenda item")
    await _organiser_or_admin(session, meeting.committee_id, actor, "Deferring an item")
    item, case = await _item(session, meeting_id, case_id)
    if item.status != ItemStatus.PENDING.value:
        raise Refused("Item handled", f"The item is {item.status} already.")
    item.status = ItemStatus.DEFERRED.value
    item.rationale = reason
    case_records.note_by_person(
        uow,
        case,
        DEFERRED,
        reason=reason,
        details={"meeting_id": meeting_id},
    )
    await session.flush()
    return meeting
