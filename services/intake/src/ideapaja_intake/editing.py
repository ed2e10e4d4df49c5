"""What authors do with their ideas after writing them: drafts, edits (each a new version),
withdrawal and co-authors. Each function works in the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import Channel, IdeaWithdrawn
from ideapaja_intake.db.ideas import (
    IdeaRecord,
    apply_status_change,
    confirmed_authors,
    load_idea,
    lock_idea,
    version_of,
)
from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaDraft, IdeaStatusChange
from ideapaja_intake.db.org import active_people
from ideapaja_intake.domain.pseudonym import author_pseudonym
from ideapaja_intake.domain.search import stored_terms
from ideapaja_intake.domain.status import EDITABLE_STATUSES, WITHDRAWABLE_STATUSES, IdeaStatus
from ideapaja_intake.domain.submission import (
    CO_AUTHORS_MAX,
    IdeaEdit,
    IdeaSubmission,
    new_idea_id,
    public_actor,
    updated_event,
)
from ideapaja_intake.domain.submission import IdeaDraft as DraftInput
from ideapaja_intake.errors import (
    AlreadyAnAuthor,
    DraftNotFound,
    EditConflict,
    FieldErrors,
    ForbiddenObject,
    IdeaNotFound,
    IllegalTransition,
    InvitationNotFound,
    TooManyAuthors,
)
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.submissions import Submitter, search_text, submit_idea
from ideapaja_runtime.outbox import Outbox

# Co-authors may still join while the idea is open; not after a reward was granted.
CO_AUTHOR_OPEN_STATUSES = frozenset(IdeaStatus) - {
    IdeaStatus.DRAFT,
    IdeaStatus.WITHDRAWN,
    IdeaStatus.REJECTED,
    IdeaStatus.DUPLICATE,
}


async def _authored_idea(session: AsyncSession, idea_id: str, person_id: str) -> Idea:
    """The idea, locked, if ``person_id`` is one of its confirmed authors."""
    idea = await lock_idea(session, idea_id)
    if idea is None:
        raise IdeaNotFound(idea_id)
    if person_id not in await confirmed_authors(session, idea_id):
        raise ForbiddenObject("Only the idea's authors may do this.")
    return idea


# --- drafts --------------------------------------------------------------------------------


def draft_content(draft: DraftInput) -> dict[str, Any]:
    return draft.model_dump(mode="json")


async def create_draft(session: AsyncSession, owner_id: str, draft: DraftInput) -> IdeaDraft:
    now = datetime.now(UTC)
    row = IdeaDraft(
        id=new_idea_id(),
        owner_id=owner_id,
        content=draft_content(draft),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def own_draft(session: AsyncSession, draft_id: str, owner_id: str) -> IdeaDraft:
    row = await session.get(IdeaDraft, draft_id)
    # Someone else's draft is answered like a missing one: drafts are private.
    if row is None or row.owner_id != owner_id:
        raise DraftNotFound(draft_id)
    return row


async def replace_draft(
    session: AsyncSession, draft_id: str, owner_id: str, draft: DraftInput
) -> IdeaDraft:
    row = await own_draft(session, draft_id, owner_id)
    row.content = draft_content(draft)
    row.updated_at = datetime.now(UTC)
    await session.flush()
    return row


async def submit_draft(
    session: AsyncSession,
    *,
    settings: IntakeSettings,
    outbox: Outbox,
    submitter: Submitter,
    draft_id: str,
    traceparent: str | None,
) -> IdeaRecord:
    """The draft, complete now, becomes the idea of the same id; the draft is gone."""
    row = await own_draft(session, draft_id, submitter.person_id)
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
        session,
        settings=settings,
        outbox=outbox,
        submitter=submitter,
        submission=submission,
        channel=Channel.API,
        traceparent=traceparent,
        idea_id=row.id,
    )
    await session.delete(row)
    await session.flush()
    return record


# --- edits ---------------------------------------------------------------------------------


async def edit_idea(
    session: AsyncSession,
    *,
    settings: IntakeSettings,
    outbox: Outbox,
    editor_id: str,
    idea_id: str,
    edit: IdeaEdit,
    traceparent: str | None,
) -> IdeaRecord:
    """A new version of the text (the previous ones stay), announced with IdeaUpdated."""
    idea = await _authored_idea(session, idea_id, editor_id)
    if IdeaStatus(idea.status) not in EDITABLE_STATUSES:
        raise IllegalTransition.cannot_be("edited", idea.status, EDITABLE_STATUSES)
    if edit.revision != idea.revision:
        raise EditConflict(edit.revision, idea.revision)
    if edit.category is not None and settings.category(edit.category) is None:
        errors = FieldErrors()
        errors.add("category", f"unknown category {edit.category!r}", "unknown_category")
        errors.raise_if_any()
    kinds = [k.value for k in edit.benefit_kinds]
    unchanged = (
        idea.title,
        idea.problem,
        idea.solution,
        idea.benefit,
        idea.category,
        list(idea.benefit_kinds or []),
    ) == (edit.title, edit.problem, edit.solution, edit.benefit, edit.category, kinds)
    if not unchanged:
        now = datetime.now(UTC)
        idea.title, idea.problem, idea.solution, idea.benefit = (
            edit.title,
            edit.problem,
            edit.solution,
            edit.benefit,
        )
        idea.category = edit.category
        idea.benefit_kinds = kinds
        idea.search_terms = stored_terms(
            search_text(edit.title, edit.problem, edit.solution, edit.benefit), idea.language
        )
        await _new_version(
            session, outbox, idea, editor_id, reason="edited", now=now, traceparent=traceparent
        )
    record = await load_idea(session, idea_id)
    assert record is not None
    return record


async def _new_version(
    session: AsyncSession,
    outbox: Outbox,
    idea: Idea,
    person_id: str,
    *,
    reason: str,
    now: datetime,
    traceparent: str | None,
    author_ids: list[str] | None = None,
) -> None:
    idea.revision += 1
    idea.last_edited_at = now
    session.add(version_of(idea, person_id, reason, now))
    await outbox.add(
        session,
        updated_event(
            idea_id=idea.id,
            revision=idea.revision,
            title=idea.title,
            problem=idea.problem,
            solution=idea.solution,
            benefit=idea.benefit,
            edited_by=public_actor(person_id, anonymous=idea.anonymous, author_ref=idea.author_ref),
            author_ids=author_ids,
        ),
        traceparent=traceparent,
    )
    await session.flush()


# --- withdrawal ----------------------------------------------------------------------------


async def withdraw_idea(
    session: AsyncSession,
    *,
    outbox: Outbox,
    person_id: str,
    idea_id: str,
    reason: str,
    traceparent: str | None,
) -> IdeaRecord:
    idea = await _authored_idea(session, idea_id, person_id)
    if IdeaStatus(idea.status) not in WITHDRAWABLE_STATUSES:
        raise IllegalTransition.cannot_be("withdrawn", idea.status, WITHDRAWABLE_STATUSES)
    actor = public_actor(person_id, anonymous=idea.anonymous, author_ref=idea.author_ref)
    message = await outbox.add(
        session,
        IdeaWithdrawn(idea_id=idea.id, withdrawn_by=actor, reason=reason),
        traceparent=traceparent,
    )
    now = datetime.now(UTC)
    await apply_status_change(
        session,
        idea,
        IdeaStatusChange(
            idea_id=idea.id,
            event_id=message.envelope.id,
            status=IdeaStatus.WITHDRAWN.value,
            kind="withdrawn",
            actor_id=actor,
            note=reason or None,
            occurred_at=now,
            recorded_at=now,
        ),
    )
    record = await load_idea(session, idea_id)
    assert record is not None
    return record


# --- co-authors ----------------------------------------------------------------------------


async def invite_co_author(
    session: AsyncSession,
    *,
    settings: IntakeSettings,
    inviter_id: str,
    idea_id: str,
    person_id: str,
) -> IdeaAuthor:
    idea = await _authored_idea(session, idea_id, inviter_id)
    if IdeaStatus(idea.status) not in CO_AUTHOR_OPEN_STATUSES or idea.rewarded:
        raise IllegalTransition(
            "Co-authors can no longer join this idea (it is closed or already rewarded).",
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
    row = IdeaAuthor(
        idea_id=idea_id,
        person_id=person_id,
        kind="co_author",
        author_ref=author_pseudonym(
            settings.pseudonym_secret.get_secret_value(), idea_id, person_id
        ),
        added_at=datetime.now(UTC),
        confirmed_at=None,
        invited_by=inviter_id,
    )
    session.add(row)
    await session.flush()
    return row


async def confirm_co_author(
    session: AsyncSession,
    *,
    outbox: Outbox,
    person_id: str,
    idea_id: str,
    traceparent: str | None,
) -> tuple[IdeaAuthor, Idea]:
    """The invited person becomes an author: a new revision and IdeaUpdated, so that the
    change reaches the other services (confirming twice changes nothing)."""
    idea = await lock_idea(session, idea_id)
    row = await session.get(IdeaAuthor, (idea_id, person_id))
    if idea is None or row is None:
        raise InvitationNotFound(f"You are not invited to idea {idea_id}.")
    if row.confirmed_at is None:
        if IdeaStatus(idea.status) not in CO_AUTHOR_OPEN_STATUSES or idea.rewarded:
            raise IllegalTransition(
                "The idea is closed; the invitation can no longer be accepted.",
                status_now=idea.status,
            )
        now = datetime.now(UTC)
        row.confirmed_at = now
        await session.flush()
        await _new_version(
            session,
            outbox,
            idea,
            person_id,
            reason="co_author_confirmed",
            now=now,
            traceparent=traceparent,
            author_ids=await confirmed_authors(session, idea_id),
        )
    return row, idea


async def remove_co_author(
    session: AsyncSession, *, actor_id: str, idea_id: str, person_id: str
) -> None:
    """Decline an invitation (the invited person) or withdraw it (an author). A confirmed
    author stays: they share the idea's rewards."""
    idea = await lock_idea(session, idea_id)
    row = await session.get(IdeaAuthor, (idea_id, person_id))
    if idea is None or row is None:
        raise InvitationNotFound(f"{person_id} is not invited to {idea_id}.")
    if row.confirmed_at is not None:
        raise AlreadyAnAuthor("A confirmed author cannot be removed.")
    if actor_id != person_id and actor_id not in await confirmed_authors(session, idea_id):
        raise ForbiddenObject("Only the invited person or the authors may do this.")
    await session.delete(row)
    await session.flush()
