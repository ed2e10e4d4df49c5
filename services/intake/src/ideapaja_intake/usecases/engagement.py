"""Colleagues taking part: supports (one per person, withdrawable) and comments (hidden by a
moderator with a reason). Every change emits its event in the same unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select

from ideapaja_contracts.events.idea import IdeaCommented, IdeaSupported
from ideapaja_intake.db.ideas import confirmed_authors, load_idea, lock_idea
from ideapaja_intake.db.models import Idea, IdeaComment, IdeaSupport
from ideapaja_intake.domain.status import PUBLIC_STATUSES, IdeaStatus
from ideapaja_intake.domain.submission import public_actor
from ideapaja_intake.domain.visibility import MODERATOR_ROLES
from ideapaja_intake.errors import (
    ArchivedIdea,
    CommentNotFound,
    IdeaNotFound,
    IllegalTransition,
    OwnIdea,
)
from ideapaja_intake.usecases import Uow
from ideapaja_runtime.pagination import Page, PageRequest, page_of

R = TypeVar("R")


async def _public_idea(uow: Uow, idea_id: str) -> Idea:
    idea = await lock_idea(uow.session, idea_id)
    if idea is None:
        raise IdeaNotFound(idea_id)
    if IdeaStatus(idea.status) not in PUBLIC_STATUSES:
        raise IllegalTransition(
            f"An idea in status {idea.status} takes no supports or comments.",
            status_now=idea.status,
        )
    if idea.personal_data_removed_at is not None:
        raise ArchivedIdea(idea.status)
    return idea


# --- supports ------------------------------------------------------------------------------------


async def support_idea(uow: Uow, idea_id: str) -> tuple[Idea, bool]:
    """Support the idea; (idea, True) when this created the support, False if it existed."""
    person_id = uow.person.person_id
    idea = await _public_idea(uow, idea_id)
    if person_id in await confirmed_authors(uow.session, idea_id):
        raise OwnIdea("Authors cannot support their own idea.")
    if await uow.session.get(IdeaSupport, (idea_id, person_id)) is not None:
        return idea, False
    uow.session.add(IdeaSupport(idea_id=idea_id, person_id=person_id, supported_at=uow.now))
    idea.support_count += 1
    await uow.publish(
        IdeaSupported(idea_id=idea_id, supporter_id=person_id, support_count=idea.support_count)
    )
    await uow.session.flush()
    return idea, True


async def withdraw_support(uow: Uow, idea_id: str) -> Idea:
    person_id = uow.person.person_id
    idea = await lock_idea(uow.session, idea_id)
    if idea is None:
        raise IdeaNotFound(idea_id)
    support = await uow.session.get(IdeaSupport, (idea_id, person_id))
    if support is None:
        return idea
    await uow.session.delete(support)
    idea.support_count = max(0, idea.support_count - 1)
    await uow.publish(
        IdeaSupported(
            idea_id=idea_id,
            supporter_id=person_id,
            withdrawn=True,
            support_count=idea.support_count,
        )
    )
    await uow.session.flush()
    return idea


# --- comments ------------------------------------------------------------------------------------


async def comments_on(
    uow: Uow, idea_id: str, page: PageRequest, item: Callable[[IdeaComment, bool], R]
) -> Page[R]:
    """A public idea's comments, oldest first (ties by id), each with whether the reader sees
    its text when hidden (moderators, and the person who wrote it)."""
    record = await load_idea(uow.session, idea_id)
    if record is None or IdeaStatus(record.idea.status) not in PUBLIC_STATUSES:
        raise IdeaNotFound(idea_id, detail=f"No public idea {idea_id}.")
    reader = uow.person
    moderator = reader.has_any(*MODERATOR_ROLES)
    return await page_of(
        uow.session,
        select(IdeaComment).where(IdeaComment.idea_id == idea_id),
        keys=[IdeaComment.created_at, IdeaComment.id],
        page=page,
        item=lambda row: item(row, moderator or row.commenter_id == reader.person_id),
        descending=False,
    )


async def add_comment(uow: Uow, idea_id: str, body: str) -> IdeaComment:
    """A comment by the acting person; an author of an anonymous idea comments under its
    pseudonym."""
    person_id = uow.person.person_id
    idea = await _public_idea(uow, idea_id)
    is_author = person_id in await confirmed_authors(uow.session, idea_id)
    shown_as = (
        public_actor(person_id, anonymous=idea.anonymous, author_ref=idea.author_ref)
        if is_author
        else person_id
    )
    comment = IdeaComment(
        id=f"c-{uuid.uuid4().hex}",
        idea_id=idea_id,
        commenter_id=person_id,
        shown_as=shown_as,
        body=body,
        created_at=uow.now,
    )
    uow.session.add(comment)
    idea.comment_count += 1
    await uow.publish(
        IdeaCommented(idea_id=idea_id, comment_id=comment.id, commenter_id=shown_as, body=body)
    )
    await uow.session.flush()
    return comment


async def hide_comment(uow: Uow, idea_id: str, comment_id: str, reason: str) -> IdeaComment:
    """Hide a comment with a reason; the event tells the author and reviewers (its body is left
    empty: the hidden text is not spread further). Hiding twice changes nothing."""
    idea = await lock_idea(uow.session, idea_id)
    comment = await uow.session.get(IdeaComment, comment_id)
    if idea is None or comment is None or comment.idea_id != idea_id:
        raise CommentNotFound(f"No comment {comment_id} on idea {idea_id}.")
    if comment.hidden_at is None:
        comment.hidden_at = uow.now
        comment.hidden_by = uow.person.person_id
        comment.hidden_reason = reason
        idea.comment_count = max(0, idea.comment_count - 1)
        await uow.publish(
            IdeaCommented(
                idea_id=idea_id,
                comment_id=comment.id,
                commenter_id=comment.shown_as,
                body="",
                hidden=True,
            )
        )
        await uow.session.flush()
    return comment
