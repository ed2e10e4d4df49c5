"""Submitting an idea: the idea, its authors, its first version and history entry, the rate-limit
count and the IdeaSubmitted event are stored in one transaction, or none of them is.

Two ways in, one writer (``write_submissions``, synchronous SQLAlchemy over a whole batch):
``submit_idea`` in a caller's unit of work (a keyed request, a draft, a form), and the group
commit (``submission_writer``), which writes the submissions arriving together in one
transaction without a unit of work per request."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ideapaja_contracts.events.idea import Channel, IdeaSubmitted
from ideapaja_intake.db.ideas import IdeaRecord, insert_ideas, version_of
from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaStatusChange, Person
from ideapaja_intake.db.org import active_people, known_units
from ideapaja_intake.db.ratelimit import count_submissions
from ideapaja_intake.domain.pseudonym import author_pseudonym
from ideapaja_intake.domain.status import IdeaStatus
from ideapaja_intake.domain.submission import IdeaSubmission, new_idea_id, submitted_event
from ideapaja_intake.errors import FieldErrors, InvalidFields
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.usecases import Uow
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.groupcommit import GroupCommit
from ideapaja_runtime.outbox import Outbox, OutboxEntry
from ideapaja_runtime.service import Runtime
from ideapaja_search.analysis import stored_terms


@dataclass(frozen=True)
class Submitter:
    """Who submits: a staff member (with the units their token names) or a citizen."""

    person_id: str
    unit_ids: Collection[str] = ()
    citizen: bool = False

    @classmethod
    def staff(cls, principal: Principal) -> Submitter:
        return cls(principal.person_id, principal.unit_ids)


@dataclass(frozen=True)
class PendingSubmission:
    """One submission on its way in: what, by whom, through which channel."""

    submitter: Submitter
    submission: IdeaSubmission
    channel: Channel
    traceparent: str | None = None
    # Set when a draft becomes the idea (it keeps the draft's id).
    idea_id: str | None = None


@dataclass(frozen=True)
class References:
    """What HR has told us of the units and people a batch of submissions names."""

    units: set[str]
    people: dict[str, Person]

    @classmethod
    def of(cls, session: Session, batch: Sequence[PendingSubmission]) -> References:
        unit_ids = {p.submission.unit_id for p in batch} | {
            p.submission.team_unit_id for p in batch if p.submission.team_unit_id is not None
        }
        person_ids = {person for p in batch for person in p.submission.co_author_ids} | {
            p.submitter.person_id for p in batch if p.submission.team_unit_id is not None
        }
        return cls(known_units(session, unit_ids), active_people(session, list(person_ids)))


def reference_errors(
    settings: IntakeSettings, pending: PendingSubmission, known: References
) -> InvalidFields | None:
    """Units, category, team and co-authors must exist (422 naming each wrong field)."""
    submission, submitter = pending.submission, pending.submitter
    errors = FieldErrors()
    if submission.unit_id not in known.units:
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
        person = known.people.get(submitter.person_id)
        hr_unit = person.unit_id if person is not None else None
        if submission.team_unit_id not in known.units:
            errors.add("team_unit_id", f"unknown unit {submission.team_unit_id!r}", "unknown_unit")
        elif (
            submission.team_unit_id not in submitter.unit_ids and hr_unit != submission.team_unit_id
        ):
            errors.add(
                "team_unit_id",
                "you can submit only for a work community you belong to",
                "not_a_member",
            )
    if submission.co_author_ids:
        if submitter.person_id in submission.co_author_ids:
            errors.add("co_author_ids", "you are already the author", "self_invitation")
        unknown = [p for p in submission.co_author_ids if p not in known.people]
        if unknown:
            errors.add(
                "co_author_ids",
                f"unknown or departed person(s): {', '.join(unknown)}",
                "unknown_person",
            )
    return errors.error()


def write_submissions(
    session: Session,
    *,
    settings: IntakeSettings,
    outbox: Outbox,
    now: datetime,
    batch: Sequence[PendingSubmission],
) -> list[IdeaRecord | Exception]:
    """Store new ideas and their IdeaSubmitted events in the caller's transaction: a record
    for each one stored, the error refusing it for each one not (of which nothing is
    written). A few statements cover the whole batch, however many it holds.

    Synchronous SQLAlchemy, so that a batch is one ``Database.run_transaction`` (on SQLite one
    trip to the writer thread); from async code, ``session.run_sync`` runs it."""
    known = References.of(session, batch)
    answers: list[IdeaRecord | Exception | None] = [
        reference_errors(settings, pending, known) for pending in batch
    ]
    valid = [i for i, answer in enumerate(answers) if answer is None]
    counted = count_submissions(
        session,
        [batch[i].submitter.person_id for i in valid],
        limit=settings.submissions_per_hour,
        now=now,
    )
    for i, refusal in zip(valid, counted, strict=True):
        answers[i] = refusal
    accepted = [i for i, answer in enumerate(answers) if answer is None]
    new = [new_idea(settings, batch[i], now) for i in accepted]
    outbox.add_entries(
        session,
        [
            OutboxEntry(idea.event, traceparent=batch[i].traceparent, event_id=idea.event_id)
            for i, idea in zip(accepted, new, strict=True)
        ],
    )
    records = [idea.record for idea in new]
    insert_ideas(session, records)
    for i, record in zip(accepted, records, strict=True):
        answers[i] = record
    return [answer for answer in answers if answer is not None]


# runtime.extras key of the service's one submission writer.
WRITER = "intake_submission_writer"


def submission_writer(
    runtime: Runtime[IntakeSettings],
) -> GroupCommit[PendingSubmission, IdeaRecord]:
    """The runtime's group commit for submissions: requests arriving together are written in
    one transaction (a few statements per batch instead of a dozen per idea), at the time of
    the service's clock."""
    writer = runtime.extras.get(WRITER)
    if writer is None:
        settings = runtime.settings

        def write(
            session: Session, batch: Sequence[PendingSubmission]
        ) -> list[IdeaRecord | Exception]:
            return write_submissions(
                session, settings=settings, outbox=runtime.outbox, now=runtime.clock(), batch=batch
            )

        writer = GroupCommit(
            runtime.db, write, max_batch=settings.submission_batch_size, name="intake-submissions"
        )
        runtime.extras[WRITER] = writer
    assert isinstance(writer, GroupCommit)
    return writer


async def submit_idea(
    uow: Uow,
    submitter: Submitter,
    submission: IdeaSubmission,
    channel: Channel,
    *,
    idea_id: str | None = None,
) -> IdeaRecord:
    """One submission in the caller's unit of work (which rolls back on the refusal raised)."""
    pending = PendingSubmission(submitter, submission, channel, uow.traceparent, idea_id)
    [answer] = await uow.session.run_sync(
        lambda sync: write_submissions(
            sync, settings=uow.settings, outbox=uow.outbox, now=uow.now, batch=[pending]
        )
    )
    if isinstance(answer, Exception):
        raise answer
    return answer


@dataclass(frozen=True)
class NewIdea:
    """The rows of a new idea (not yet stored) and the event announcing it."""

    record: IdeaRecord
    event: IdeaSubmitted
    event_id: str


def new_idea(settings: IntakeSettings, pending: PendingSubmission, now: datetime) -> NewIdea:
    submission, submitter = pending.submission, pending.submitter
    idea_id = pending.idea_id or new_idea_id()
    secret = settings.pseudonym_secret.get_secret_value()
    author_ref = author_pseudonym(secret, idea_id, submitter.person_id)
    # Chosen here, so the history entry names the event before the outbox stores it.
    event_id = str(uuid.uuid4())
    event = submitted_event(
        idea_id=idea_id,
        submission=submission,
        author_id=submitter.person_id,
        author_ref=author_ref,
        channel=pending.channel,
    )
    benefit_kinds = [kind.value for kind in submission.benefit_kinds]
    terms, parts = stored_terms(
        submission.title,
        submission.problem,
        submission.solution,
        submission.benefit,
        language=submission.language,
    )
    idea = Idea(
        id=idea_id,
        title=submission.title,
        problem=submission.problem,
        solution=submission.solution,
        benefit=submission.benefit,
        benefit_kinds=benefit_kinds,
        category=submission.category,
        scope=submission.scope.value,
        unit_id=submission.unit_id,
        team_unit_id=submission.team_unit_id,
        language=submission.language,
        anonymous=submission.anonymous,
        channel=pending.channel.value,
        external=submitter.citizen,
        author_ref=author_ref,
        revision=1,
        status=IdeaStatus.SUBMITTED.value,
        status_changed_at=now,
        created_at=now,
        submitted_at=now,
        rewarded=False,
        search_terms=terms,
        search_parts=parts,
        support_count=0,
        comment_count=0,
    )
    authors = [
        IdeaAuthor(
            idea_id=idea_id,
            person_id=submitter.person_id,
            kind="submitter",
            author_ref=author_ref,
            added_at=now,
            confirmed_at=now,
            invited_by=None,
        ),
        *(
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
        ),
    ]
    first_change = IdeaStatusChange(
        idea_id=idea_id,
        event_id=event_id,
        status=IdeaStatus.SUBMITTED.value,
        kind="submitted",
        # Nobody is named: the submitter may be anonymous.
        actor_id=None,
        occurred_at=now,
        recorded_at=now,
    )
    first_version = version_of(idea, submitter.person_id, "submitted", now)
    record = IdeaRecord(idea, authors, [first_change], versions=[first_version])
    return NewIdea(record, event, event_id)


def submission_content(submission: IdeaSubmission) -> dict[str, Any]:
    """What an idempotency fingerprint covers of a submission."""
    return submission.model_dump(mode="json")


async def submit_together(
    writer: GroupCommit[PendingSubmission, IdeaRecord],
    submitter: Submitter,
    submission: IdeaSubmission,
    channel: Channel,
    *,
    traceparent: str | None,
) -> IdeaRecord:
    """One submission written with the others arriving together (the group commit's own
    transaction: there is no unit of work of the request's)."""
    return await writer.submit(PendingSubmission(submitter, submission, channel, traceparent))
