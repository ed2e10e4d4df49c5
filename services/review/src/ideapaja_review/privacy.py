"""GDPR in review: erasing a person (``ErasureRequested``) and reporting what is held on them.

Review holds people only as opaque ids, plus, from HR, their unit and roles (``org_people``,
``org_person_roles``) and, from admins, their assignments as change agents and committee
memberships. Erasure removes all of that in the handler's transaction: the org row keeps only the
person id, marked inactive, with the erasure's time as its HR time (so an HR record sent before
the erasure and delivered late changes nothing, while a re-hire after it is applied again).

What stays, under the opaque person id only: the cases they wrote (the idea stays, as a former
employee's) and the audit trail of reviewers' decisions — case history, scores, conflicts of
interest, minutes, experiments, implementation and practices with who acted. That trail is the
city's legal record of how decisions were made (administrative decisions must be traceable to
who made them), so it is kept; it never held names or e-mail addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import String, cast, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import IdeaRetentionExpired
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_review import audit
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
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext, Subscription
from ideapaja_runtime.requester import ANONYMOUS_WITHHELD_NOTE
from ideapaja_runtime.uow import UnitOfWork

log = get_logger(__name__)

ERASED = "person.erased"


async def on_erasure_requested(event: ErasureRequested, ctx: HandlerContext) -> None:
    session = ctx.session
    person_id = event.person_id
    erased_at = as_utc(ctx.envelope.time)
    row = await session.get(OrgPersonRow, person_id)
    if row is not None and as_utc(row.as_of) > erased_at:
        # HR described the person after the erasure was requested (re-hired): new data.
        log.info("erasure_older_than_hr_record", person_id=person_id)
        return
    roles = list(
        (
            await session.scalars(
                select(OrgPersonRoleRow.role).where(OrgPersonRoleRow.person_id == person_id)
            )
        ).all()
    )
    assignments = (
        await session.execute(
            select(AssignedReviewerRow.unit_id, AssignedReviewerRow.role).where(
                AssignedReviewerRow.person_id == person_id
            )
        )
    ).all()
    memberships = (
        await session.execute(
            select(CommitteeMemberRow.committee_id, CommitteeMemberRow.role).where(
                CommitteeMemberRow.person_id == person_id
            )
        )
    ).all()
    await session.execute(delete(OrgPersonRoleRow).where(OrgPersonRoleRow.person_id == person_id))
    await session.execute(
        delete(AssignedReviewerRow).where(AssignedReviewerRow.person_id == person_id)
    )
    await session.execute(
        delete(CommitteeMemberRow).where(CommitteeMemberRow.person_id == person_id)
    )
    if row is None:
        session.add(OrgPersonRow(person_id=person_id, unit_id=None, active=False, as_of=erased_at))
    else:
        row.unit_id = None
        row.active = False
        row.as_of = erased_at
    audit.record(
        session,
        actor_id=event.requested_by,
        action=ERASED,
        subject=person_id,
        now=erased_at,
        details={
            "erasure_id": event.erasure_id,
            "basis": event.basis.value,
            "removed_roles": sorted(roles),
            "removed_assignments": sorted(f"{unit}:{role}" for unit, role in assignments),
            "removed_committee_memberships": sorted(f"{c}:{role}" for c, role in memberships),
        },
    )
    await session.flush()
    log.info("person_erased", person_id=person_id, roles=len(roles))


# --- Retention of closed ideas ------------------------------------------------------------------

RETENTION_EXPIRED = "idea.retention_expired"


async def on_idea_retention_expired(event: IdeaRetentionExpired, ctx: HandlerContext) -> None:
    """Intake removed the personal data of a long-closed idea: its cases forget its authors too.
    The cases' content and decision trail stay (who decided is the city's record); so does an
    author's own step in it (an appeal, a withdrawal), which the history never rewrites."""
    session = ctx.session
    cases = (
        await session.scalars(
            select(CaseRow).where(CaseRow.idea_id == event.idea_id).order_by(CaseRow.round)
        )
    ).all()
    links = sum(len(case.author_ids) for case in cases)
    if not links:
        return  # no case, or already done (a redelivery)
    for case in cases:
        case.author_ids = []
    audit.record(
        session,
        actor_id="intake",
        action=RETENTION_EXPIRED,
        subject=event.idea_id,
        now=as_utc(ctx.envelope.time),
        details={
            "cases": len(cases),
            "author_links_removed": links,
            "retention_days": event.retention_days,
        },
    )
    await session.flush()
    log.info("idea_authors_removed", idea_id=event.idea_id, cases=len(cases))


def subscriptions() -> Sequence[Subscription]:
    return [
        Subscription("privacy-erasures", {ErasureRequested: on_erasure_requested}),
        Subscription("idea-retention", {IdeaRetentionExpired: on_idea_retention_expired}),
    ]


# --- The access report -------------------------------------------------------------------------


class OrgData(BaseModel):
    unit_id: str | None
    active: bool
    roles: list[str]
    as_of: datetime = Field(description="The HR event time this reflects")


class PersonData(BaseModel):
    """Everything review holds on one person (by their opaque id)."""

    person_id: str
    org: OrgData | None = Field(description="Unit, roles and status from HR")
    assignments: list[dict[str, Any]] = Field(description="Units they were assigned to review")
    committee_memberships: list[dict[str, Any]]
    cases_authored: list[dict[str, Any]] = Field(
        description="Cases of ideas they wrote; of anonymous ideas only in the person's own "
        "report (see anonymous_items_withheld)"
    )
    cases_reviewing: list[dict[str, Any]] = Field(description="Cases they are a reviewer of")
    case_actions: list[dict[str, Any]] = Field(
        description="Their steps in case histories (the audit trail of decisions)"
    )
    scores: list[dict[str, Any]]
    conflicts_of_interest: list[dict[str, Any]]
    meetings: list[dict[str, Any]] = Field(description="Meetings they called, closed or attended")
    experiments: list[dict[str, Any]] = Field(description="Experiments they started or completed")
    implementations: list[dict[str, Any]] = Field(description="Implementations they own or started")
    practices: list[dict[str, Any]] = Field(description="Practices they published")
    adoptions: list[dict[str, Any]] = Field(description="Adoptions they reported")
    audit_entries: list[dict[str, Any]] = Field(
        description="Configuration changes they made or that concerned them"
    )
    anonymous_items_withheld: int = Field(
        default=0,
        description="How many items were left out because they would reveal who wrote an "
        "anonymous idea (the cases of their anonymous ideas, and their steps, scores, conflicts "
        "and other entries on those cases): always 0 in the person's own report, which shows "
        "everything",
    )
    withheld_note: str | None = Field(
        default=None, description="Why items were withheld, when any were"
    )


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
        person_id=person_id,
        org=(
            OrgData(
                unit_id=row.unit_id, active=row.active, roles=list(roles), as_of=as_utc(row.as_of)
            )
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
