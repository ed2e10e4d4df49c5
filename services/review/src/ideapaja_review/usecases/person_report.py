"""The GDPR access report: everything review holds on a person, and what is withheld from anyone
but the person themselves (what would reveal who wrote an anonymous idea)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review.db.models import (
    AdoptionRow,
    AssignedReviewerRow,
    AuditRow,
    CaseHistoryRow,
    CaseReviewerRow,
    CaseRow,
    CommitteeMemberRow,
    ConflictRow,
    ExperimentRow,
    ImplementationRow,
    MeetingRow,
    OrgPersonRoleRow,
    OrgPersonRow,
    PracticeRow,
    ScoreRow,
)
from ideapaja_review.schemas.privacy import OrgData, PersonData
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.requester import ANONYMOUS_WITHHELD_NOTE
from ideapaja_runtime.uow import UnitOfWork

# The sections that name a case: an entry on a case of an anonymous idea the person wrote would
# tell another reader that they wrote it.
CASE_SECTIONS = (
    "cases_reviewing",
    "case_actions",
    "scores",
    "conflicts_of_interest",
    "experiments",
    "implementations",
    "practices",
)


def withhold_anonymous_authorship(data: PersonData) -> PersonData:
    """``data`` without what would tell a reader other than the person that they wrote an
    anonymous idea: its case and every entry of theirs on that case."""
    hidden = {c["case_id"] for c in data.cases_authored if c["anonymous"]}
    update: dict[str, Any] = {
        "cases_authored": [c for c in data.cases_authored if c["case_id"] not in hidden]
    }
    for section in CASE_SECTIONS:
        update[section] = [e for e in getattr(data, section) if e["case_id"] not in hidden]
    withheld = sum(len(getattr(data, name)) - len(kept) for name, kept in update.items())
    return data.model_copy(
        update={
            **update,
            "anonymous_items_withheld": withheld,
            "withheld_note": ANONYMOUS_WITHHELD_NOTE if withheld else None,
        }
    )


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


async def access_report(uow: UnitOfWork[Any], person_id: str, own: bool) -> PersonData:
    """The access report route's builder (``ideapaja_runtime.access_report``)."""
    return await person_report(uow.session, person_id, own=own)


async def person_report(session: AsyncSession, person_id: str, *, own: bool = True) -> PersonData:
    """Everything review holds on ``person_id``; unless ``own`` (the person's own report), what
    would reveal who wrote an anonymous idea is withheld and counted."""
    data = await _full_report(session, person_id)
    return data if own else withhold_anonymous_authorship(data)


async def _full_report(session: AsyncSession, person_id: str) -> PersonData:
    row = await session.get(OrgPersonRow, person_id)
    roles = (
        await session.scalars(
            select(OrgPersonRoleRow.role)
            .where(OrgPersonRoleRow.person_id == person_id)
            .order_by(OrgPersonRoleRow.role)
        )
    ).all()
    assignments = (
        await session.scalars(
            select(AssignedReviewerRow).where(AssignedReviewerRow.person_id == person_id)
        )
    ).all()
    memberships = (
        await session.scalars(
            select(CommitteeMemberRow).where(CommitteeMemberRow.person_id == person_id)
        )
    ).all()
    candidates = await session.scalars(
        select(CaseRow)
        .where(cast(CaseRow.author_ids, String).contains(f'"{person_id}"'))
        .order_by(CaseRow.opened_at)
    )
    authored = [case for case in candidates.all() if person_id in case.author_ids]
    reviewing = (
        await session.scalars(select(CaseReviewerRow).where(CaseReviewerRow.person_id == person_id))
    ).all()
    actions = (
        await session.scalars(
            select(CaseHistoryRow)
            .where(CaseHistoryRow.actor_id == person_id)
            .order_by(CaseHistoryRow.seq)
        )
    ).all()
    scores = (await session.scalars(select(ScoreRow).where(ScoreRow.person_id == person_id))).all()
    conflicts = (
        await session.scalars(select(ConflictRow).where(ConflictRow.person_id == person_id))
    ).all()
    meetings = [
        m
        for m in (
            await session.scalars(
                select(MeetingRow)
                .where(
                    or_(
                        MeetingRow.created_by == person_id,
                        MeetingRow.closed_by == person_id,
                        cast(MeetingRow.present_ids, String).contains(f'"{person_id}"'),
                    )
                )
                .order_by(MeetingRow.scheduled_at)
            )
        ).all()
        if person_id in (m.created_by, m.closed_by) or person_id in m.present_ids
    ]
    experiments = (
        await session.scalars(
            select(ExperimentRow).where(
                or_(ExperimentRow.started_by == person_id, ExperimentRow.completed_by == person_id)
            )
        )
    ).all()
    implementations = (
        await session.scalars(
            select(ImplementationRow).where(
                or_(
                    ImplementationRow.owner_id == person_id,
                    ImplementationRow.started_by == person_id,
                )
            )
        )
    ).all()
    practices = (
        await session.scalars(select(PracticeRow).where(PracticeRow.published_by == person_id))
    ).all()
    adoptions = (
        await session.scalars(select(AdoptionRow).where(AdoptionRow.reported_by == person_id))
    ).all()
    audit_rows = (
        await session.scalars(
            select(AuditRow)
            .where(or_(AuditRow.actor_id == person_id, AuditRow.subject == person_id))
            .order_by(AuditRow.seq)
        )
    ).all()
    return PersonData(
        id=person_id,
        org=(
            OrgData(unit_id=row.unit_id, active=row.active, roles=list(roles), as_of=row.as_of)
            if row is not None
            else None
        ),
        assignments=[
            {
                "unit_id": a.unit_id,
                "role": a.role,
                "assigned_by": a.assigned_by,
                "assigned_at": _iso(a.assigned_at),
            }
            for a in assignments
        ],
        committee_memberships=[
            {"committee_id": m.committee_id, "role": m.role} for m in memberships
        ],
        cases_authored=[
            {
                "case_id": c.case_id,
                "idea_id": c.idea_id,
                "round": c.round,
                "title": c.title,
                "unit_id": c.unit_id,
                "anonymous": c.anonymous,
                "state": c.state,
                "decision": c.decision,
                "opened_at": _iso(c.opened_at),
                "decided_at": _iso(c.decided_at),
            }
            for c in authored
        ],
        cases_reviewing=[
            {"case_id": r.case_id, "source": r.source, "added_at": _iso(r.added_at)}
            for r in reviewing
        ],
        case_actions=[
            {
                "seq": h.seq,
                "case_id": h.case_id,
                "occurred_at": _iso(h.occurred_at),
                "action": h.action,
                "from_state": h.from_state,
                "to_state": h.to_state,
                "decision": h.decision,
                "reason": h.reason,
            }
            for h in actions
        ],
        scores=[
            {
                "meeting_id": s.meeting_id,
                "case_id": s.case_id,
                "scores": s.scores,
                "comment": s.comment,
                "scored_at": _iso(s.scored_at),
            }
            for s in scores
        ],
        conflicts_of_interest=[
            {
                "meeting_id": c.meeting_id,
                "case_id": c.case_id,
                "reason": c.reason,
                "recorded_by": c.recorded_by,
                "recorded_at": _iso(c.recorded_at),
            }
            for c in conflicts
        ],
        meetings=[
            {
                "meeting_id": m.meeting_id,
                "committee_id": m.committee_id,
                "title": m.title,
                "scheduled_at": _iso(m.scheduled_at),
                "called": m.created_by == person_id,
                "closed": m.closed_by == person_id,
                "present": person_id in m.present_ids,
            }
            for m in meetings
        ],
        experiments=[
            {
                "experiment_id": e.experiment_id,
                "case_id": e.case_id,
                "started": e.started_by == person_id,
                "completed": e.completed_by == person_id,
            }
            for e in experiments
        ],
        implementations=[
            {
                "case_id": i.case_id,
                "idea_id": i.idea_id,
                "owner": i.owner_id == person_id,
                "started": i.started_by == person_id,
            }
            for i in implementations
        ],
        practices=[
            {"practice_id": p.practice_id, "case_id": p.case_id, "title": p.title}
            for p in practices
        ],
        adoptions=[
            {"practice_id": a.practice_id, "unit_id": a.unit_id, "reported_at": _iso(a.reported_at)}
            for a in adoptions
        ],
        audit_entries=[
            {
                "seq": a.seq,
                "occurred_at": _iso(a.occurred_at),
                "actor_id": a.actor_id,
                "action": a.action,
                "subject": a.subject,
                "details": a.details,
            }
            for a in audit_rows
        ],
    )
