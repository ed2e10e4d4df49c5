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

from sqlalchemy import delete, select

from ideapaja_contracts.events.idea import IdeaRetentionExpired
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_review.db import audit
from ideapaja_review.db.models import (
    AssignedReviewerRow,
    CaseRow,
    CommitteeMemberRow,
    OrgPersonRoleRow,
    OrgPersonRow,
)
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext

log = get_logger(__name__)


ERASED = "person.erased"


async def on_erasure_requested(event: ErasureRequested, ctx: HandlerContext) -> None:
    session = ctx.session
    person_id = event.person_id
    erased_at = as_utc(ctx.envelope.time)
    row = await session.get(OrgPersonRow, person_id)
    if row is not None and row.as_of > erased_at:
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
        row.display_name = None
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
