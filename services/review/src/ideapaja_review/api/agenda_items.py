"""HTTP routes on one item of a meeting's agenda: conflicts of interest, scores, the evaluation and
the committee's decision."""

from __future__ import annotations

from ideapaja_review.api.deps import (
    NOT_FOUND,
    NOT_FOUND_OR_CONFLICT,
    AgendaCaseId,
    MeetingId,
    ReviewUow,
)
from ideapaja_review.api.meetings import meeting_view
from ideapaja_review.authz import POLICY
from ideapaja_review.schemas.committees import (
    ConflictCreate,
    ConflictPublic,
    CriterionPublic,
    DeferralCreate,
    EvaluationPublic,
    ItemDecisionCreate,
    MeetingPublic,
    ScorePublic,
    ScoreUpdate,
)
from ideapaja_review.usecases import agenda_items, committees, meetings
from ideapaja_runtime.routes import service_router

router = service_router(tags=["committees"])


@router.post(
    "/meetings/{meeting_id}/items/{case_id}/conflicts",
    summary="Declare a conflict of interest (a member for themselves; chair or secretary for "
    "any member): the member does not score the item",
    response_model=ConflictPublic,
    status_code=201,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.conflicts"),
)
async def record_conflict(
    meeting_id: MeetingId,
    case_id: AgendaCaseId,
    body: ConflictCreate,
    uow: ReviewUow,
) -> ConflictPublic:
    conflict = await agenda_items.record_conflict(
        uow,
        meeting_id,
        case_id,
        person_id=body.person_id or uow.person.person_id,
        reason=body.reason,
    )
    return ConflictPublic.model_validate(conflict)


@router.put(
    "/meetings/{meeting_id}/items/{case_id}/scores/me",
    summary="Score an agenda item on every criterion, with a comment (voting members without "
    "a conflict of interest)",
    response_model=ScorePublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.score"),
)
async def score_item(
    meeting_id: MeetingId,
    case_id: AgendaCaseId,
    body: ScoreUpdate,
    uow: ReviewUow,
) -> ScorePublic:
    session = uow.session
    row = await agenda_items.score(
        uow,
        meeting_id,
        case_id,
        scores=body.scores,
        comment=body.comment,
    )
    meeting = await meetings.get_meeting(session, meeting_id)
    criteria = committees.criteria_of(meeting.criteria)
    return ScorePublic.of(row, criteria)


@router.get(
    "/meetings/{meeting_id}/items/{case_id}",
    summary="An item's evaluation: scores, conflicts, weighted mean, quorum",
    response_model=EvaluationPublic,
    responses=NOT_FOUND,
    **POLICY.route("committees.meetings.read"),
)
async def read_evaluation(
    meeting_id: MeetingId,
    case_id: AgendaCaseId,
    uow: ReviewUow,
) -> EvaluationPublic:
    await meetings.readable_meeting(uow.session, meeting_id, uow.person)
    found = await meetings.evaluation(uow.session, meeting_id, case_id)
    return _evaluation_view(found)


def _evaluation_view(found: meetings.ItemEvaluation) -> EvaluationPublic:
    return EvaluationPublic(
        id=found.case.case_id,
        status=found.item.status,
        criteria=[
            CriterionPublic(
                key=c.key,
                weight=c.weight,
                label_fi=c.label_fi,
                label_sv=c.label_sv,
                label_en=c.label_en,
            )
            for c in found.criteria
        ],
        scores=[ScorePublic.of(s, found.criteria) for s in found.scores],
        conflicts=[ConflictPublic.model_validate(c) for _, c in sorted(found.conflicts.items())],
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
    response_model=EvaluationPublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.decide"),
)
async def decide_item(
    meeting_id: MeetingId,
    case_id: AgendaCaseId,
    body: ItemDecisionCreate,
    uow: ReviewUow,
) -> EvaluationPublic:
    found = await agenda_items.decide_item(uow, meeting_id, case_id, **body.taken())
    return _evaluation_view(found)


@router.post(
    "/meetings/{meeting_id}/items/{case_id}/deferral",
    summary="Defer an item to a later meeting (chair, secretary, admin)",
    response_model=MeetingPublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("committees.meetings.organise"),
)
async def defer_item(
    meeting_id: MeetingId,
    case_id: AgendaCaseId,
    body: DeferralCreate,
    uow: ReviewUow,
) -> MeetingPublic:
    meeting = await agenda_items.defer_item(uow, meeting_id, case_id, reason=body.reason)
    return await meeting_view(uow.session, meeting)
