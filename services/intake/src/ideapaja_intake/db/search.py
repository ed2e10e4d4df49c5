"""Lists and search over ideas: filters, their order, full-text conditions on SQLite and
PostgreSQL, similar-idea candidates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_intake.db.models import Idea, IdeaAuthor
from ideapaja_intake.db.sql import dialect_of
from ideapaja_intake.domain.status import HIDDEN_STATUSES
from ideapaja_runtime.pagination import PageRequest, paginate
from ideapaja_search import sql as ranking
from ideapaja_search.analysis import query_words
from ideapaja_search.ranked import ranked_paginate
from ideapaja_search.sql import SearchColumns


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
    language: str | None = None
    query: str | None = None
    external: bool | None = None
    extra: Sequence[ColumnElement[bool]] = field(default_factory=tuple)


# Lists of ideas are newest first, ties by id (descending too): the keyset of their cursors,
# served by the index ix_ideas_submitted_order.
IDEA_ORDER = (Idea.submitted_at, Idea.id)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


SEARCH_COLUMNS = SearchColumns(
    Idea.search_terms, Idea.search_parts, "ideas.search_vector", fts_of="ideas"
)


def search_condition(session: AsyncSession, query_text: str) -> ColumnElement[bool] | None:
    """Ideas containing every word of ``query_text`` as a lemma, a compound part or a word start
    (either tier of ``ranking.tiers``, unranked: the export, similar ideas)."""
    words = query_words(query_text)
    if not words:
        return None
    return ranking.anywhere(dialect_of(session), SEARCH_COLUMNS, words)


def any_word_condition(session: AsyncSession, query_text: str) -> ColumnElement[bool] | None:
    """Ideas containing at least one word of ``query_text`` (candidates for similarity, the
    newest first). A typed title shares some common word with many ideas: on SQLite they are read
    newest first and tested against the index (``walk``; 16 ms at 100,000 ideas) rather than all
    collected and sorted (120 ms)."""
    words = query_words(query_text)
    if not words:
        return None
    return ranking.anywhere(dialect_of(session), SEARCH_COLUMNS, words, every=False, walk=True)


def _walked(session: AsyncSession, column: Any, walk: bool) -> Any:
    """``column``, or on SQLite when ``walk``, ``+column``: the same value, which SQLite's
    planner does not read through an index (SQLite's documented way to rule one out). A list
    that matches many ideas is then read newest first from its keyset index and filtered, instead
    of all its ideas read through the filter's index and sorted (53 ms for five units of twenty
    at 100,000 ideas; ``paginate``'s ``walking``)."""
    if not walk or dialect_of(session) != "sqlite":
        return column
    return ranking.unindexed(f"ideas.{column.key}", column.type)


def public_condition() -> ColumnElement[bool]:
    """Ideas colleagues may see. Written as the statuses left out: NOT IN uses no index, so a
    list of them is read from its keyset index (newest first) rather than from the status index
    and then sorted (140 ms at 100,000 ideas on SQLite, which took the status index as the
    narrower)."""
    return Idea.status.not_in(sorted(HIDDEN_STATUSES))


def filter_condition(
    session: AsyncSession, filters: IdeaFilter, *, walk: bool = False
) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [Idea.submitted_at.is_not(None)]
    if filters.author_id is not None:
        authored = select(IdeaAuthor.idea_id).where(IdeaAuthor.person_id == filters.author_id)
        conditions.append(_walked(session, Idea.id, walk).in_(authored))
    if filters.statuses:
        conditions.append(_walked(session, Idea.status, walk).in_(list(filters.statuses)))
    if filters.public_only:
        conditions.append(public_condition())
    if filters.scope is not None:
        conditions.append(Idea.scope == filters.scope)
    if filters.unit_ids:
        conditions.append(_walked(session, Idea.unit_id, walk).in_(list(filters.unit_ids)))
    if filters.category is not None:
        conditions.append(_walked(session, Idea.category, walk) == filters.category)
    if filters.submitted_from is not None:
        conditions.append(Idea.submitted_at >= _day_start(filters.submitted_from))
    if filters.submitted_to is not None:
        conditions.append(Idea.submitted_at < _day_start(filters.submitted_to + timedelta(days=1)))
    if filters.language is not None:
        conditions.append(Idea.language == filters.language)
    if filters.external is not None:
        conditions.append(Idea.external.is_(true() if filters.external else false()))
    if filters.query:
        matched = search_condition(session, filters.query)
        conditions.append(matched if matched is not None else false())
    conditions.extend(filters.extra)
    return and_(*conditions)


def ideas_matching(
    session: AsyncSession, filters: IdeaFilter, *, walk: bool = False
) -> Select[Idea]:
    """Submitted ideas matching ``filters``, unordered (``paginate`` orders them by
    ``IDEA_ORDER``)."""
    return select(Idea).where(filter_condition(session, filters, walk=walk))


# A list of ideas counts its matches up to this many ("more than 1,000"): an exact count of a
# common word, or of the whole public list, reads every idea it covers.
COUNT_UP_TO = 1000


async def idea_page(
    session: AsyncSession, filters: IdeaFilter, page: PageRequest
) -> tuple[list[Idea], int, str | None]:
    """One page of the ideas matching ``filters``, newest first; with a query, the ideas that
    contain its words as lemmas first, then those that contain them as compound parts or word
    starts (each newest first). The total is counted up to ``COUNT_UP_TO`` (``page_from``'s
    ``counted_up_to``)."""
    words = query_words(filters.query) if filters.query else []
    if not words:  # no query, or one of stopwords only (which finds nothing)
        return await paginate(
            session,
            ideas_matching(session, filters),
            keys=IDEA_ORDER,
            page=page,
            count_up_to=COUNT_UP_TO,
            walking=ideas_matching(session, filters, walk=True),
        )
    dialect = dialect_of(session)
    tiers, matched = ranking.tiers(dialect, SEARCH_COLUMNS, words)
    walking, _ = ranking.tiers(dialect, SEARCH_COLUMNS, words, walk=True)
    unfiltered = replace(filters, query=None)
    unsearched = select(Idea).where(filter_condition(session, unfiltered))
    walked = select(Idea).where(filter_condition(session, unfiltered, walk=True))
    return await ranked_paginate(
        session,
        unsearched,
        tiers=tiers,
        matched=matched,
        keys=IDEA_ORDER,
        page=page,
        count_up_to=COUNT_UP_TO,
        walking=(walked, walking),
        counted=ranking.counted(dialect, SEARCH_COLUMNS, unsearched, words),
    )


async def newest_ideas(session: AsyncSession, filters: IdeaFilter, *, limit: int) -> Sequence[Idea]:
    """At most ``limit`` ideas matching ``filters``, newest first (the export)."""
    ordered = ideas_matching(session, filters).order_by(*(key.desc() for key in IDEA_ORDER))
    return (await session.scalars(ordered.limit(limit))).all()


async def similar_candidates(
    session: AsyncSession, typed: str, *, trigram_index: bool, limit: int = 50
) -> Sequence[Idea]:
    """Public ideas that may look like ``typed``: sharing a word, or (PostgreSQL with pg_trgm)
    a similar title, or (elsewhere) simply recent, so typos in titles are still caught."""
    public = public_condition()
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
