"""The org projection: units and people from HR events, kept as HR last said.

HR publishes one subject per record, and a NAK'd event can be overtaken by a newer one for the
same record, so every record remembers the HR event time it reflects and ignores older events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitKind, UnitUpserted
from ideapaja_review.db.models import (
    AssignedReviewerRow,
    OrgPersonRoleRow,
    OrgPersonRow,
    OrgUnitRow,
)
from ideapaja_review.domain.routing import REVIEWING_ROLES, OrgPerson, OrgUnit, department_of
from ideapaja_runtime import transaction_snapshots
from ideapaja_runtime.clock import as_utc


def _is_stale(stored: datetime, incoming: datetime) -> bool:
    return as_utc(incoming) < as_utc(stored)


# The HR consumers write the projection with statements built once, the rows as values: loading
# each record as an ORM object, changing it and flushing it was most of an HR event's CPU
# (profiled: Session.get, the flush, the ORM's bulk delete of the roles). Nothing in an HR
# event's transaction holds these rows as objects; other readers load them afresh.
_UNITS = cast(Table, OrgUnitRow.__table__)
_PEOPLE = cast(Table, OrgPersonRow.__table__)
_ROLES = cast(Table, OrgPersonRoleRow.__table__)
_UNIT_AS_OF = select(_UNITS.c.as_of).where(_UNITS.c.unit_id == bindparam("key"))
_INSERT_UNIT = insert(_UNITS)
# The columns to set are the execution's parameters besides ``key`` (one statement for all).
_CHANGE_UNIT = update(_UNITS).where(_UNITS.c.unit_id == bindparam("key"))
_PERSON_AS_OF = select(_PEOPLE.c.as_of).where(_PEOPLE.c.person_id == bindparam("key"))
_INSERT_PERSON = insert(_PEOPLE)
_CHANGE_PERSON = update(_PEOPLE).where(_PEOPLE.c.person_id == bindparam("key"))
_DELETE_ROLES = delete(_ROLES).where(_ROLES.c.person_id == bindparam("key"))
_INSERT_ROLES = insert(_ROLES)


async def upsert_unit(session: AsyncSession, event: UnitUpserted, as_of: datetime) -> bool:
    """Store the unit; False when a newer version is already stored."""
    stored = await session.scalar(_UNIT_AS_OF, {"key": event.unit_id})
    values = {
        "kind": event.kind.value,
        "parent_id": event.parent_id,
        "name_fi": event.name_fi,
        "as_of": as_of,
    }
    if stored is None:
        await session.execute(_INSERT_UNIT, {"unit_id": event.unit_id, **values})
        return True
    if _is_stale(stored, as_of):
        return False
    await session.execute(_CHANGE_UNIT, {"key": event.unit_id, **values})
    return True


async def upsert_person(session: AsyncSession, event: PersonUpserted, as_of: datetime) -> bool:
    """Store the person as active with their unit and roles; False when stale."""
    written = await _write_person(
        session,
        event.person_id,
        as_of,
        {"unit_id": event.unit_id, "active": True, "display_name": event.display_name},
    )
    if not written:
        return False
    await session.execute(_DELETE_ROLES, {"key": event.person_id})
    roles = sorted({r.value for r in event.roles})
    if roles:
        await session.execute(
            _INSERT_ROLES, [{"person_id": event.person_id, "role": role} for role in roles]
        )
    return True


async def person_left(session: AsyncSession, event: PersonLeft, as_of: datetime) -> bool:
    """Mark the person inactive (they stay known, so history still names them)."""
    return await _write_person(session, event.person_id, as_of, {"active": False})


async def _write_person(
    session: AsyncSession, person_id: str, as_of: datetime, values: dict[str, Any]
) -> bool:
    """Insert the person with ``values`` (no unit when they hold none), or set ``values`` on
    the stored person unless it reflects a newer HR event."""
    stored = await session.scalar(_PERSON_AS_OF, {"key": person_id})
    if stored is None:
        row = {"unit_id": None, "display_name": None, **values}
        await session.execute(_INSERT_PERSON, {"person_id": person_id, "as_of": as_of, **row})
        return True
    if _is_stale(stored, as_of):
        return False
    await session.execute(_CHANGE_PERSON, {"key": person_id, "as_of": as_of, **values})
    return True


async def names_of(session: AsyncSession, person_ids: Iterable[str]) -> dict[str, str]:
    """HR's display names of ``person_ids`` that have one (unknown and erased people have none)."""
    wanted = sorted(set(person_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(OrgPersonRow.person_id, OrgPersonRow.display_name).where(
            OrgPersonRow.person_id.in_(wanted), OrgPersonRow.display_name.is_not(None)
        )
    )
    return {person_id: name for person_id, name in rows.all() if name}


async def load_units(session: AsyncSession) -> dict[str, OrgUnit]:
    return {
        row.unit_id: OrgUnit(row.unit_id, UnitKind(row.kind), row.parent_id)
        for row in (await session.scalars(select(OrgUnitRow))).all()
    }


# Routing reads the whole org for every case it opens: kept for the transaction until it writes
# an org table (``ideapaja_runtime.transaction_snapshots``).
_SNAPSHOT = transaction_snapshots.kept_until_written(
    "review.org_snapshot",
    (
        model.__table__
        for model in (OrgUnitRow, OrgPersonRow, OrgPersonRoleRow, AssignedReviewerRow)
    ),
)


async def load_org(session: AsyncSession) -> tuple[dict[str, OrgUnit], list[OrgPerson]]:
    """Everything routing needs: all units, and the active people holding a reviewing role
    (a city has hundreds of those at most, not its whole staff), HR's and those an admin
    assigned to a unit (placed in that unit with the assigned role). Copies: the caller may
    change what it gets."""
    units, people = await transaction_snapshots.snapshot(session, _SNAPSHOT, _read_org)
    return dict(units), list(people)


async def _read_org(session: AsyncSession) -> tuple[dict[str, OrgUnit], list[OrgPerson]]:
    units = await load_units(session)
    result = await session.execute(
        select(OrgPersonRow.person_id, OrgPersonRow.unit_id, OrgPersonRoleRow.role)
        .join(OrgPersonRoleRow, OrgPersonRoleRow.person_id == OrgPersonRow.person_id)
        .where(OrgPersonRow.active.is_(True), OrgPersonRoleRow.role.in_(REVIEWING_ROLES))
    )
    roles: dict[tuple[str, str | None], set[str]] = {}
    for person_id, unit_id, role in result.all():
        roles.setdefault((person_id, unit_id), set()).add(role)
    people = [
        OrgPerson(person_id, unit_id, frozenset(person_roles), active=True)
        for (person_id, unit_id), person_roles in sorted(roles.items())
    ]
    inactive = await inactive_ids(session)
    for row in (
        await session.scalars(select(AssignedReviewerRow).order_by(AssignedReviewerRow.unit_id))
    ).all():
        people.append(
            OrgPerson(
                row.person_id,
                row.unit_id,
                frozenset({row.role}),
                active=row.person_id not in inactive,
            )
        )
    return units, people


async def inactive_ids(session: AsyncSession) -> set[str]:
    """People HR says have left (everyone else, known or not, counts as active)."""
    return set(
        (
            await session.scalars(
                select(OrgPersonRow.person_id).where(OrgPersonRow.active.is_(False))
            )
        ).all()
    )


# Asked for every case opened: a statement built once, where ``session.get`` loaded an object.
# Units are written only by ``upsert_unit``, which flushes, so the row read is the current one.
_UNIT_PLACE = select(_UNITS.c.kind, _UNITS.c.parent_id).where(
    _UNITS.c.unit_id == bindparam("unit_id")
)


async def department_id_of(session: AsyncSession, unit_id: str) -> str:
    """The department a unit belongs to (the unit itself for a department or an unknown unit)."""
    row = (await session.execute(_UNIT_PLACE, {"unit_id": unit_id})).one_or_none()
    if row is None:
        return unit_id
    kind, parent_id = row
    return department_of(unit_id, {unit_id: OrgUnit(unit_id, UnitKind(kind), parent_id)})


async def unit_kind(session: AsyncSession, unit_id: str) -> UnitKind | None:
    row = await session.get(OrgUnitRow, unit_id)
    return UnitKind(row.kind) if row is not None else None


async def hr_roles(session: AsyncSession, person_id: str) -> tuple[str | None, frozenset[str]]:
    """A person's unit and roles as HR last said (None and no roles when unknown or gone)."""
    row = await session.get(OrgPersonRow, person_id)
    if row is None or not row.active:
        return None, frozenset()
    found = await session.scalars(
        select(OrgPersonRoleRow.role).where(OrgPersonRoleRow.person_id == person_id)
    )
    return row.unit_id, frozenset(found.all())


async def person_known(session: AsyncSession, person_id: str) -> bool:
    """Whether HR has sent the person (whether or not they are still in service)."""
    return await session.get(OrgPersonRow, person_id) is not None


async def unit_exists(session: AsyncSession, unit_id: str) -> bool:
    return await session.get(OrgUnitRow, unit_id) is not None


async def has_reviewing_role(session: AsyncSession, person_id: str) -> bool:
    found = await session.scalar(
        select(OrgPersonRoleRow.role).where(
            OrgPersonRoleRow.person_id == person_id, OrgPersonRoleRow.role.in_(REVIEWING_ROLES)
        )
    )
    return found is not None
