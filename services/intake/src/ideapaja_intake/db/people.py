"""People by name: the words each name is found by, kept in step with the HR projection, and the
colleague search over them (domain/people.py says how names and queries are folded)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Select, and_, delete, exists, insert, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_intake.db.models import Person, PersonNameWord, Unit
from ideapaja_intake.domain.people import name_words, prefix_range

# What a colleague is shown with: name and unit, never contact details.
SHOWN: tuple[Any, ...] = (
    Person.person_id,
    Person.display_name,
    Person.unit_id,
    Person.name_key,
    Unit.name_fi,
    Unit.name_sv,
    Unit.name_en,
)
# The order people are listed in (keyset cursor): folded name, ties by id. Deliberately without
# an index: the matches of a prefix are a few hundred or thousand rows, sorted in a moment, while
# a planner walking an index in name order probes every person before "Ulla" (measured: 270 ms on
# PostgreSQL with 38,000 people, against 7 ms through the word index).
PEOPLE_ORDER = (Person.name_key, Person.person_id)


async def index_name(session: AsyncSession, person_id: str) -> None:
    """The person's name words as their row now has it (none once the name is blank)."""
    name = await session.scalar(select(Person.display_name).where(Person.person_id == person_id))
    await session.execute(delete(PersonNameWord).where(PersonNameWord.person_id == person_id))
    found = name_words(name or "")
    if found:
        await session.execute(
            insert(PersonNameWord),
            [{"word": word, "person_id": person_id} for word in found],
        )


def _has_word_starting(prefix: str) -> Any:
    low, high = prefix_range(prefix)
    return exists().where(
        PersonNameWord.person_id == Person.person_id,
        PersonNameWord.word >= low,
        PersonNameWord.word < high,
    )


def colleagues(
    prefixes: Sequence[str], ids: Collection[str], *, excluded: str | None
) -> Select[Any]:
    """Active, named people (name, unit and its names; never contact details) with a name part
    starting with each of ``prefixes`` (the first is looked up in the word index, the longest
    is best) and, if ``ids`` are given, among them; unordered (listed by ``PEOPLE_ORDER``)."""
    query = (
        select(*SHOWN)
        .outerjoin(Unit, Unit.id == Person.unit_id)
        .where(Person.active.is_(true()), Person.display_name != "")
    )
    if prefixes:
        low, high = prefix_range(prefixes[0])
        candidates = select(PersonNameWord.person_id).where(
            and_(PersonNameWord.word >= low, PersonNameWord.word < high)
        )
        query = query.where(Person.person_id.in_(candidates))
        query = query.where(*(_has_word_starting(p) for p in prefixes[1:]))
    if ids:
        query = query.where(Person.person_id.in_(sorted(set(ids))))
    if excluded is not None:
        query = query.where(Person.person_id != excluded)
    return query
