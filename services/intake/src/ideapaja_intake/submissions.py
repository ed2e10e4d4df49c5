"""Submitting an idea: the idea, its authors, its first version and history entry, the rate-limit
count and the IdeaSubmitted event are stored in one transaction, or none of them is."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import Channel
from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaStatusChange, IdeaVersion, Unit
from ideapaja_intake.domain.pseudonym import author_pseudonym
from ideapaja_intake.domain.search import stored_terms
from ideapaja_intake.domain.status import IdeaStatus
from ideapaja_intake.domain.submission import IdeaSubmission, new_idea_id, submitted_event
from ideapaja_intake.ratelimit import count_submission
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.store import IdeaRecord, active_people, add_idea, load_idea, unit_exists
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.problems import Problem


@dataclass
class FieldErrors:
    """Refusals of individual fields, reported together as one 422 naming each field."""

    errors: list[dict[str, str]] = field(default_factory=list)

    def add(self, field_name: str, message: str, kind: str) -> None:
        self.errors.append({"field": field_name, "message": message, "type": kind})

    def raise_if_any(self) -> None:
        if self.errors:
            raise Problem(
                422,
                "Invalid input",
                "; ".join(f"{e['field']}: {e['message']}" for e in self.errors),
                errors=self.errors,
            )


@dataclass(frozen=True)
class Submitter:
    """Who submits: a staff member (with the units their token names) or a citizen."""

    person_id: str
    unit_ids: Collection[str] = ()
    citizen: bool = False


def search_text(title: str, problem: str, solution: str, benefit: str) -> str:
    return "\n".join((title, problem, solution, benefit))


async def check_references(
    session: AsyncSession,
    settings: IntakeSettings,
    submission: IdeaSubmission,
    submitter: Submitter,
) -> None:
    """Units, category, team and co-authors must exist (422 naming each wrong field)."""
    errors = FieldErrors()
    if not await unit_exists(session, submission.unit_id):
        errors.add(
            "unit_id",
            f"unknown unit {submission.unit_id!r}; choose one from GET /units",
            "unknown_unit",
        )
    if submission.category is not None and settings.category(submission.category) is None:
        errors.add(
            "category",
            f"unknown category {submission.category!r}; choose one from GET /categories",
            "unknown_category",
        )
    if submission.team_unit_id is not None:
        team = await session.get(Unit, submission.team_unit_id)
        people = await active_people(session, [submitter.person_id])
        hr_unit = people[submitter.person_id].unit_id if people else None
        if team is None:
            errors.add("team_unit_id", f"unknown unit {submission.team_unit_id!r}", "unknown_unit")
        elif submission.team_unit_id not in submitter.unit_ids and hr_unit != team.id:
            errors.add(
                "team_unit_id",
                "you can submit only for a work community you belong to",
                "not_a_member",
            )
    if submission.co_author_ids:
        if submitter.person_id in submission.co_author_ids:
            errors.add("co_author_ids", "you are already the author", "self_invitation")
        known = await active_people(session, submission.co_author_ids)
        unknown = [p for p in submission.co_author_ids if p not in known]
        if unknown:
            errors.add(
                "co_author_ids",
                f"unknown or departed person(s): {', '.join(unknown)}",
                "unknown_person",
            )
    errors.raise_if_any()


async def submit_idea(
    session: AsyncSession,
    *,
    settings: IntakeSettings,
    outbox: Outbox,
    submitter: Submitter,
    submission: IdeaSubmission,
    channel: Channel,
    traceparent: str | None,
    idea_id: str | None = None,
) -> IdeaRecord:
    """Store a new idea and its event in the caller's transaction (which rolls back on error)."""
    await check_references(session, settings, submission, submitter)
    now = datetime.now(UTC)
    await count_submission(
        session, submitter.person_id, limit=settings.submissions_per_hour, now=now
    )
    idea_id = idea_id or new_idea_id()
    secret = settings.pseudonym_secret.get_secret_value()
    author_ref = author_pseudonym(secret, idea_id, submitter.person_id)
    event = submitted_event(
        idea_id=idea_id,
        submission=submission,
        author_id=submitter.person_id,
        author_ref=author_ref,
        channel=channel,
    )
    message = await outbox.add(session, event, traceparent=traceparent)
    co_authors = [
        IdeaAuthor(
            idea_id=idea_id,
            person_id=person_id,
            kind="co_author",
            author_ref=author_pseudonym(secret, idea_id, person_id),
            added_at=now,
            confirmed_at=None,
            invited_by=submitter.person_id,
        )
        for person_id in submission.co_author_ids
    ]
    await add_idea(
        session,
        Idea(
            id=idea_id,
            title=submission.title,
            problem=submission.problem,
            solution=submission.solution,
            benefit=submission.benefit,
            benefit_kinds=[kind.value for kind in submission.benefit_kinds],
            category=submission.category,
            scope=submission.scope.value,
            unit_id=submission.unit_id,
            team_unit_id=submission.team_unit_id,
            language=submission.language,
            anonymous=submission.anonymous,
            channel=channel.value,
            external=submitter.citizen,
            author_ref=author_ref,
            revision=1,
            status=IdeaStatus.SUBMITTED.value,
            status_changed_at=now,
            created_at=now,
            submitted_at=now,
            rewarded=False,
            search_terms=stored_terms(
                search_text(
                    submission.title, submission.problem, submission.solution, submission.benefit
                ),
                submission.language,
            ),
            support_count=0,
            comment_count=0,
        ),
        IdeaAuthor(
            idea_id=idea_id,
            person_id=submitter.person_id,
            kind="submitter",
            author_ref=author_ref,
            added_at=now,
            confirmed_at=now,
        ),
        IdeaStatusChange(
            idea_id=idea_id,
            event_id=message.envelope.id,
            status=IdeaStatus.SUBMITTED.value,
            kind="submitted",
            # Nobody is named: the submitter may be anonymous.
            actor_id=None,
            occurred_at=now,
            recorded_at=now,
        ),
        *co_authors,
        IdeaVersion(
            idea_id=idea_id,
            revision=1,
            title=submission.title,
            problem=submission.problem,
            solution=submission.solution,
            benefit=submission.benefit,
            category=submission.category,
            benefit_kinds=[kind.value for kind in submission.benefit_kinds],
            edited_by=submitter.person_id,
            reason="submitted",
            created_at=now,
        ),
    )
    record = await load_idea(session, idea_id)
    assert record is not None
    return record


def submission_content(submission: IdeaSubmission) -> dict[str, Any]:
    """What an idempotency fingerprint covers of a submission."""
    return submission.model_dump(mode="json")
