"""Rows to response models, shared by the routes."""

from __future__ import annotations

from collections.abc import Sequence

from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_review.db.models import (
    AdoptionRow,
    CaseRow,
    ExperimentRow,
    ImplementationRow,
    MilestoneRow,
    PracticeRow,
)
from ideapaja_review.schemas.progress import (
    AdoptionPublic,
    ExperimentPublic,
    ImplementationPublic,
    MilestonePublic,
    PracticePublic,
)


def experiment_view(row: ExperimentRow, case: CaseRow) -> ExperimentPublic:
    return ExperimentPublic(
        experiment_id=row.experiment_id,
        case_id=row.case_id,
        idea_id=row.idea_id,
        idea_title=case.title,
        unit_id=case.unit_id,
        pilot_unit_ids=list(row.pilot_unit_ids),
        hypothesis=row.hypothesis,
        measure=row.measure,
        baseline=row.baseline,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        status=row.status,
        result=row.result,
        measured_value=row.measured_value,
        outcome=ExperimentOutcome(row.outcome) if row.outcome else None,
        lesson=row.lesson,
        started_at=row.started_at,
        completed_at=row.completed_at if row.completed_at else None,
    )


def implementation_view(
    row: ImplementationRow, milestones: Sequence[MilestoneRow]
) -> ImplementationPublic:
    return ImplementationPublic(
        case_id=row.case_id,
        idea_id=row.idea_id,
        owner_id=row.owner_id,
        planned_benefit=row.planned_benefit,
        percent=row.percent,
        started_at=row.started_at,
        realised_benefit=row.realised_benefit,
        completed_at=row.completed_at if row.completed_at else None,
        milestones=[
            MilestonePublic(
                milestone_id=m.milestone_id,
                position=m.position,
                title=m.title,
                due_on=m.due_on,
                done_at=m.done_at if m.done_at else None,
            )
            for m in milestones
        ],
    )


def practice_view(row: PracticeRow, adoptions: Sequence[AdoptionRow]) -> PracticePublic:
    return PracticePublic(
        practice_id=row.practice_id,
        idea_id=row.idea_id,
        unit_id=row.unit_id,
        title=row.title,
        summary=row.summary,
        published_by=row.published_by,
        published_at=row.published_at,
        adoptions=[
            AdoptionPublic(
                unit_id=a.unit_id,
                note=a.note,
                reported_by=a.reported_by,
                reported_at=a.reported_at,
            )
            for a in adoptions
        ],
    )
