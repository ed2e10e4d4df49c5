"""Colleagues taking part: supports (one per person, withdrawable) and comments (hidden by a
moderator with a reason). Every change emits its event in the same transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import IdeaCommented, IdeaSupported
from ideapaja_intake.db.ideas import confirmed_authors, lock_idea
from ideapaja_intake.db.models import Idea, IdeaComment, IdeaSupport
from ideapaja_intake.domain.status import PUBLIC_STATUSES, IdeaStatus
from ideapaja_intake.domain.submission import public_actor
from ideapaja_intake.errors import (
    ArchivedIdea,
    CommentNotFound,
    IdeaNotFound,
    IllegalTransition,
    OwnIdea,
)
from ideapaja_runtime.outbox import Outbox


async def _public_idea(session: AsyncSession, idea_id: str) -> Idea:
    idea = await lock_idea(session, idea_id)
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


async def support_idea(
    session: AsyncSession, *, outbox: Outbox, person_id: str, idea_id: str, traceparent: str | None
) -> tuple[Idea, bool]:
    """Support the idea; (idea, True) when this created the support, False if it existed."""
    idea = await _public_idea(session, idea_id)
    if person_id in await confirmed_authors(session, idea_id):
        raise OwnIdea("Authors cannot support their own idea.")
    if await session.get(IdeaSupport, (idea_id, person_id)) is not None:
        return idea, False
    session.add(IdeaSupport(idea_id=idea_id, person_id=person_id, supported_at=datetime.now(UTC)))
    idea.support_count += 1
    await outbox.add(
        session,
        IdeaSupported(idea_id=idea_id, supporter_id=person_id, support_count=idea.support_count),
        traceparent=traceparent,
    )
    await session.flush()
    return idea, True


async def withdraw_support(
    session: AsyncSession, *, outbox: Outbox, person_id: str, idea_id: str, traceparent: str | None
) -> Idea:
    idea = await lock_idea(session, idea_id)
    if idea is None:
        raise IdeaNotFound(idea_id)
    support = await session.get(IdeaSupport, (idea_id, person_id))
    if support is None:
        return idea
    await session.delete(support)
    idea.support_count = max(0, idea.support_count - 1)
    await outbox.add(
        session,
        IdeaSupported(
            idea_id=idea_id,
            supporter_id=person_id,
            withdrawn=True,
            support_count=idea.support_count,
        ),
        traceparent=traceparent,
    )
    await session.flush()
    return idea


async def add_comment(
    session: AsyncSession,
    *,
    outbox: Outbox,
    person_id: str,
    idea_id: str,
    body: str,
    traceparent: str | None,
) -> IdeaComment:
    idea = await _public_idea(session, idea_id)
    is_author = person_id in await confirmed_authors(session, idea_id)
    shown_as = (
        public_actor(person_id, anonymous=idea.anonymous, author_ref=idea.author_ref)
        if is_author
        else person_id
    )
    now = datetime.now(UTC)
    comment = IdeaComment(
        id=f"c-{uuid.uuid4().hex}",
        idea_id=idea_id,
        commenter_id=person_id,
        shown_as=shown_as,
        body=body,
        created_at=now,
    )
    session.add(comment)
    idea.comment_count += 1
    await outbox.add(
        session,
        IdeaCommented(idea_id=idea_id, comment_id=comment.id, commenter_id=shown_as, body=body),
        traceparent=traceparent,
    )
    await session.flush()
    return comment


async def hide_comment(
    session: AsyncSession,
    *,
    outbox: Outbox,
    moderator_id: str,
    idea_id: str,
    comment_id: str,
    reason: str,
    traceparent: str | None,
) -> IdeaComment:
    """Hide a comment with a reason; the event tells the author and reviewers (its body is left
    empty: the hidden text is not spread further). Hiding twice changes nothing."""
    idea = await lock_idea(session, idea_id)
    comment = await session.get(IdeaComment, comment_id)
    if idea is None or comment is None or comment.idea_id != idea_id:
        raise CommentNotFound(f"No comment {comment_id} on idea {idea_id}.")
    if comment.hidden_at is None:
        comment.hidden_at = datetime.now(UTC)
        comment.hidden_by = moderator_id
        comment.hidden_reason = reason
        idea.comment_count = max(0, idea.comment_count - 1)
        await outbox.add(
            session,
            IdeaCommented(
                idea_id=idea_id,
                comment_id=comment.id,
                commenter_id=comment.shown_as,
                body="",
                hidden=True,
            ),
            traceparent=traceparent,
        )
        await session.flush()
    return comment


async def comments_of(session: AsyncSession, idea_id: str) -> list[IdeaComment]:
    rows = await session.scalars(
        select(IdeaComment)
        .where(IdeaComment.idea_id == idea_id)
        .order_by(IdeaComment.created_at, IdeaComment.id)
    )
    return list(rows)
