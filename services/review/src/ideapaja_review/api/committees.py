"""HTTP routes for committees and their meetings: members, rubric, agenda, attendance,
conflicts of interest, scoring, decisions and minutes (JSON, Markdown, CSV; fi/sv/en)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review import committee_roster
from ideapaja_review.api.deps import (
    CONFLICT,
    NOT_FOUND,
    NOT_FOUND_OR_CONFLICT,
    PathId,
    ReviewUow,
)
from ideapaja_review.authz import POLICY
from ideapaja_review.db.models import CommitteeRow, MeetingRow
from ideapaja_review.domain.committee import weighted_score
from ideapaja_review.domain.minutes import as_dict, to_csv, to_markdown
from ideapaja_review.schemas.committees import (
    AgendaAddBody,
    AgendaItemView,
    AttendanceBody,
    CommitteeCreate,
    CommitteeUpdate,
    CommitteeView,
    ConflictBody,
    ConflictView,
    CriterionBody,
    DeferBody,
    EvaluationView,
    ItemDecisionRequest,
    MeetingCreate,
    MeetingView,
    MemberBody,
    MemberView,
    ScoreBody,
    ScoreView,
)
from ideapaja_review.usecases import agenda_items, committees, meetings
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.routes import service_router

router = service_router(tags=["committees"])


async def _committee_view(session: AsyncSession, committee: CommitteeRow) -> CommitteeView:
    members = await committee_roster.member_roles(session, committee.committee_id)
    return CommitteeView(
        committee_id=committee.committee_id,
        name=committee.name,
        city_wide=committee.city_wide,
        quorum=committee.quorum,
        criteria=[CriterionBody.of(c) for c in committee.criteria],
        members=[MemberView(person_id=p, role=r) for p, r in sorted(members.items())],
    )


async def _meeting_view(session: AsyncSession, meeting: MeetingRow) -> MeetingView:
    return MeetingView(
        meeting_id=meeting.meeting_id,
        committee_id=meeting.committee_id,
        title=meeting.title,
        scheduled_at=as_utc(meeting.scheduled_at),
        status=meeting.status,
        quorum=meeting.quorum,
        present_ids=list(meeting.present_ids),
        criteria=[CriterionBody.of(c) for c in meeting.criteria],
        agenda=[
            AgendaItemView(
                position=item.position,
                case_id=case.case_id,
                idea_id=case.idea_id,
                title=case.title,
                author_ref=case.author_ref,
                status=item.status,
                decision=item.decision,
                weighted_mean=item.weighted_mean,
            )
            for item, case in await meetings.items(session, meeting.meeting_id)
        ],
    )


@router.post(
    "/committees",
    summary="Create a committee (admin); the rubric defaults to five weighted criteria",
    response_model=CommitteeView,
    status_code=201,
    responses=CONFLICT,
    **POLICY.route("committees.create"),
)
async def create_committee(
    body: CommitteeCreate,
    uow: ReviewUow,
) -> CommitteeView:
    session = uow.session
    committee = await committees.create_committee(
        uow,
        name=body.name,
        city_wide=body.city_wide,
        quorum=body.quorum,
        criteria=[c.criterion() for c in body.criteria] if body.criteria else None,
        actor=uow.person,
    )
    view = await _committee_view(session, committee)
    return view


@router.get(
    "/committees",
    summary="Every committee with its members",
    response_model=list[CommitteeView],
    **POLICY.route("committees.read"),
)
async def list_committees(uow: ReviewUow) -> list[CommitteeView]:
    session = uow.session
    return [await _committee_view(session, c) for c in await committees.list_committees(session)]


@router.get(
    "/committees/{committee_id}",
    summary="A committee: members, roles, rubric, quorum",
    response_model=CommitteeView,
    responses=NOT_FOUND,
    **POLICY.route("committees.read"),
)
async def read_committee(
    committee_id: PathId,
    uow: ReviewUow,
) -> CommitteeView:
    session = uow.session
    committee = await committees.get_committee(session, committee_id)
    view = await _committee_view(session, committee)
    return view


@router.patch(
    "/committees/{committee_id}",
    summary="Change a committee (admin), or its rubric (its chair)",
    response_model=CommitteeView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.update"),
)
async def update_committee(
    committee_id: PathId,
    body: CommitteeUpdate,
    uow: ReviewUow,
) -> CommitteeView:
    session = uow.session
    committee = await committees.update_committee(
        uow,
        committee_id,
        name=body.name,
        city_wide=body.city_wide,
        quorum=body.quorum,
        criteria=[c.criterion() for c in body.criteria] if body.criteria else None,
        actor=uow.person,
    )
    view = await _committee_view(session, committee)
    return view


@router.put(
    "/committees/{committee_id}/members/{person_id}",
    summary="Add a member or change their role (chair, secretary, member) (admin)",
    response_model=CommitteeView,
    responses=NOT_FOUND,
    **POLICY.route("committees.members"),
)
async def set_member(
    committee_id: PathId,
    person_id: PathId,
    body: MemberBody,
    uow: ReviewUow,
) -> CommitteeView:
    session = uow.session
    await committees.set_member(uow, committee_id, person_id, body.role, actor=uow.person)
    view = await _committee_view(session, await committees.get_committee(session, committee_id))
    return view


@router.delete(
    "/committees/{committee_id}/members/{person_id}",
    summary="Remove a member (admin)",
    status_code=204,
    responses=NOT_FOUND,
    **POLICY.route("committees.members"),
)
async def remove_member(
    committee_id: PathId,
    person_id: PathId,
    uow: ReviewUow,
) -> Response:
    await committees.remove_member(uow, committee_id, person_id, actor=uow.person)
    return Response(status_code=204)


# --- Meetings ---------------------------------------------------------------------------------


@router.post(
    "/committees/{committee_id}/meetings",
    summary="Call a meeting (chair, secretary, admin); the agenda is built from the cases in "
    "review waiting for the committee",
    response_model=MeetingView,
    status_code=201,
    responses=NOT_FOUND,
    **POLICY.route("committees.meetings.organise"),
)
async def create_meeting(
    committee_id: PathId,
    body: MeetingCreate,
    uow: ReviewUow,
) -> MeetingView:
    session = uow.session
    meeting = await meetings.create_meeting(
        uow,
        committee_id,
        title=body.title,
        scheduled_at=body.scheduled_at,
        case_ids=body.case_ids,
        actor=uow.person,
    )
    view = await _meeting_view(session, meeting)
    return view


@router.get(
    "/committees/{committee_id}/meetings",
    summary="A committee's meetings (members, admins, management)",
    response_model=list[MeetingView],
    responses=NOT_FOUND,
    **POLICY.route("committees.meetings.read"),
)
async def list_meetings(
    committee_id: PathId,
    uow: ReviewUow,
) -> list[MeetingView]:
    session = uow.session
    # An unknown committee is a 404 for everyone (committees are public); the
    # membership check is on the committee found.
    held = await committees.list_meetings(session, committee_id)
    await committees.check_may_read(session, committee_id, uow.person)
    views = [await _meeting_view(session, m) for m in held]
    return views


@router.get(
    "/meetings/{meeting_id}",
    summary="A meeting with its agenda (members, admins, management)",
    response_model=MeetingView,
    responses=NOT_FOUND,
    **POLICY.route("committees.meetings.read"),
)
async def read_meeting(
    meeting_id: PathId,
    uow: ReviewUow,
) -> MeetingView:
    session = uow.session
    meeting = await meetings.get_meeting(session, meeting_id)
    await committees.check_may_read(session, meeting.committee_id, uow.person)
    view = await _meeting_view(session, meeting)
    return view


@router.post(
    "/meetings/{meeting_id}/items",
    summary="Add a case in review to the agenda (chair, secretary, admin)",
    response_model=MeetingView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.meetings.organise"),
)
async def add_item(
    meeting_id: PathId,
    body: AgendaAddBody,
    uow: ReviewUow,
) -> MeetingView:
    session = uow.session
    await meetings.add_item(uow, meeting_id, body.case_id, actor=uow.person)
    view = await _meeting_view(session, await meetings.get_meeting(session, meeting_id))
    return view


@router.put(
    "/meetings/{meeting_id}/attendance",
    summary="Record who is present (chair, secretary, admin)",
    response_model=MeetingView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.meetings.organise"),
)
async def set_attendance(
    meeting_id: PathId,
    body: AttendanceBody,
    uow: ReviewUow,
) -> MeetingView:
    session = uow.session
    meeting = await meetings.set_attendance(uow, meeting_id, body.present_ids, actor=uow.person)
    view = await _meeting_view(session, meeting)
    return view


@router.post(
    "/meetings/{meeting_id}/items/{case_id}/conflicts",
    summary="Declare a conflict of interest (a member for themselves; chair or secretary for "
    "any member): the member does not score the item",
    response_model=ConflictView,
    status_code=201,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.conflicts"),
)
async def record_conflict(
    meeting_id: PathId,
    case_id: PathId,
    body: ConflictBody,
    uow: ReviewUow,
) -> ConflictView:
    conflict = await agenda_items.record_conflict(
        uow,
        meeting_id,
        case_id,
        person_id=body.person_id or uow.person.person_id,
        reason=body.reason,
        actor=uow.person,
    )
    return ConflictView(
        person_id=conflict.person_id, reason=conflict.reason, recorded_by=conflict.recorded_by
    )


@router.put(
    "/meetings/{meeting_id}/items/{case_id}/scores/me",
    summary="Score an agenda item on every criterion, with a comment (voting members without "
    "a conflict of interest)",
    response_model=ScoreView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.score"),
)
async def score_item(
    meeting_id: PathId,
    case_id: PathId,
    body: ScoreBody,
    uow: ReviewUow,
) -> ScoreView:
    session = uow.session
    row = await agenda_items.score(
        uow,
        meeting_id,
        case_id,
        scores=body.scores,
        comment=body.comment,
        actor=uow.person,
    )
    meeting = await meetings.get_meeting(session, meeting_id)
    criteria = committees.criteria_of(meeting.criteria)
    return ScoreView(
        person_id=row.person_id,
        scores=row.scores,
        weighted=round(weighted_score(criteria, row.scores), 2),
        comment=row.comment,
    )


@router.get(
    "/meetings/{meeting_id}/items/{case_id}",
    summary="An item's evaluation: scores, conflicts, weighted mean, quorum",
    response_model=EvaluationView,
    responses=NOT_FOUND,
    **POLICY.route("committees.meetings.read"),
)
async def read_evaluation(
    meeting_id: PathId,
    case_id: PathId,
    uow: ReviewUow,
) -> EvaluationView:
    session = uow.session
    meeting = await meetings.get_meeting(session, meeting_id)
    await committees.check_may_read(session, meeting.committee_id, uow.person)
    found = await meetings.evaluation(session, meeting_id, case_id)
    return _evaluation_view(found)


def _evaluation_view(found: meetings.ItemEvaluation) -> EvaluationView:
    return EvaluationView(
        case_id=found.case.case_id,
        status=found.item.status,
        criteria=[
            CriterionBody(
                key=c.key,
                weight=c.weight,
                label_fi=c.label_fi,
                label_sv=c.label_sv,
                label_en=c.label_en,
            )
            for c in found.criteria
        ],
        scores=[
            ScoreView(
                person_id=s.person_id,
                scores=s.scores,
                weighted=round(weighted_score(found.criteria, s.scores), 2),
                comment=s.comment,
            )
            for s in found.scores
        ],
        conflicts=[
            ConflictView(person_id=p, reason=r, recorded_by="")
            for p, r in sorted(found.conflicts.items())
        ],
        eligible_ids=sorted(found.eligible),
        scorer_count=found.tally.scorers,
        quorum=found.quorum,
        quorum_met=found.quorum_met,
        criterion_means={
            k: (round(v, 2) if v is not None else None)
            for k, v in found.tally.criterion_means.items()
        },
        weighted_mean=(
            round(found.tally.weighted_mean, 2) if found.tally.weighted_mean is not None else None
        ),
    )


@router.post(
    "/meetings/{meeting_id}/items/{case_id}/decision",
    summary="Record the committee's decision with its rationale (chair; needs quorum)",
    response_model=EvaluationView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.decide"),
)
async def decide_item(
    meeting_id: PathId,
    case_id: PathId,
    body: ItemDecisionRequest,
    uow: ReviewUow,
) -> EvaluationView:
    found = await agenda_items.decide_item(
        uow,
        meeting_id,
        case_id,
        decision=body.decision,
        rationale=body.rationale,
        duplicate_of=body.duplicate_of,
        forwarded_to_unit_id=body.forwarded_to_unit_id,
        question=body.question,
        actor=uow.person,
    )
    return _evaluation_view(found)


@router.post(
    "/meetings/{meeting_id}/items/{case_id}/deferral",
    summary="Defer an item to a later meeting (chair, secretary, admin)",
    response_model=MeetingView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.meetings.organise"),
)
async def defer_item(
    meeting_id: PathId,
    case_id: PathId,
    body: DeferBody,
    uow: ReviewUow,
) -> MeetingView:
    session = uow.session
    await agenda_items.defer_item(uow, meeting_id, case_id, reason=body.reason, actor=uow.person)
    view = await _meeting_view(session, await meetings.get_meeting(session, meeting_id))
    return view


@router.post(
    "/meetings/{meeting_id}/close",
    summary="Close the meeting: minutes become final and are published",
    response_model=MeetingView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.meetings.organise"),
)
async def close_meeting(
    meeting_id: PathId,
    uow: ReviewUow,
) -> MeetingView:
    session = uow.session
    meeting = await meetings.close_meeting(uow, meeting_id, actor=uow.person)
    view = await _meeting_view(session, meeting)
    return view


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
    meeting_id: PathId,
    uow: ReviewUow,
    format: Annotated[Literal["json", "markdown", "csv"], Query()] = "json",
    lang: Annotated[Literal["fi", "sv", "en"], Query()] = "fi",
) -> Response:
    session = uow.session
    meeting = await meetings.get_meeting(session, meeting_id)
    if meeting.status != committees.CLOSED:
        await committees.check_may_read(session, meeting.committee_id, uow.person)
    minutes = await meetings.minutes(session, meeting_id)
    if format == "markdown":
        body = to_markdown(minutes, lang)
    elif format == "csv":
        body = to_csv(minutes, lang)
    else:
        body = json.dumps(as_dict(minutes), ensure_ascii=False)
    headers = {}
    if format != "json":
        extension = "md" if format == "markdown" else "csv"
        headers["Content-Disposition"] = f'attachment; filename="{meeting_id}.{extension}"'
    return Response(body, media_type=MINUTES_TYPES[format], headers=headers)
