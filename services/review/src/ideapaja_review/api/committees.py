"""HTTP routes on committees: members with roles, the rubric, and calling and listing their
meetings."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review.api.deps import (
    CONFLICT,
    NOT_FOUND,
    NOT_FOUND_OR_CONFLICT,
    CommitteeId,
    PersonId,
    ReviewUow,
)
from ideapaja_review.api.meetings import meeting_view
from ideapaja_review.authz import POLICY
from ideapaja_review.db import committee_roster
from ideapaja_review.db.models import CommitteeRow
from ideapaja_review.schemas.committees import (
    CommitteeCreate,
    CommitteePublic,
    CommitteeUpdate,
    MeetingCreate,
    MeetingPublic,
    MemberUpdate,
)
from ideapaja_review.usecases import committees, meetings
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.routes import service_router

router = service_router(tags=["committees"])


async def committee_view(session: AsyncSession, committee: CommitteeRow) -> CommitteePublic:
    members = await committee_roster.member_roles(session, committee.committee_id)
    return CommitteePublic.of(committee, members)


def _settings(body: CommitteeCreate | CommitteeUpdate) -> dict[str, Any]:
    """A committee's settings from a create or update body, as the use cases take them."""
    return {
        "name": body.name,
        "city_wide": body.city_wide,
        "quorum": body.quorum,
        "criteria": [c.criterion() for c in body.criteria] if body.criteria else None,
    }


@router.post(
    "/committees",
    summary="Create a committee (admin); the rubric defaults to five weighted criteria",
    response_model=CommitteePublic,
    status_code=201,
    responses=CONFLICT,
    **POLICY.route("committees.create"),
)
async def create_committee(
    body: CommitteeCreate,
    uow: ReviewUow,
) -> CommitteePublic:
    committee = await committees.create_committee(uow, **_settings(body))
    return await committee_view(uow.session, committee)


@router.get(
    "/committees",
    summary="Every committee with its members, in the order they were created",
    response_model=Page[CommitteePublic],
    **POLICY.route("committees.read"),
)
async def list_committees(uow: ReviewUow, page: PageParams) -> Page[CommitteePublic]:
    return await committees.list_committees(uow.session, page, item=CommitteePublic.of)


@router.get(
    "/committees/{committee_id}",
    summary="A committee: members, roles, rubric, quorum",
    response_model=CommitteePublic,
    responses=NOT_FOUND,
    **POLICY.route("committees.read"),
)
async def read_committee(
    committee_id: CommitteeId,
    uow: ReviewUow,
) -> CommitteePublic:
    session = uow.session
    committee = await committees.get_committee(session, committee_id)
    return await committee_view(session, committee)


@router.patch(
    "/committees/{committee_id}",
    summary="Change a committee (admin), or its rubric (its chair)",
    response_model=CommitteePublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.update"),
)
async def update_committee(
    committee_id: CommitteeId,
    body: CommitteeUpdate,
    uow: ReviewUow,
) -> CommitteePublic:
    committee = await committees.update_committee(uow, committee_id, **_settings(body))
    return await committee_view(uow.session, committee)


@router.put(
    "/committees/{committee_id}/members/{person_id}",
    summary="Add a member or change their role (chair, secretary, member) (admin)",
    response_model=CommitteePublic,
    responses=NOT_FOUND,
    **POLICY.route("committees.members"),
)
async def set_member(
    committee_id: CommitteeId,
    person_id: PersonId,
    body: MemberUpdate,
    uow: ReviewUow,
) -> CommitteePublic:
    committee = await committees.set_member(uow, committee_id, person_id, body.role)
    return await committee_view(uow.session, committee)


@router.delete(
    "/committees/{committee_id}/members/{person_id}",
    summary="Remove a member (admin)",
    status_code=204,
    responses=NOT_FOUND,
    **POLICY.route("committees.members"),
)
async def remove_member(
    committee_id: CommitteeId,
    person_id: PersonId,
    uow: ReviewUow,
) -> Response:
    await committees.remove_member(uow, committee_id, person_id)
    return Response(status_code=204)


@router.post(
    "/committees/{committee_id}/meetings",
    summary="Call a meeting (chair, secretary, admin); the agenda is built from the cases in "
    "review waiting for the committee",
    response_model=MeetingPublic,
    status_code=201,
    responses=NOT_FOUND,
    **POLICY.route("committees.meetings.organise"),
)
async def create_meeting(
    committee_id: CommitteeId,
    body: MeetingCreate,
    uow: ReviewUow,
) -> MeetingPublic:
    session = uow.session
    meeting = await meetings.create_meeting(
        uow,
        committee_id,
        title=body.title,
        scheduled_at=body.scheduled_at,
        case_ids=body.case_ids,
    )
    return await meeting_view(session, meeting)


@router.get(
    "/committees/{committee_id}/meetings",
    summary="A committee's meetings by when they are held (members, admins, management)",
    response_model=Page[MeetingPublic],
    responses=NOT_FOUND,
    **POLICY.route("committees.meetings.read"),
)
async def list_meetings(
    committee_id: CommitteeId,
    uow: ReviewUow,
    page: PageParams,
) -> Page[MeetingPublic]:
    # An unknown committee is a 404 for everyone (committees are public); the
    # membership check is on the committee found.
    held = await meetings.list_meetings(uow.session, committee_id, page, item=MeetingPublic.of)
    await committees.check_may_read(uow.session, committee_id, uow.person)
    return held
