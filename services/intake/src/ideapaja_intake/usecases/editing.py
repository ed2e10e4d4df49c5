"""What authors do with a submitted idea: edit it (each edit a new version, announced with
IdeaUpdated) and withdraw it. Only its confirmed authors may."""

from __future__ import annotations

import uuid

from ideapaja_contracts.events.idea import IdeaUpdated, IdeaWithdrawn
from ideapaja_intake.db.ideas import (
    IdeaRecord,
    apply_status_change,
    confirmed_authors,
    load_idea,
    lock_idea,
    version_of,
)
from ideapaja_intake.db.models import Idea, IdeaStatusChange
from ideapaja_intake.domain.status import EDITABLE_STATUSES, WITHDRAWABLE_STATUSES, IdeaStatus
from ideapaja_intake.domain.submission import IdeaEdit, public_actor
from ideapaja_intake.errors import (
    EditConflict,
    FieldErrors,
    ForbiddenObject,
    IdeaNotFound,
    IllegalTransition,
)
from ideapaja_intake.usecases import Uow
from ideapaja_search.analysis import stored_terms


async def authored_idea(uow: Uow, idea_id: str) -> Idea:
    """The idea, locked, if the acting person is one of its confirmed authors."""
    idea = await lock_idea(uow.session, idea_id)
    if idea is None:
        raise IdeaNotFound(idea_id)
    if uow.person.person_id not in await confirmed_authors(uow.session, idea_id):
        raise ForbiddenObject("Only the idea's authors may do this.")
    return idea


async def reloaded(uow: Uow, idea_id: str) -> IdeaRecord:
    record = await load_idea(uow.session, idea_id)
    assert record is not None
    return record


async def edit_idea(uow: Uow, idea_id: str, edit: IdeaEdit) -> IdeaRecord:
    """A new version of the text (the previous ones stay), announced with IdeaUpdated; an edit
    that changes nothing is a no-op."""
    idea = await authored_idea(uow, idea_id)
    if IdeaStatus(idea.status) not in EDITABLE_STATUSES:
        raise IllegalTransition.cannot_be("edited", idea.status, EDITABLE_STATUSES)
    if edit.revision != idea.revision:
        raise EditConflict(edit.revision, idea.revision)
    if edit.category is not None and uow.settings.category(edit.category) is None:
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
        idea.title, idea.problem, idea.solution, idea.benefit = (
            edit.title,
            edit.problem,
            edit.solution,
            edit.benefit,
        )
        idea.category = edit.category
        idea.benefit_kinds = kinds
        idea.search_terms, idea.search_parts = stored_terms(
            edit.title, edit.problem, edit.solution, edit.benefit, language=idea.language
        )
        await new_version(uow, idea, reason="edited")
    return await reloaded(uow, idea_id)


async def new_version(
    uow: Uow, idea: Idea, *, reason: str, author_ids: list[str] | None = None
) -> None:
    """The idea's next revision by the acting person, kept and announced (IdeaUpdated).

    ``author_ids``: every confirmed author, when this revision changed them (reward pays
    co-authors who confirm after submission from it)."""
    person_id = uow.person.person_id
    idea.revision += 1
    idea.last_edited_at = uow.now
    uow.session.add(version_of(idea, person_id, reason, uow.now))
    await uow.publish(
        IdeaUpdated(
            idea_id=idea.id,
            revision=idea.revision,
            title=idea.title,
            problem=idea.problem,
            solution=idea.solution,
            benefit=idea.benefit,
            edited_by=public_actor(person_id, anonymous=idea.anonymous, author_ref=idea.author_ref),
            author_ids=author_ids,
        )
    )
    await uow.session.flush()


async def withdraw_idea(uow: Uow, idea_id: str, reason: str) -> IdeaRecord:
    """Withdrawn for good (until a final decision), announced with IdeaWithdrawn."""
    idea = await authored_idea(uow, idea_id)
    if IdeaStatus(idea.status) not in WITHDRAWABLE_STATUSES:
        raise IllegalTransition.cannot_be("withdrawn", idea.status, WITHDRAWABLE_STATUSES)
    actor = public_actor(uow.person.person_id, anonymous=idea.anonymous, author_ref=idea.author_ref)
    # Chosen here, so the history entry names the event.
    event_id = str(uuid.uuid4())
    await uow.publish(
        IdeaWithdrawn(idea_id=idea.id, withdrawn_by=actor, reason=reason), event_id=event_id
    )
    await apply_status_change(
        uow.session,
        idea,
        IdeaStatusChange(
            idea_id=idea.id,
            event_id=event_id,
            status=IdeaStatus.WITHDRAWN.value,
            kind="withdrawn",
            actor_id=actor,
            note=reason or None,
            occurred_at=uow.now,
            recorded_at=uow.now,
        ),
    )
    return await reloaded(uow, idea_id)
