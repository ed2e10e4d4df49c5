"""Reading and writing the intake tables inside a caller's transaction."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitKind, UnitUpserted
from ideapaja_intake.db.models import (
    Idea,
    IdeaAttachment,
    IdeaAuthor,
    IdeaReward,
    IdeaStatusChange,
    IdeaSupport,
    IdeaVersion,
    Person,
    Unit,
)
from ideapaja_intake.domain.search import query_alternatives, query_words
from ideapaja_intake.domain.status import PUBLIC_STATUSES, IdeaStatus, StatusChange, current_status


@dataclass(frozen=True)
class IdeaRecord:
    idea: Idea
    authors: Sequence[IdeaAuthor]
    history: Sequence[IdeaStatusChange]
    attachments: Sequence[IdeaAttachment] = ()
    rewards: Sequence[IdeaReward] = ()
    # Only a new idea's record carries its first version (to insert it); reads leave it empty.
    versions: Sequence[IdeaVersion] = ()

    @property
    def author_ids(self) -> list[str]:
        """The confirmed authors (who are rewarded and may edit)."""
        return [a.person_id for a in self.authors if a.confirmed_at is not None]

    @property
    def invited_ids(self) -> list[str]:
        """Co-authors invited who have not confirmed yet."""
        return [a.person_id for a in self.authors if a.confirmed_at is None]

    @property
    def submitter_id(self) -> str:
        return next(a.person_id for a in self.authors if a.kind == "submitter")


def dialect_of(session: AsyncSession | Session) -> str:
    return session.get_bind().dialect.name


def insert_for(dialect: str) -> Any:
    """The dialect's INSERT construct (it has ``on_conflict_do_update``)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def dialect_insert(session: AsyncSession | Session) -> Any:
    return insert_for(dialect_of(session))


# --- units and people ----------------------------------------------------------------------


def known_units(session: Session, unit_ids: Collection[str]) -> set[str]:
    """Which of ``unit_ids`` HR has told us of (synchronous: ``session.run_sync`` from async)."""
    if not unit_ids:
        return set()
    units = Unit.__table__.c
    # On the connection: a Core query needs none of the ORM session's result machinery.
    return set(session.connection().scalars(select(units.id).where(units.id.in_(set(unit_ids)))))


async def list_units(session: AsyncSession, kind: str | None = None) -> Sequence[Unit]:
    query = select(Unit).order_by(Unit.kind, Unit.id)
    if kind is not None:
        query = query.where(Unit.kind == kind)
    return (await session.scalars(query)).all()


async def upsert_unit(session: AsyncSession, event: UnitUpserted, event_time: datetime) -> None:
    """Keep the newest description of a unit: a late, older event leaves the row alone.

    One statement (insert or conditional update), so concurrent replicas cannot both insert.
    """
    values = {
        "id": event.unit_id,
        "kind": event.kind.value,
        "parent_id": event.parent_id,
        "name_fi": event.name_fi,
        "name_sv": event.name_sv,
        "name_en": event.name_en,
        "hr_event_time": event_time,
        "recorded_at": datetime.now(UTC),
    }
    statement = dialect_insert(session)(Unit).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[Unit.id],
        set_={name: statement.excluded[name] for name in values if name != "id"},
        where=Unit.hr_event_time <= statement.excluded.hr_event_time,
    )
    await session.execute(statement)


async def upsert_person(
    session: AsyncSession, event: PersonUpserted | PersonLeft, event_time: datetime
) -> None:
    """The person as HR last described them (active with a unit, or gone); older events lose."""
    values: dict[str, Any] = {
        "person_id": event.person_id,
        "active": isinstance(event, PersonUpserted),
        "hr_event_time": event_time,
        "recorded_at": datetime.now(UTC),
    }
    if isinstance(event, PersonUpserted):
        values["unit_id"] = event.unit_id
    insert_values = {"unit_id": "", **values}
    statement = dialect_insert(session)(Person).values(**insert_values)
    statement = statement.on_conflict_do_update(
        index_elements=[Person.person_id],
        set_={name: statement.excluded[name] for name in values if name != "person_id"},
        where=Person.hr_event_time <= statement.excluded.hr_event_time,
    )
    await session.execute(statement)


def active_people(session: Session, person_ids: Sequence[str]) -> dict[str, Person]:
    """Those of ``person_ids`` HR lists as working here (synchronous, like ``known_units``)."""
    if not person_ids:
        return {}
    rows = session.scalars(
        select(Person).where(Person.person_id.in_(person_ids), Person.active.is_(true()))
    )
    return {p.person_id: p for p in rows}


async def unit_and_children(session: AsyncSession, unit_id: str) -> list[str]:
    """A department with its units (one level, as HR's org chart has), or the unit alone."""
    children = await session.scalars(
        select(Unit.id).where(Unit.parent_id == unit_id, Unit.kind == UnitKind.UNIT.value)
    )
    return [unit_id, *children]


# --- ideas ---------------------------------------------------------------------------------


def version_of(idea: Idea, edited_by: str, reason: str, now: datetime) -> IdeaVersion:
    """The idea's text as it stands now, kept as the version of its current revision."""
    return IdeaVersion(
        idea_id=idea.id,
        revision=idea.revision,
        title=idea.title,
        problem=idea.problem,
        solution=idea.solution,
        benefit=idea.benefit,
        category=idea.category,
        benefit_kinds=list(idea.benefit_kinds or []),
        edited_by=edited_by,
        reason=reason,
        created_at=now,
    )


def insert_ideas(session: Session, records: Sequence[IdeaRecord]) -> None:
    """Insert new ideas with their authors and first history entry, one statement per table
    for the whole batch (the ORM's unit of work would flush row by row). Synchronous: part of
    the submission batch's ``Database.run_transaction``."""
    rows: dict[Any, list[dict[str, Any]]] = {}
    for record in records:
        for row in (record.idea, *record.authors, *record.history, *record.versions):
            rows.setdefault(row.__table__, []).append(_values(row))
    # The idea rows first: authors, history and versions refer to them.
    connection = session.connection()  # plain Core inserts, without the ORM's bulk layer
    for table in sorted(rows, key=lambda t: t is not Idea.__table__):
        connection.execute(table.insert(), rows[table])


def _values(row: Any) -> dict[str, Any]:
    """The column values set on a new (transient) row; the rest take the column defaults."""
    given = row.__dict__
    return {c.key: given[c.key] for c in row.__table__.columns if c.key in given}


async def load_idea(session: AsyncSession, idea_id: str) -> IdeaRecord | None:
    idea = await session.get(Idea, idea_id)
    if idea is None:
        return None
    authors = (
        await session.scalars(
            select(IdeaAuthor)
            .where(IdeaAuthor.idea_id == idea_id)
            # The submitter first, also when co-authors invited with the submission sort
            # before them (a former employee's token).
            .order_by(
                IdeaAuthor.added_at,
                case((IdeaAuthor.kind == "submitter", 0), else_=1),
                IdeaAuthor.person_id,
            )
        )
    ).all()
    history = (
        await session.scalars(
            select(IdeaStatusChange)
            .where(IdeaStatusChange.idea_id == idea_id)
            .order_by(IdeaStatusChange.occurred_at, IdeaStatusChange.id)
        )
    ).all()
    attachments = (
        await session.scalars(
            select(IdeaAttachment)
            .where(IdeaAttachment.idea_id == idea_id)
            .order_by(IdeaAttachment.uploaded_at, IdeaAttachment.id)
        )
    ).all()
    rewards = (
        await session.scalars(
            select(IdeaReward)
            .where(IdeaReward.idea_id == idea_id)
            .order_by(IdeaReward.granted_at, IdeaReward.grant_id)
        )
    ).all()
    return IdeaRecord(idea, authors, history, attachments, rewards)


async def lock_idea(session: AsyncSession, idea_id: str) -> Idea | None:
    """The idea, locked for the rest of the transaction on PostgreSQL (SQLite transactions
    already hold the database's write lock), so concurrent edits and counters serialise."""
    query = select(Idea).where(Idea.id == idea_id)
    if dialect_of(session) == "postgresql":
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


async def versions_of(session: AsyncSession, idea_id: str) -> Sequence[IdeaVersion]:
    return (
        await session.scalars(
            select(IdeaVersion).where(IdeaVersion.idea_id == idea_id).order_by(IdeaVersion.revision)
        )
    ).all()


async def is_supporter(session: AsyncSession, idea_id: str, person_id: str) -> bool:
    return await session.get(IdeaSupport, (idea_id, person_id)) is not None


# --- lists and search ----------------------------------------------------------------------


@dataclass(frozen=True)
class IdeaFilter:
    author_id: str | None = None
    statuses: Sequence[str] = ()
    # Leave these statuses out (the public list hides withdrawn ideas).
    public_only: bool = False
    scope: str | None = None
    unit_ids: Sequence[str] = ()
    category: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    query: str | None = None
    external: bool | None = None
    extra: Sequence[ColumnElement[bool]] = field(default_factory=tuple)


class InvalidCursor(ValueError):
    pass


def encode_cursor(idea: Idea) -> str:
    assert idea.submitted_at is not None
    raw = f"{idea.submitted_at.isoformat()}|{idea.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, idea_id = raw.split("|", 1)
        at = datetime.fromisoformat(stamp)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise InvalidCursor("not a cursor from a previous page") from exc
    if at.tzinfo is None:
        raise InvalidCursor("not a cursor from a previous page")
    return at, idea_id


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def search_condition(session: AsyncSession, query_text: str) -> ColumnElement[bool] | None:
    """Ideas containing every word of ``query_text`` in some inflected form; None when no word is
    left to search for (only stopwords or punctuation)."""
    words = query_words(query_text)
    if not words:
        return None
    if dialect_of(session) == "postgresql":
        return literal_column("ideas.search_vector").op("@@")(_tsquery_all(words))
    return and_(*(_stored_terms_match(word) for word in words))


def any_word_condition(session: AsyncSession, query_text: str) -> ColumnElement[bool] | None:
    """Ideas containing at least one word of ``query_text`` (candidates for similarity)."""
    words = query_words(query_text)
    if not words:
        return None
    if dialect_of(session) == "postgresql":
        query = _tsquery_word(words[0])
        for word in words[1:]:
            query = query.op("||")(_tsquery_word(word))
        return literal_column("ideas.search_vector").op("@@")(query)
    return or_(*(_stored_terms_match(word) for word in words))


def _stored_terms_match(word: str) -> ColumnElement[bool]:
    # Words hold letters or digits only (domain/search.py), so no LIKE escaping is needed.
    return or_(*(Idea.search_terms.like(f"% {alt}%") for alt in query_alternatives(word)))


def _tsquery_word(word: str) -> Any:
    """One word as a prefix query under each language's Snowball stemmer, or under one of our
    own stems (stored with the 'simple' configuration)."""
    parts: list[Any] = [
        func.to_tsquery(literal_column(f"'{config}'::regconfig"), f"{word}:*")
        for config in ("finnish", "swedish", "english")
    ]
    parts += [
        func.to_tsquery(literal_column("'simple'::regconfig"), f"{alt}:*")
        for alt in query_alternatives(word)
    ]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("||")(part)
    return combined


def _tsquery_all(words: Sequence[str]) -> Any:
    combined = _tsquery_word(words[0])
    for word in words[1:]:
        combined = combined.op("&&")(_tsquery_word(word))
    return combined


def filter_condition(session: AsyncSession, filters: IdeaFilter) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [Idea.submitted_at.is_not(None)]
    if filters.author_id is not None:
        authored = select(IdeaAuthor.idea_id).where(IdeaAuthor.person_id == filters.author_id)
        conditions.append(Idea.id.in_(authored))
    if filters.statuses:
        conditions.append(Idea.status.in_(list(filters.statuses)))
    if filters.public_only:
        conditions.append(Idea.status.in_(sorted(PUBLIC_STATUSES)))
    if filters.scope is not None:
        conditions.append(Idea.scope == filters.scope)
    if filters.unit_ids:
        conditions.append(Idea.unit_id.in_(list(filters.unit_ids)))
    if filters.category is not None:
        conditions.append(Idea.category == filters.category)
    if filters.submitted_from is not None:
        conditions.append(Idea.submitted_at >= _day_start(filters.submitted_from))
    if filters.submitted_to is not None:
        conditions.append(Idea.submitted_at < _day_start(filters.submitted_to + timedelta(days=1)))
    if filters.external is not None:
        conditions.append(Idea.external.is_(true() if filters.external else false()))
    if filters.query:
        matched = search_condition(session, filters.query)
        conditions.append(matched if matched is not None else false())
    conditions.extend(filters.extra)
    return and_(*conditions)


async def list_ideas(
    session: AsyncSession,
    *,
    author_id: str | None = None,
    limit: int,
    offset: int = 0,
    filters: IdeaFilter | None = None,
    cursor: str | None = None,
) -> tuple[Sequence[Idea], int]:
    """Submitted ideas matching ``filters``, newest first; only ``author_id``'s when given.

    Pages by ``cursor`` (stable while ideas are added) or, for older clients, by ``offset``.
    """
    filters = filters or IdeaFilter()
    if author_id is not None:
        filters = IdeaFilter(**{**filters.__dict__, "author_id": author_id})
    condition = filter_condition(session, filters)
    total = await session.scalar(select(func.count()).select_from(Idea).where(condition))
    page_condition = condition
    if cursor is not None:
        at, last_id = decode_cursor(cursor)
        page_condition = and_(
            condition,
            or_(Idea.submitted_at < at, and_(Idea.submitted_at == at, Idea.id < last_id)),
        )
    query = (
        select(Idea)
        .where(page_condition)
        .order_by(Idea.submitted_at.desc(), Idea.id.desc())
        .limit(limit)
    )
    if cursor is None and offset:
        query = query.offset(offset)
    page = await session.scalars(query)
    return page.all(), int(total or 0)


async def similar_candidates(
    session: AsyncSession, typed: str, *, trigram_index: bool, limit: int = 50
) -> Sequence[Idea]:
    """Public ideas that may look like ``typed``: sharing a word, or (PostgreSQL with pg_trgm)
    a similar title, or (elsewhere) simply recent, so typos in titles are still caught."""
    public = Idea.status.in_(sorted(PUBLIC_STATUSES))
    shares_word = any_word_condition(session, typed)
    found: dict[str, Idea] = {}
    if dialect_of(session) == "postgresql":
        alternatives: list[ColumnElement[bool]] = []
        if shares_word is not None:
            alternatives.append(shares_word)
        order: Any = Idea.submitted_at.desc()
        if trigram_index:
            alternatives.append(Idea.title.op("%")(typed))
            order = func.similarity(Idea.title, typed).desc()
        if not alternatives:
            return []
        rows = await session.scalars(
            select(Idea).where(public, or_(*alternatives)).order_by(order).limit(limit)
        )
        return rows.all()
    if shares_word is not None:
        for idea in await session.scalars(
            select(Idea).where(public, shares_word).order_by(Idea.submitted_at.desc()).limit(limit)
        ):
            found[idea.id] = idea
    for idea in await session.scalars(
        select(Idea).where(public).order_by(Idea.submitted_at.desc()).limit(limit)
    ):
        found.setdefault(idea.id, idea)
    return list(found.values())


async def has_trigram_index(session: AsyncSession) -> bool:
    if dialect_of(session) != "postgresql":
        return False
    found = await session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    return found.first() is not None


async def confirmed_authors_of(
    session: AsyncSession, condition: ColumnElement[bool]
) -> dict[str, list[str]]:
    """Confirmed authors of the named (not anonymous) ideas matching ``condition``."""
    named = select(Idea.id).where(condition, Idea.anonymous.is_(false()))
    rows = await session.execute(
        select(IdeaAuthor.idea_id, IdeaAuthor.person_id)
        .where(IdeaAuthor.idea_id.in_(named), IdeaAuthor.confirmed_at.is_not(None))
        .order_by(IdeaAuthor.idea_id, IdeaAuthor.added_at, IdeaAuthor.person_id)
    )
    authors: dict[str, list[str]] = {}
    for idea_id, person_id in rows:
        authors.setdefault(idea_id, []).append(person_id)
    return authors


# --- status projection ---------------------------------------------------------------------


async def apply_status_change(session: AsyncSession, idea: Idea, change: IdeaStatusChange) -> bool:
    """Append ``change`` to the idea's history (once per event) and recompute its status.

    Returns False when the event was already recorded (then nothing changes).
    """
    seen = await session.execute(
        select(IdeaStatusChange.id).where(IdeaStatusChange.event_id == change.event_id)
    )
    if seen.first() is not None:
        return False
    session.add(change)
    await session.flush()
    history = (
        await session.scalars(select(IdeaStatusChange).where(IdeaStatusChange.idea_id == idea.id))
    ).all()
    winner = current_status(
        StatusChange(
            event_id=row.event_id,
            status=IdeaStatus(row.status),
            occurred_at=row.occurred_at,
            case_id=row.case_id,
        )
        for row in history
    )
    if winner is not None and (
        winner.status != idea.status or winner.occurred_at != idea.status_changed_at
    ):
        idea.status = winner.status.value
        idea.status_changed_at = winner.occurred_at
    return True


async def record_reward(session: AsyncSession, reward: IdeaReward) -> bool:
    if await session.get(IdeaReward, reward.grant_id) is not None:
        return False
    session.add(reward)
    idea = await session.get(Idea, reward.idea_id)
    if idea is not None:
        idea.rewarded = True
    return True


async def delete_where(session: AsyncSession, model: Any, *conditions: Any) -> None:
    await session.execute(delete(model).where(*conditions))
