"""What review tells the rest of the city about a committee's meetings, so its members can be
invited and asked to score (notification turns these events into messages): the called meeting
with its agenda, a case added to the agenda later. Each names the committee's members still in
service, as review knows them at that moment; none names an idea's authors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.review import AgendaCase, MeetingScheduled, ScoringOpened
from ideapaja_review.db import committee_roster
from ideapaja_review.db.models import CaseRow, MeetingRow

# The contract's ShortText limit.
_TITLE_MAX = 200


def agenda_case(case: CaseRow) -> AgendaCase:
    return AgendaCase(case_id=case.case_id, idea_id=case.idea_id, title=case.title[:_TITLE_MAX])


async def member_ids(session: AsyncSession, committee_id: str) -> list[str]:
    return await committee_roster.active_member_ids(session, committee_id)


async def _meeting(session: AsyncSession, meeting: MeetingRow) -> dict[str, Any]:
    """What every notice says of the meeting, and the members it tells."""
    return {
        "meeting_id": meeting.meeting_id,
        "committee_id": meeting.committee_id,
        "title": meeting.title[:_TITLE_MAX],
        "scheduled_at": meeting.scheduled_at,
        "member_ids": await member_ids(session, meeting.committee_id),
    }


async def meeting_scheduled(
    session: AsyncSession, meeting: MeetingRow, agenda: Sequence[CaseRow], called_by: str
) -> MeetingScheduled:
    return MeetingScheduled(
        **await _meeting(session, meeting),
        agenda=[agenda_case(case) for case in agenda],
        called_by=called_by,
    )


async def scoring_opened(
    session: AsyncSession, meeting: MeetingRow, case: CaseRow, added_by: str
) -> ScoringOpened:
    return ScoringOpened(
        **await _meeting(session, meeting),
        case=agenda_case(case),
        added_by=added_by,
    )
