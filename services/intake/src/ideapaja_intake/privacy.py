"""GDPR in intake: erasing a person (``ErasureRequested``) and reporting what is held on them.

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

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_intake.db.idempotency import FORM_TOKEN_KEY_PREFIX, citizen_caller, staff_caller
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
from ideapaja_intake.db.sql import dialect_of
from ideapaja_intake.domain.pseudonym import citizen_person_id, former_person_id, is_former_person
from ideapaja_intake.schemas.privacy import (
    AttachmentUploaded,
    CommentHidden,
    CommentWritten,
    DraftData,
    ErasureData,
    HrRecord,
    IdeaAuthored,
    IdempotencyKeyData,
    InvitationSent,
    PersonData,
    RateLimitWindow,
    RewardRecorded,
    SupportGiven,
    TimelineAction,
    VersionEdited,
)
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import Handler, HandlerContext, RetryLater, Subscription
from ideapaja_runtime.outbox import outbox_table
from ideapaja_runtime.requester import ANONYMOUS_WITHHELD_NOTE

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
ID_CHARS = "A-Za-z0-9_-"
ID_LIKE = re.compile(rf"[{ID_CHARS}]{{1,64}}")
# How long an erasure waits for the relay to publish events naming the person (see
# _waits_for_the_relay): past it, the relay is stuck and the erasure goes ahead.
PUBLISH_GRACE = timedelta(minutes=5)


def erased_ids(secret: str, person_id: str) -> dict[str, str]:
    """The ids the person may be known by here, each with its replacement token: the id itself
    and the citizen id derived from it (a citizen's ideas are under the id derived from their
    identity provider's subject; the derivation is the only mapping, no table keeps one)."""
    ids = (person_id, citizen_person_id(secret, person_id))
    return {known: former_person_id(secret, known) for known in ids}


def _mentions(text: str, person_id: str) -> bool:
    """``person_id`` as a whole id in ``text`` (p-1 is not in p-10)."""
    pattern = rf"(?<![{ID_CHARS}]){re.escape(person_id)}(?![{ID_CHARS}])"
    return re.search(pattern, text) is not None


def _blob_contains(session: AsyncSession, column: Any, needle: str) -> ColumnElement[bool]:
    """Candidates whose bytes contain ``needle`` (confirmed in Python: LIKE is case-blind on
    SQLite)."""
    if dialect_of(session) == "postgresql":
        as_text: ColumnElement[str] = func.encode(column, literal("escape"), type_=Text)
    else:
        as_text = cast(column, Text)
    return as_text.contains(needle, autoescape=True)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# --- erasure -------------------------------------------------------------------------------------


async def erase_person(
    session: AsyncSession,
    *,
    secret: str,
    person_id: str,
    erasure_id: str,
    erased_at: datetime,
) -> dict[str, int]:
    """Erase what intake holds on ``person_id`` in the caller's transaction; what changed, by
    kind (all zero when run again)."""
    counts: Counter[str] = Counter()
    for known, former in erased_ids(secret, person_id).items():
        await _remember(session, former, erasure_id, erased_at)
        counts.update(await _delete_own(session, known, erased_at))
        counts.update(await pseudonymise(session, known, former))
        counts.update(await _scrub_mentions(session, known, former))
    return {kind: n for kind, n in sorted(counts.items())}


async def _remember(
    session: AsyncSession, former: str, erasure_id: str, erased_at: datetime
) -> None:
    row = await session.get(ErasedPerson, former)
    now = datetime.now(UTC)
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
        counts[kind] += _rowcount(await session.execute(statement))
    return counts


async def pseudonymise(session: AsyncSession, person_id: str, former: str) -> Counter[str]:
    """Every column naming ``person_id`` names ``former`` instead."""
    await session.flush()
    counts: Counter[str] = Counter()
    # A person re-hired after an erasure and erased again may already be on an idea under the
    # token: that row stands for them, the newer one goes (a support still counts once).
    already_author = select(IdeaAuthor.idea_id).where(IdeaAuthor.person_id == former)
    counts["authors_merged"] += _rowcount(
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
        counts[f"{model.__tablename__}.{column}"] += _rowcount(result)
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
                _blob_contains(session, IdempotencyRecord.body, person_id),
                cast(IdempotencyRecord.headers, Text).contains(person_id, autoescape=True),
            )
        )
    )
    quoted, replacement = f'"{person_id}"'.encode(), f'"{former}"'.encode()
    for record in records.all():
        body = bytes(record.body).replace(quoted, replacement)
        headers_text = " ".join(f"{k} {v}" for k, v in record.headers.items())
        if _mentions(body.decode("utf-8", "replace"), person_id) or _mentions(
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
                _blob_contains(session, outbox.body, person_id),
                cast(outbox.headers, Text).contains(person_id, autoescape=True),
            ),
        )
    )
    return [
        (row.seq, as_utc(row.created_at))
        for row in rows
        if _mentions(bytes(row.body).decode("utf-8", "replace"), person_id)
        or _mentions(str(row.headers), person_id)
    ]


async def _waits_for_the_relay(session: AsyncSession, secret: str, person_id: str) -> bool:
    """Whether events naming the person are still to be published (normally for milliseconds):
    erasing first would leave the outbox's copies of them behind. Not for ever: a relay stuck
    for longer than PUBLISH_GRACE (NATS away) does not hold the erasure up."""
    now = datetime.now(UTC)
    for known in erased_ids(secret, person_id):
        for _seq, created_at in await _outbox_naming(session, known, sent=False):
            if now - created_at < PUBLISH_GRACE:
                return True
    return False


def erasure_subscription(secret: str) -> Subscription:
    async def on_erasure_requested(event: ErasureRequested, ctx: HandlerContext) -> None:
        if await _waits_for_the_relay(ctx.session, secret, event.person_id):
            raise RetryLater("events naming the person are still to be published")
        changed = await erase_person(
            ctx.session,
            secret=secret,
            person_id=event.person_id,
            erasure_id=event.erasure_id,
            erased_at=ctx.envelope.time,
        )
        log.info(
            "person_erased",
            erasure_id=event.erasure_id,
            **{k.replace(".", "_"): n for k, n in changed.items() if n},
        )

    return Subscription("privacy-erasures", {ErasureRequested: on_erasure_requested})


# --- events arriving after an erasure ------------------------------------------------------------


def _ids_in(value: Any) -> set[str]:
    """Every string in an event that could be a person id."""
    if isinstance(value, str):
        return {value} if ID_LIKE.fullmatch(value) and not is_former_person(value) else set()
    if isinstance(value, dict):
        return set().union(*(_ids_in(v) for v in value.values()))
    if isinstance(value, list | tuple | set):
        return set().union(*(_ids_in(v) for v in value))
    return set()


async def erased_among(
    session: AsyncSession, secret: str, ids: Iterable[str]
) -> dict[str, ErasedPerson]:
    """Which of ``ids`` belong to erased people (id → the erasure)."""
    tokens = {former_person_id(secret, i): i for i in ids}
    if not tokens:
        return {}
    rows = await session.scalars(
        select(ErasedPerson).where(ErasedPerson.former_id.in_(sorted(tokens)))
    )
    return {tokens[row.former_id]: row for row in rows}


def erasure_aware(subscription: Subscription, secret: str) -> Subscription:
    """``subscription`` with every handler minding erasures: an HR record of an erased person
    older than the erasure changes nothing, and a person id of an erased (not re-hired) person
    that a handler stores is pseudonymised in the same transaction."""

    def guard(handler: Handler) -> Handler:
        async def guarded(event: Any, ctx: HandlerContext) -> None:
            erased = await erased_among(ctx.session, secret, _ids_in(event.model_dump()))
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


# --- the access report ---------------------------------------------------------------------------


async def person_report(
    session: AsyncSession, secret: str, person_id: str, *, own: bool = True
) -> PersonData:
    """Everything intake holds on ``person_id``; unless ``own`` (the person's own report), the
    items that would reveal who wrote an anonymous idea are withheld and counted."""
    data = await _full_report(session, secret, person_id)
    if own:
        return data
    return await _withhold_anonymous_authorship(session, data)


async def _withhold_anonymous_authorship(session: AsyncSession, data: PersonData) -> PersonData:
    """``data`` without what would tell a reader other than the person that they wrote (or were
    invited to write) an anonymous idea: the rest of the report stays as it is."""
    named = {
        *(i.idea_id for i in data.ideas),
        *(i.idea_id for i in data.invitations_sent),
        *(v.idea_id for v in data.versions_edited),
        *(c.idea_id for c in data.comments),
        *(a.idea_id for a in data.attachments),
        *(t.idea_id for t in data.timeline_actions),
        *(r.idea_id for r in data.rewards),
    }
    anonymous = set(
        (
            await session.scalars(
                select(Idea.id).where(Idea.id.in_(sorted(named)), Idea.anonymous.is_(True))
            )
        ).all()
    )
    authored = {i.idea_id for i in data.ideas if i.anonymous}
    withheld = 0

    def keep(items: list[Any], hides: Any) -> list[Any]:
        nonlocal withheld
        kept = [item for item in items if not hides(item)]
        withheld += len(items) - len(kept)
        return kept

    # Authors (and invited co-authors) alone edit, attach to, invite to and are rewarded for an
    # idea; their comments on it show its pseudonym; a reviewer's timeline steps stay listed.
    def on_anonymous(item: Any) -> bool:
        return item.idea_id in anonymous

    own_ids = {data.person_id, data.citizen_id}
    ideas = keep(data.ideas, lambda i: i.anonymous)
    invitations = keep(data.invitations_sent, on_anonymous)
    versions = keep(data.versions_edited, on_anonymous)
    comments = keep(data.comments, lambda c: c.idea_id in anonymous and c.shown_as not in own_ids)
    attachments = keep(data.attachments, on_anonymous)
    actions = keep(data.timeline_actions, lambda t: t.idea_id in authored)
    rewards = keep(data.rewards, on_anonymous)
    keys = keep(
        data.idempotency_keys,
        lambda k: any(_mentions(f"{k.key} {k.location or ''}", idea) for idea in authored),
    )
    return data.model_copy(
        update={
            "ideas": ideas,
            "invitations_sent": invitations,
            "versions_edited": versions,
            "comments": comments,
            "attachments": attachments,
            "timeline_actions": actions,
            "rewards": rewards,
            "idempotency_keys": keys,
            "anonymous_items_withheld": withheld,
            "withheld_note": ANONYMOUS_WITHHELD_NOTE if withheld else None,
        }
    )


async def _full_report(session: AsyncSession, secret: str, person_id: str) -> PersonData:
    citizen_id = citizen_person_id(secret, person_id)
    ids = [person_id, citizen_id]
    has_citizen_data = (
        await session.scalar(
            select(IdeaAuthor.idea_id).where(IdeaAuthor.person_id == citizen_id).limit(1)
        )
        is not None
        or await session.scalar(
            select(IdempotencyRecord.key)
            .where(IdempotencyRecord.caller == citizen_caller(citizen_id))
            .limit(1)
        )
        is not None
    )
    hr = await session.get(Person, person_id)
    authored = (
        await session.execute(
            select(IdeaAuthor, Idea)
            .join(Idea, Idea.id == IdeaAuthor.idea_id)
            .where(IdeaAuthor.person_id.in_(ids))
            .order_by(IdeaAuthor.added_at, Idea.id)
        )
    ).all()
    invited = await _all(
        session,
        select(IdeaAuthor).where(IdeaAuthor.invited_by == person_id).order_by(IdeaAuthor.added_at),
    )
    drafts = await _all(
        session,
        select(IdeaDraft).where(IdeaDraft.owner_id == person_id).order_by(IdeaDraft.created_at),
    )
    versions = await _all(
        session,
        select(IdeaVersion)
        .where(IdeaVersion.edited_by.in_(ids))
        .order_by(IdeaVersion.created_at, IdeaVersion.id),
    )
    supports = await _all(
        session,
        select(IdeaSupport)
        .where(IdeaSupport.person_id == person_id)
        .order_by(IdeaSupport.supported_at),
    )
    comments = await _all(
        session,
        select(IdeaComment)
        .where(IdeaComment.commenter_id.in_(ids))
        .order_by(IdeaComment.created_at, IdeaComment.id),
    )
    hidden = await _all(
        session,
        select(IdeaComment)
        .where(IdeaComment.hidden_by == person_id)
        .order_by(IdeaComment.hidden_at, IdeaComment.id),
    )
    attachments = await _all(
        session,
        select(IdeaAttachment)
        .where(IdeaAttachment.uploaded_by.in_(ids))
        .order_by(IdeaAttachment.uploaded_at, IdeaAttachment.id),
    )
    actions = await _all(
        session,
        select(IdeaStatusChange)
        .where(IdeaStatusChange.actor_id == person_id)
        .order_by(IdeaStatusChange.occurred_at, IdeaStatusChange.id),
    )
    rewards = await _all(
        session,
        select(IdeaReward)
        .where(IdeaReward.person_id.in_(ids))
        .order_by(IdeaReward.granted_at, IdeaReward.grant_id),
    )
    keys = await _all(
        session,
        select(IdempotencyRecord)
        .where(IdempotencyRecord.caller.in_([staff_caller(person_id), citizen_caller(citizen_id)]))
        .order_by(IdempotencyRecord.created_at, IdempotencyRecord.key),
    )
    windows = await _all(
        session,
        select(SubmissionCounter)
        .where(SubmissionCounter.person_id.in_(ids))
        .order_by(SubmissionCounter.window_start),
    )
    erasure = await session.get(ErasedPerson, former_person_id(secret, person_id))
    return PersonData(
        person_id=person_id,
        citizen_id=citizen_id if has_citizen_data else None,
        hr=(
            HrRecord(unit_id=hr.unit_id, active=hr.active, hr_event_time=hr.hr_event_time)
            if hr is not None
            else None
        ),
        ideas=[
            IdeaAuthored(
                idea_id=idea.id,
                role=author.kind,
                confirmed=author.confirmed_at is not None,
                invited_by=author.invited_by,
                anonymous=idea.anonymous,
                author_ref=author.author_ref,
                title=idea.title,
                problem=idea.problem,
                solution=idea.solution,
                benefit=idea.benefit,
                status=idea.status,
                channel=idea.channel,
                unit_id=idea.unit_id,
                submitted_at=idea.submitted_at,
            )
            for author, idea in authored
        ],
        invitations_sent=[
            InvitationSent(
                idea_id=a.idea_id,
                invited_person_id=a.person_id,
                confirmed=a.confirmed_at is not None,
            )
            for a in invited
        ],
        drafts=[
            DraftData(
                draft_id=d.id,
                content=dict(d.content),
                created_at=d.created_at,
                updated_at=d.updated_at,
            )
            for d in drafts
        ],
        versions_edited=[
            VersionEdited(
                idea_id=v.idea_id,
                revision=v.revision,
                reason=v.reason,
                title=v.title,
                created_at=v.created_at,
            )
            for v in versions
        ],
        supports=[
            SupportGiven(idea_id=s.idea_id, supported_at=s.supported_at, moved_from=s.moved_from)
            for s in supports
        ],
        comments=[
            CommentWritten(
                comment_id=c.id,
                idea_id=c.idea_id,
                shown_as=c.shown_as,
                body=c.body,
                created_at=c.created_at,
                hidden=c.hidden_at is not None,
                hidden_reason=c.hidden_reason,
            )
            for c in comments
        ],
        comments_hidden=[
            CommentHidden(
                comment_id=c.id,
                idea_id=c.idea_id,
                hidden_at=c.hidden_at,
                hidden_reason=c.hidden_reason,
            )
            for c in hidden
        ],
        attachments=[
            AttachmentUploaded(
                attachment_id=a.id,
                idea_id=a.idea_id,
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                uploaded_at=a.uploaded_at,
                scan_status=a.scan_status,
            )
            for a in attachments
        ],
        timeline_actions=[
            TimelineAction(
                idea_id=h.idea_id,
                kind=h.kind,
                status=h.status,
                occurred_at=h.occurred_at,
                rationale=h.rationale,
                note=h.note,
            )
            for h in actions
        ],
        rewards=[
            RewardRecorded(
                grant_id=r.grant_id, idea_id=r.idea_id, kind=r.kind, granted_at=r.granted_at
            )
            for r in rewards
        ],
        idempotency_keys=[
            IdempotencyKeyData(
                key=k.key,
                status_code=k.status_code,
                location=(k.headers or {}).get("Location"),
                created_at=k.created_at,
                form_token_id=k.key.removeprefix(FORM_TOKEN_KEY_PREFIX)
                if k.key.startswith(FORM_TOKEN_KEY_PREFIX)
                else None,
            )
            for k in keys
        ],
        rate_limit_windows=[
            RateLimitWindow(window_start=w.window_start, submissions=w.count) for w in windows
        ],
        erasure=(
            ErasureData(erasure_id=erasure.erasure_id, erased_at=erasure.erased_at)
            if erasure is not None
            else None
        ),
    )


async def _all(session: AsyncSession, query: Any) -> Sequence[Any]:
    return (await session.scalars(query)).all()
