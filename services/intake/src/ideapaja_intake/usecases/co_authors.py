"""Co-authors: the authors invite a colleague, who confirms (then shares the idea's rewards) or
declines; an invitation not yet accepted may be withdrawn by the authors.

Co-authors join while the idea is open and until it has been awarded (money, a gift,
recognition): an award is shared among the authors it names. Points credited by the incentive
rules do not close it: the reward service grants points the moment an idea is submitted, so
counting them would refuse every invitation made with the submission; later points reach the
co-authors who confirmed (IdeaUpdated carries the authors)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.reward import RewardKind
from ideapaja_intake.db.ideas import confirmed_authors, lock_idea
from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaReward
from ideapaja_intake.db.org import active_people
from ideapaja_intake.domain.pseudonym import author_pseudonym
from ideapaja_intake.domain.status import IdeaStatus
from ideapaja_intake.domain.submission import CO_AUTHORS_MAX
from ideapaja_intake.errors import (
    AlreadyAnAuthor,
    FieldErrors,
    ForbiddenObject,
    IllegalTransition,
    InvitationNotFound,
    TooManyAuthors,
)
from ideapaja_intake.usecases import Uow
from ideapaja_intake.usecases.editing import authored_idea, new_version

# Co-authors may still join while the idea is open; not after it was awarded.
CO_AUTHOR_OPEN_STATUSES = frozenset(IdeaStatus) - {
    IdeaStatus.DRAFT,
    IdeaStatus.WITHDRAWN,
    IdeaStatus.REJECTED,
    IdeaStatus.DUPLICATE,
}


async def _open_to_co_authors(session: AsyncSession, idea: Idea) -> bool:
    """Open, and not awarded yet (points alone do not count: see the module's note)."""
    if IdeaStatus(idea.status) not in CO_AUTHOR_OPEN_STATUSES:
        return False
    if not idea.rewarded:
        return True
    awarded = await session.scalar(
        select(IdeaReward.grant_id)
        .where(IdeaReward.idea_id == idea.id, IdeaReward.kind != RewardKind.POINTS.value)
        .limit(1)
    )
    return awarded is None


async def invite_co_author(uow: Uow, idea_id: str, person_id: str) -> tuple[IdeaAuthor, Idea]:
    """The invitation (not yet confirmed) and the idea it is to."""
    idea = await authored_idea(uow, idea_id)
    session = uow.session
    if not await _open_to_co_authors(session, idea):
        raise IllegalTransition(
            "Co-authors can no longer join this idea (it is closed or already awarded).",
            status_now=idea.status,
        )
    if await session.get(IdeaAuthor, (idea_id, person_id)) is not None:
        raise AlreadyAnAuthor(f"{person_id} is already an author or invited.")
    if not await session.run_sync(active_people, [person_id]):
        errors = FieldErrors()
        errors.add("person_id", f"unknown or departed person {person_id!r}", "unknown_person")
        errors.raise_if_any()
    count = await session.scalar(
        select(func.count()).select_from(IdeaAuthor).where(IdeaAuthor.idea_id == idea_id)
    )
    if int(count or 0) >= CO_AUTHORS_MAX + 1:
        raise TooManyAuthors(f"An idea has at most {CO_AUTHORS_MAX + 1}.")
    secret = uow.settings.pseudonym_secret.get_secret_value()
    row = IdeaAuthor(
        idea_id=idea_id,
        person_id=person_id,
        kind="co_author",
        author_ref=author_pseudonym(secret, idea_id, person_id),
        added_at=uow.now,
        confirmed_at=None,
        invited_by=uow.person.person_id,
    )
    session.add(row)
    await session.flush()
    return row, idea


async def confirm_co_author(uow: Uow, idea_id: str, person_id: str) -> tuple[IdeaAuthor, Idea]:
    """The invited person (only they) becomes an author: a new revision and IdeaUpdated, so
    that the change reaches the other services (confirming twice changes nothing)."""
    if person_id != uow.person.person_id:
        raise ForbiddenObject("Only the invited person can accept the invitation.")
    idea = await lock_idea(uow.session, idea_id)
    row = await uow.session.get(IdeaAuthor, (idea_id, person_id))
    if idea is None or row is None:
        raise InvitationNotFound(f"You are not invited to idea {idea_id}.")
    if row.confirmed_at is None:
        if not await _open_to_co_authors(uow.session, idea):
            raise IllegalTransition(
                "The idea is closed or already awarded; the invitation can no longer be accepted.",
                status_now=idea.status,
            )
        row.confirmed_at = uow.now
        await uow.session.flush()
        await new_version(
            uow,
            idea,
            reason="co_author_confirmed",
            author_ids=await confirmed_authors(uow.session, idea_id),
        )
    return row, idea


async def remove_co_author(uow: Uow, idea_id: str, person_id: str) -> None:
    """Decline an invitation (the invited person) or withdraw it (an author). A confirmed
    author stays: they share the idea's rewards."""
    actor_id = uow.person.person_id
    idea = await lock_idea(uow.session, idea_id)
    row = await uow.session.get(IdeaAuthor, (idea_id, person_id))
    if idea is None or row is None:
        raise InvitationNotFound(f"{person_id} is not invited to {idea_id}.")
    if row.confirmed_at is not None:
        raise AlreadyAnAuthor("A confirmed author cannot be removed.")
    if actor_id != person_id and actor_id not in await confirmed_authors(uow.session, idea_id):
        raise ForbiddenObject("Only the invited person or the authors may do this.")
    await uow.session.delete(row)
    await uow.session.flush()
