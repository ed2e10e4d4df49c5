"""GDPR in intake: erasing a person (``ErasureRequested``), and the events that arrive after.

Intake is where person ids live: authors, co-authors, editors, supporters, commenters, uploaders,
the reviewers who acted on an idea. Erasure, in the handler's transaction:

- **pseudonymised**: every column naming the person gets ``former-`` + HMAC of the person id
  (domain/pseudonym.py). The same person always gets the same token, so their ideas stay whole
  (as a former employee's, co-authors still distinct), their supports still count once and their
  comments stay theirs; the id cannot be recovered from the token without the pseudonym secret.
- **deleted**: their drafts (never submitted; nobody else's; drafts carry no attachments, those
  need a submitted idea), their idempotency keys (the stored answers to their requests, used form
  tokens among them), their rate-limit counters, their HR projection row; their id is taken out
  of other people's drafts' co-author lists, out of the stored answers of other people's
  requests (replaced by the token; an answer still naming them is forgotten), and the outbox's
  copies of events already published that name them are deleted (an erasure arriving while
  such an event is still to be published waits for the relay: ``RetryLater``).
- **kept**: the ideas with their text, versions, attachments and timeline, and comment bodies:
  that is the work community's discussion and decision record, not data about the person; a
  body that names someone is the writer's words about the idea and stays as written (moderators
  can hide it). Events already published are not rewritten: the streams carry opaque ids only.

The erasure is remembered by the token alone (``erased_people``), so an event about the person
that arrives late is handled like the rest: an HR record older than the erasure is skipped, a
reward or a reviewer's step naming them is pseudonymised as it is stored (``erasure_aware``). A
person HR describes again after the erasure (re-hired) is a new employment and is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, bindparam, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_intake.db.idempotency import citizen_caller, staff_caller
from ideapaja_intake.db.models import (
    ErasedPerson,
    Idea,
    IdeaAttachment,
    IdeaAuthor,
    IdeaComment,
    IdeaDraft,
    IdeaReward,
    IdeaStatusChange,
    IdeaSupport,
    IdeaVersion,
    IdempotencyRecord,
    Person,
    SubmissionCounter,
)
from ideapaja_intake.db.sql import blob_contains, rowcount
from ideapaja_intake.domain.pseudonym import erased_ids, former_person_id, ids_in, mentions
from ideapaja_intake.usecases import Uow
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import Handler, HandlerContext, RetryLater, Subscription
from ideapaja_runtime.outbox import outbox_table

log = get_logger(__name__)


# Every column that holds a person id (the erasure replaces it in each of them).
PERSON_COLUMNS: tuple[tuple[Any, str], ...] = (
    (IdeaAuthor, "person_id"),
    (IdeaAuthor, "invited_by"),
    (IdeaVersion, "edited_by"),
    (IdeaStatusChange, "actor_id"),
    (IdeaReward, "person_id"),
    (IdeaSupport, "person_id"),
    (IdeaComment, "commenter_id"),
    (IdeaComment, "shown_as"),
    (IdeaComment, "hidden_by"),
    (IdeaAttachment, "uploaded_by"),
)


# How long an erasure waits for the relay to publish events naming the person (see
# _waits_for_the_relay): past it, the relay is stuck and the erasure goes ahead.
PUBLISH_GRACE = timedelta(minutes=5)


async def erase_person(
    uow: Uow, person_id: str, *, erasure_id: str, erased_at: datetime
) -> dict[str, int]:
    """Erase what intake holds on ``person_id`` in the unit of work; what changed, by kind (all
    zero when run again)."""
    session = uow.session
    counts: Counter[str] = Counter()
    for known, former in erased_ids(_secret(uow), person_id).items():
        await _remember(uow, former, erasure_id, erased_at)
        counts.update(await _delete_own(session, known, erased_at))
        counts.update(await pseudonymise(session, known, former))
        counts.update(await _scrub_mentions(session, known, former))
    return {kind: n for kind, n in sorted(counts.items())}


def _secret(uow: Uow) -> str:
    return uow.settings.pseudonym_secret.get_secret_value()


async def _remember(uow: Uow, former: str, erasure_id: str, erased_at: datetime) -> None:
    session = uow.session
    row = await session.get(ErasedPerson, former)
    now = uow.now
    if row is None:
        session.add(
            ErasedPerson(
                former_id=former, erasure_id=erasure_id, erased_at=erased_at, recorded_at=now
            )
        )
    elif erased_at > row.erased_at:
        row.erasure_id, row.erased_at, row.recorded_at = erasure_id, erased_at, now
    await session.flush()


async def _delete_own(session: AsyncSession, person_id: str, erased_at: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    deletions: list[tuple[str, Any]] = [
        ("drafts_deleted", delete(IdeaDraft).where(IdeaDraft.owner_id == person_id)),
        (
            "idempotency_keys_deleted",
            delete(IdempotencyRecord).where(
                IdempotencyRecord.caller.in_([staff_caller(person_id), citizen_caller(person_id)])
            ),
        ),
        (
            "rate_limit_windows_deleted",
            delete(SubmissionCounter).where(SubmissionCounter.person_id == person_id),
        ),
        # HR describing them after the erasure (re-hired) is a new employment: that row stays.
        (
            "hr_records_deleted",
            delete(Person).where(Person.person_id == person_id, Person.hr_event_time <= erased_at),
        ),
    ]
    for kind, statement in deletions:
        counts[kind] += rowcount(await session.execute(statement))
    return counts


async def pseudonymise(session: AsyncSession, person_id: str, former: str) -> Counter[str]:
    """Every column naming ``person_id`` names ``former`` instead."""
    await session.flush()
    counts: Counter[str] = Counter()
    # A person re-hired after an erasure and erased again may already be on an idea under the
    # token: that row stands for them, the newer one goes (a support still counts once).
    already_author = select(IdeaAuthor.idea_id).where(IdeaAuthor.person_id == former)
    counts["authors_merged"] += rowcount(
        await session.execute(
            delete(IdeaAuthor).where(
                IdeaAuthor.person_id == person_id, IdeaAuthor.idea_id.in_(already_author)
            )
        )
    )
    twice_supported = (
        await session.scalars(
            select(IdeaSupport.idea_id).where(
                IdeaSupport.person_id == person_id,
                IdeaSupport.idea_id.in_(
                    select(IdeaSupport.idea_id).where(IdeaSupport.person_id == former)
                ),
            )
        )
    ).all()
    if twice_supported:
        await session.execute(
            delete(IdeaSupport).where(
                IdeaSupport.person_id == person_id, IdeaSupport.idea_id.in_(twice_supported)
            )
        )
        await session.execute(
            update(Idea)
            .where(Idea.id.in_(twice_supported))
            .values(support_count=Idea.support_count - 1)
            .execution_options(synchronize_session=False)
        )
        counts["supports_merged"] += len(twice_supported)
    for model, column in PERSON_COLUMNS:
        result = await session.execute(
            update(model)
            .where(getattr(model, column) == person_id)
            .values({column: former})
            .execution_options(synchronize_session=False)
        )
        counts[f"{model.__tablename__}.{column}"] += rowcount(result)
    return counts


async def _scrub_mentions(session: AsyncSession, person_id: str, former: str) -> Counter[str]:
    """The person's id where other people's data names them."""
    counts: Counter[str] = Counter()
    # Other people's drafts inviting them: the invitation could not be sent any more anyway
    # (a departed person is refused as co-author), so the id leaves the list.
    drafts = await session.scalars(
        select(IdeaDraft).where(cast(IdeaDraft.content, Text).contains(person_id, autoescape=True))
    )
    for draft in drafts.all():
        invited = list(draft.content.get("co_author_ids") or [])
        if person_id in invited:
            draft.content = {
                **draft.content,
                "co_author_ids": [p for p in invited if p != person_id],
            }
            counts["drafts_uninvited"] += 1
    # Stored answers to other people's requests (an idea they co-author, an invitation): the
    # token replaces the id, so a retry still gets the same answer; one naming them otherwise
    # (a header, a page) is forgotten and a retry runs anew.
    records = await session.scalars(
        select(IdempotencyRecord).where(
            or_(
                blob_contains(session, IdempotencyRecord.body, person_id),
                cast(IdempotencyRecord.headers, Text).contains(person_id, autoescape=True),
            )
        )
    )
    quoted, replacement = f'"{person_id}"'.encode(), f'"{former}"'.encode()
    for record in records.all():
        body = bytes(record.body).replace(quoted, replacement)
        headers_text = " ".join(f"{k} {v}" for k, v in record.headers.items())
        if mentions(body.decode("utf-8", "replace"), person_id) or mentions(
            headers_text, person_id
        ):
            await session.delete(record)
            counts["idempotency_answers_forgotten"] += 1
        elif body != record.body:
            record.body = body
            counts["idempotency_answers_pseudonymised"] += 1
    # The outbox keeps a copy of every event it published; the stream has the event itself.
    naming = [seq for seq, _ in await _outbox_naming(session, person_id, sent=True)]
    if naming:
        await session.execute(delete(outbox_table).where(outbox_table.c.seq.in_(naming)))
        counts["published_event_copies_deleted"] += len(naming)
    await session.flush()
    return counts


async def _outbox_naming(
    session: AsyncSession, person_id: str, *, sent: bool
) -> list[tuple[int, datetime]]:
    """Outbox rows (published or not) whose event names ``person_id``: sequence, creation."""
    outbox = outbox_table.c
    rows = await session.execute(
        select(outbox.seq, outbox.created_at, outbox.body, outbox.headers).where(
            outbox.sent_at.is_not(None) if sent else outbox.sent_at.is_(None),
            or_(
                blob_contains(session, outbox.body, person_id),
                cast(outbox.headers, Text).contains(person_id, autoescape=True),
            ),
        )
    )
    return [
        (row.seq, as_utc(row.created_at))
        for row in rows
        if mentions(bytes(row.body).decode("utf-8", "replace"), person_id)
        or mentions(str(row.headers), person_id)
    ]


async def _waits_for_the_relay(uow: Uow, person_id: str) -> bool:
    """Whether events naming the person are still to be published (normally for milliseconds):
    erasing first would leave the outbox's copies of them behind. Not for ever: a relay stuck
    for longer than PUBLISH_GRACE (NATS away) does not hold the erasure up."""
    for known in erased_ids(_secret(uow), person_id):
        for _seq, created_at in await _outbox_naming(uow.session, known, sent=False):
            if uow.now - created_at < PUBLISH_GRACE:
                return True
    return False


async def on_erasure_requested(event: ErasureRequested, ctx: HandlerContext) -> None:
    """The privacy service's erasure of a person, once the events naming them are published."""
    if await _waits_for_the_relay(ctx, event.person_id):
        raise RetryLater("events naming the person are still to be published")
    changed = await erase_person(
        ctx, event.person_id, erasure_id=event.erasure_id, erased_at=ctx.envelope.time
    )
    log.info(
        "person_erased",
        erasure_id=event.erasure_id,
        **{k.replace(".", "_"): n for k, n in changed.items() if n},
    )


# --- events arriving after an erasure ------------------------------------------------------------


# Asked for every consumed event: built once.
_ERASED_AMONG = select(ErasedPerson).where(
    ErasedPerson.former_id.in_(bindparam("tokens", expanding=True))
)


async def erased_among(
    session: AsyncSession, secret: str, ids: Iterable[str]
) -> dict[str, ErasedPerson]:
    """Which of ``ids`` belong to erased people (id → the erasure)."""
    tokens = {former_person_id(secret, i): i for i in ids}
    if not tokens:
        return {}
    rows = await session.scalars(_ERASED_AMONG, {"tokens": sorted(tokens)})
    return {tokens[row.former_id]: row for row in rows}


def erasure_aware(subscription: Subscription) -> Subscription:
    """``subscription`` with every handler minding erasures: an HR record of an erased person
    older than the erasure changes nothing, and a person id of an erased (not re-hired) person
    that a handler stores is pseudonymised in the same transaction."""

    def guard(handler: Handler) -> Handler:
        async def guarded(event: Any, ctx: HandlerContext) -> None:
            erased = await erased_among(ctx.session, _secret(ctx), ids_in(event.model_dump()))
            if isinstance(event, PersonUpserted | PersonLeft):
                erasure = erased.get(event.person_id)
                if erasure is not None and ctx.envelope.time <= erasure.erased_at:
                    log.info("hr_record_from_before_erasure_skipped", event_id=ctx.envelope.id)
                    return
            await handler(event, ctx)
            for person_id, erasure in erased.items():
                rehired = await ctx.session.scalar(
                    select(Person.person_id).where(
                        Person.person_id == person_id, Person.hr_event_time > erasure.erased_at
                    )
                )
                if rehired is None:
                    await pseudonymise(ctx.session, person_id, erasure.former_id)

        return guarded

    return replace(
        subscription, handlers={kind: guard(h) for kind, h in subscription.handlers.items()}
    )
