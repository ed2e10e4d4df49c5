"""Good practices: an implemented idea published for other units, and the units adopting it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.progress import (
    PracticeAdopted,
    PracticePublished,
)
from ideapaja_review.db import org
from ideapaja_review.db.models import (
    AdoptionRow,
    PracticeRow,
)
from ideapaja_review.domain import access
from ideapaja_review.domain.lifecycle import Action
from ideapaja_review.domain.rules import SCREENER_ROLES
from ideapaja_review.errors import InvalidInput, NotAllowed, NotFound
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases import case_steps
from ideapaja_review.usecases.experimenting import stewarded_case
from ideapaja_runtime.pagination import Page, PageRequest, page_from, paginate

R = TypeVar("R")


async def publish_practice(
    uow: ReviewWork, case_id: str, *, title: str, summary: str
) -> PracticeRow:
    actor = uow.person
    session = uow.session
    case = await stewarded_case(session, case_id, actor)
    practice = PracticeRow(
        practice_id=f"gp-{uuid.uuid4().hex}",
        case_id=case.case_id,
        idea_id=case.idea_id,
        unit_id=case.unit_id,
        title=title,
        summary=summary,
        published_by=actor.person_id,
        published_at=uow.now,
    )
    await case_steps.transition_by_person(
        uow,
        case,
        Action.PUBLISH_PRACTICE,
        reason=title,
        details={"practice_id": practice.practice_id},
    )
    session.add(practice)
    await uow.publish(
        PracticePublished(
            idea_id=case.idea_id,
            practice_id=practice.practice_id,
            title=title,
            summary=summary,
            published_by=actor.person_id,
            unit_id=case.unit_id,
        )
    )
    await session.flush()
    return practice


async def adopt(
    uow: ReviewWork,
    practice_id: str,
    *,
    unit_id: str,
    note: str,
    actor_unit_ids: frozenset[str],
) -> tuple[AdoptionRow, bool]:
    """A unit reports it adopted the practice; (adoption, True) the first time, the existing
    adoption and False on a repeat (no second event)."""
    actor = uow.person
    session = uow.session
    practice = await session.get(PracticeRow, practice_id)
    if practice is None:
        raise NotFound(practice_id, what="Practice")
    if not await org.unit_exists(session, unit_id):
        raise InvalidInput("unit_id", f"Unknown unit {unit_id}.")
    if unit_id == practice.unit_id:
        raise InvalidInput("unit_id", "The practice comes from this unit.")
    if access.ADMIN not in actor.roles:
        hr_unit, _ = await org.hr_roles(session, actor.person_id)
        roles = await case_steps.effective_roles(session, actor)
        in_unit = unit_id in actor_unit_ids or hr_unit == unit_id
        if not in_unit or SCREENER_ROLES.isdisjoint(roles):
            raise NotAllowed(
                "A unit's adoption is reported by its supervisor or change agent (or an admin)."
            )
    existing = await session.get(AdoptionRow, (practice_id, unit_id))
    if existing is not None:
        return existing, False
    case = await case_steps.load_for_update(session, practice.case_id)
    await case_steps.transition_by_person(
        uow,
        case,
        Action.RECORD_ADOPTION,
        reason=note or None,
        details={"practice_id": practice_id, "unit_id": unit_id},
    )
    adoption = AdoptionRow(
        practice_id=practice_id,
        unit_id=unit_id,
        note=note,
        reported_by=actor.person_id,
        reported_at=uow.now,
    )
    session.add(adoption)
    await uow.publish(
        PracticeAdopted(
            idea_id=practice.idea_id,
            practice_id=practice_id,
            adopting_unit_id=unit_id,
            reported_by=actor.person_id,
        )
    )
    await session.flush()
    return adoption, True


async def list_practices(
    session: AsyncSession,
    page: PageRequest,
    *,
    item: Callable[[PracticeRow, list[AdoptionRow]], R],
) -> Page[R]:
    """Good practices newest first (ties by id), each shown with its adoptions: one page."""
    rows, total, next_cursor = await paginate(
        session,
        select(PracticeRow),
        keys=[PracticeRow.published_at, PracticeRow.practice_id],
        page=page,
    )
    adoptions = await _adoptions_of(session, [r.practice_id for r in rows])
    return page_from(
        page, rows, total, next_cursor, item=lambda r: item(r, adoptions.get(r.practice_id, []))
    )


async def get_practice(
    session: AsyncSession, practice_id: str
) -> tuple[PracticeRow, list[AdoptionRow]]:
    practice = await session.get(PracticeRow, practice_id)
    if practice is None:
        raise NotFound(practice_id, what="Practice")
    return practice, (await _adoptions_of(session, [practice_id])).get(practice_id, [])


async def _adoptions_of(
    session: AsyncSession, practice_ids: Sequence[str]
) -> dict[str, list[AdoptionRow]]:
    if not practice_ids:
        return {}
    rows = await session.scalars(
        select(AdoptionRow)
        .where(AdoptionRow.practice_id.in_(practice_ids))
        .order_by(AdoptionRow.reported_at, AdoptionRow.unit_id)
    )
    found: dict[str, list[AdoptionRow]] = {}
    for row in rows.all():
        found.setdefault(row.practice_id, []).append(row)
    return found
