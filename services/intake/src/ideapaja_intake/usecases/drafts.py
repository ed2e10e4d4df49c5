"""Drafts: ideas being written, private to their author (someone else's draft is answered like a
missing one) and without events until submitted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import select

from ideapaja_contracts.events.idea import Channel
from ideapaja_intake.db.ideas import IdeaRecord
from ideapaja_intake.db.models import IdeaDraft
from ideapaja_intake.domain.submission import IdeaDraft as DraftInput
from ideapaja_intake.domain.submission import IdeaSubmission, new_idea_id
from ideapaja_intake.errors import DraftNotFound, FieldErrors
from ideapaja_intake.usecases import Uow
from ideapaja_intake.usecases.submissions import Submitter, submit_idea
from ideapaja_runtime.pagination import Page, PageRequest, page_of

R = TypeVar("R")


def draft_content(draft: DraftInput) -> dict[str, Any]:
    return draft.model_dump(mode="json")


async def create_draft(uow: Uow, draft: DraftInput) -> IdeaDraft:
    row = IdeaDraft(
        id=new_idea_id(),
        owner_id=uow.person.person_id,
        content=draft_content(draft),
        created_at=uow.now,
        updated_at=uow.now,
    )
    uow.session.add(row)
    await uow.session.flush()
    return row


async def my_drafts(uow: Uow, page: PageRequest, item: Callable[[IdeaDraft], R]) -> Page[R]:
    """The caller's drafts, most recently saved first (ties by id)."""
    return await page_of(
        uow.session,
        select(IdeaDraft).where(IdeaDraft.owner_id == uow.person.person_id),
        keys=[IdeaDraft.updated_at, IdeaDraft.id],
        page=page,
        item=item,
    )


async def own_draft(uow: Uow, draft_id: str) -> IdeaDraft:
    row = await uow.session.get(IdeaDraft, draft_id)
    if row is None or row.owner_id != uow.person.person_id:
        raise DraftNotFound(draft_id)
    return row


async def replace_draft(uow: Uow, draft_id: str, draft: DraftInput) -> IdeaDraft:
    row = await own_draft(uow, draft_id)
    row.content = draft_content(draft)
    row.updated_at = uow.now
    await uow.session.flush()
    return row


async def delete_draft(uow: Uow, draft_id: str) -> None:
    await uow.session.delete(await own_draft(uow, draft_id))


async def submit_draft(uow: Uow, draft_id: str) -> IdeaRecord:
    """The draft, complete now, becomes the idea of the same id; the draft is gone."""
    row = await own_draft(uow, draft_id)
    content = {k: v for k, v in row.content.items() if v is not None}
    try:
        submission = IdeaSubmission.model_validate(content)
    except ValidationError as exc:
        errors = FieldErrors()
        for error in exc.errors(include_url=False):
            errors.add(".".join(str(p) for p in error["loc"]), error["msg"], error["type"])
        errors.raise_if_any()
        raise
    record = await submit_idea(
        uow, Submitter.staff(uow.person), submission, Channel.API, idea_id=row.id
    )
    await uow.session.delete(row)
    await uow.session.flush()
    return record
