"""The city's units and people as HR describes them (projections of HR's events)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitKind, UnitUpserted
from ideapaja_intake.db.models import Person, Unit
from ideapaja_intake.db.people import index_name
from ideapaja_intake.db.sql import dialect_insert
from ideapaja_intake.domain.people import name_key


def known_units(session: Session, unit_ids: Collection[str]) -> set[str]:
    """Which of ``unit_ids`` HR has told us of (synchronous: ``session.run_sync`` from async)."""
    if not unit_ids:
        return set()
    units = Unit.__table__.c
    # On the connection: a Core query needs none of the ORM session's result machinery.
    return set(session.connection().scalars(select(units.id).where(units.id.in_(set(unit_ids)))))


UNIT_ORDER = (Unit.kind, Unit.id)


def units_of_kind(kind: str | None = None) -> Select[Unit]:
    """The units (of ``kind``: unit or department), unordered (listed by ``UNIT_ORDER``)."""
    query = select(Unit)
    return query if kind is None else query.where(Unit.kind == kind)


async def list_units(session: AsyncSession, kind: str | None = None) -> Sequence[Unit]:
    query = units_of_kind(kind).order_by(*UNIT_ORDER)
    return (await session.scalars(query)).all()


async def upsert_unit(
    session: AsyncSession, event: UnitUpserted, event_time: datetime, *, recorded_at: datetime
) -> None:
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
        "recorded_at": recorded_at,
    }
    await _upsert_newer(session, Unit, Unit.id, values, values)


async def upsert_person(
    session: AsyncSession,
    event: PersonUpserted | PersonLeft,
    event_time: datetime,
    *,
    recorded_at: datetime,
) -> None:
    """The person as HR last described them (active with a unit, or gone); older events lose."""
    values: dict[str, Any] = {
        "person_id": event.person_id,
        "active": isinstance(event, PersonUpserted),
        "hr_event_time": event_time,
        "recorded_at": recorded_at,
        # A person who left is no longer found or named: their name goes with them.
        "display_name": "",
        "name_key": "",
    }
    if isinstance(event, PersonUpserted):
        values["unit_id"] = event.unit_id
        values["display_name"] = event.display_name
        values["name_key"] = name_key(event.display_name)
    # A person HR says left before we knew them gets a blank unit; a known one keeps theirs.
    await _upsert_newer(session, Person, Person.person_id, {"unit_id": "", **values}, values)
    # From the row as it stands (a late, older event changed nothing).
    await index_name(session, event.person_id)


async def _upsert_newer(
    session: AsyncSession,
    model: type[Unit | Person],
    key: Any,
    inserted: dict[str, Any],
    updated: dict[str, Any],
) -> None:
    """Insert ``inserted``, or where the key exists set the columns of ``updated`` unless the row
    reflects a newer HR event: one statement, so concurrent replicas cannot both insert."""
    statement = dialect_insert(session)(model).values(**inserted)
    statement = statement.on_conflict_do_update(
        index_elements=[key],
        set_={name: statement.excluded[name] for name in updated if name != key.key},
        where=model.hr_event_time <= statement.excluded.hr_event_time,
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
