"""HTTP routes on a committee's meetings: the agenda, attendance, closing, the minutes."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review.api.deps import (
    NOT_FOUND,
    NOT_FOUND_OR_CONFLICT,
    MeetingId,
    ReviewUow,
)
from ideapaja_review.authz import POLICY
from ideapaja_review.db.models import MeetingRow
from ideapaja_review.domain.minutes import as_dict, csv_table, to_markdown
from ideapaja_review.schemas.committees import (
    AgendaItemCreate,
    AttendanceUpdate,
    MeetingPublic,
)
from ideapaja_review.texts import localiser
from ideapaja_review.usecases import committees, meetings
from ideapaja_runtime.csv_export import csv_lines
from ideapaja_runtime.routes import service_router

router = service_router(tags=["committees"])


async def meeting_view(session: AsyncSession, meeting: MeetingRow) -> MeetingPublic:
    return MeetingPublic.of(meeting, await meetings.items(session, meeting.meeting_id))


@router.get(
    "/meetings/{meeting_id}",
    summary="A meeting with its agenda (members, admins, management)",
    response_model=MeetingPublic,
    responses=NOT_FOUND,
    **POLICY.route("committees.meetings.read"),
)
async def read_meeting(
    meeting_id: MeetingId,
    uow: ReviewUow,
) -> MeetingPublic:
    meeting = await meetings.readable_meeting(uow.session, meeting_id, uow.person)
    return await meeting_view(uow.session, meeting)


@router.post(
    "/meetings/{meeting_id}/items",
    summary="Add a case in review to the agenda (chair, secretary, admin)",
    response_model=MeetingPublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.meetings.organise"),
)
async def add_item(
    meeting_id: MeetingId,
    body: AgendaItemCreate,
    uow: ReviewUow,
) -> MeetingPublic:
    meeting = await meetings.add_item(uow, meeting_id, body.case_id)
    return await meeting_view(uow.session, meeting)


@router.put(
    "/meetings/{meeting_id}/attendance",
    summary="Record who is present (chair, secretary, admin)",
    response_model=MeetingPublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.meetings.organise"),
)
async def set_attendance(
    meeting_id: MeetingId,
    body: AttendanceUpdate,
    uow: ReviewUow,
) -> MeetingPublic:
    session = uow.session
    meeting = await meetings.set_attendance(uow, meeting_id, body.present_ids)
    return await meeting_view(session, meeting)


@router.post(
    "/meetings/{meeting_id}/close",
    summary="Close the meeting: minutes become final and are published",
    response_model=MeetingPublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.meetings.organise"),
)
async def close_meeting(
    meeting_id: MeetingId,
    uow: ReviewUow,
) -> MeetingPublic:
    session = uow.session
    meeting = await meetings.close_meeting(uow, meeting_id)
    return await meeting_view(session, meeting)


MINUTES_TYPES = {
    "json": "application/json",
    "markdown": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


@router.get(
    "/meetings/{meeting_id}/minutes",
    summary="The minutes as JSON, Markdown or CSV, headed in Finnish, Swedish or English "
    "(members, admins, management; any employee once the meeting is closed)",
    response_class=Response,
    responses={
        200: {"description": "The minutes", "content": {t: {} for t in MINUTES_TYPES.values()}},
        **NOT_FOUND,
    },
    **POLICY.route("committees.minutes"),
)
async def read_minutes(
    meeting_id: MeetingId,
    uow: ReviewUow,
    format: Annotated[
        Literal["json", "markdown", "csv"],
        Query(description="json (for programs), markdown or csv (downloaded as a file)"),
    ] = "json",
    language: Annotated[
        Literal["fi", "sv", "en"],
        Query(
            description="The language of the Markdown and CSV minutes (headings, values, "
            "decimals, local times): fi, sv or en; JSON keeps codes"
        ),
    ] = "fi",
) -> Response:
    session = uow.session
    meeting = await meetings.get_meeting(session, meeting_id)
    if meeting.status != committees.CLOSED:
        await committees.check_may_read(session, meeting.committee_id, uow.person)
    minutes, names = await meetings.minutes_with_names(session, meeting_id)
    if format == "markdown":
        body = to_markdown(minutes, localiser(language, names))
    elif format == "csv":
        header, rows = csv_table(minutes, localiser(language, names))
        body = "".join(csv_lines(header, rows))
    else:
        body = json.dumps(as_dict(minutes, names), ensure_ascii=False)
    headers = {}
    if format != "json":
        extension = "md" if format == "markdown" else "csv"
        headers["Content-Disposition"] = f'attachment; filename="{meeting_id}.{extension}"'
    return Response(body, media_type=MINUTES_TYPES[format], headers=headers)
