"""Submitting an idea: the idea, its author, its first history entry and the IdeaSubmitted event
are stored in one transaction, or none of them is."""

from __future__ import annotations

from datetime import UTC, datetime

from ideapaja_contracts.events.idea import Channel
from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaStatusChange
from ideapaja_intake.domain.pseudonym import author_pseudonym
from ideapaja_intake.domain.status import IdeaStatus
from ideapaja_intake.domain.submission import IdeaSubmission, new_idea_id, submitted_event
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.store import IdeaRecord, add_idea, load_idea, unit_exists
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.problems import Problem
from ideapaja_runtime.service import Runtime


def unknown_unit(unit_id: str) -> Problem:
    message = f"unknown unit {unit_id!r}; choose one from GET /units"
    return Problem(
        422,
        "Invalid input",
        f"unit_id: {message}",
        errors=[{"field": "unit_id", "message": message, "type": "unknown_unit"}],
    )


async def submit_idea(
    runtime: Runtime,
    *,
    author: Principal,
    submission: IdeaSubmission,
    channel: Channel,
    traceparent: str | None,
) -> IdeaRecord:
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    idea_id = new_idea_id()
    author_ref = author_pseudonym(
        settings.pseudonym_secret.get_secret_value(), idea_id, author.person_id
    )
    event = submitted_event(
        idea_id=idea_id,
        submission=submission,
        author_id=author.person_id,
        author_ref=author_ref,
        channel=channel,
    )
    now = datetime.now(UTC)
    async with runtime.db.transaction() as session:
        if not await unit_exists(session, submission.unit_id):
            raise unknown_unit(submission.unit_id)
        message = await runtime.outbox.add(session, event, traceparent=traceparent)
        await add_idea(
            session,
            Idea(
                id=idea_id,
                title=submission.title,
                problem=submission.problem,
                solution=submission.solution,
                benefit=submission.benefit,
                scope=submission.scope.value,
                unit_id=submission.unit_id,
                language=submission.language,
                anonymous=submission.anonymous,
                channel=channel.value,
                author_ref=author_ref,
                revision=1,
                status=IdeaStatus.SUBMITTED.value,
                status_changed_at=now,
                created_at=now,
                submitted_at=now,
                rewarded=False,
            ),
            IdeaAuthor(
                idea_id=idea_id,
                person_id=author.person_id,
                kind="submitter",
                author_ref=author_ref,
                added_at=now,
                confirmed_at=now,
            ),
            IdeaStatusChange(
                idea_id=idea_id,
                event_id=message.envelope.id,
                status=IdeaStatus.SUBMITTED.value,
                # Nobody is named: the submitter may be anonymous.
                actor_id=None,
                occurred_at=now,
                recorded_at=now,
            ),
        )
        record = await load_idea(session, idea_id)
    assert record is not None
    return record
