"""The org projection: units, people's current unit and their memberships over time, kept as HR
last said (an event older than what is stored changes nothing), and the headcounts read from it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.hr import UnitUpserted
from ideapaja_reward.db.models import OrgMembershipRow, OrgPersonRow, OrgUnitRow
from ideapaja_reward.domain.org import OrgUnit
from ideapaja_runtime import transaction_snapshots

# The hierarchy as read in this transaction (``units_of_transaction``), kept on its session and
# forgotten by its one writer, ``upsert_unit``: declared tables would cost every statement of the
# process a listener call (``ideapaja_runtime.transaction_snapshots``).
_UNITS = "reward.org_units"
_HIERARCHY = select(OrgUnitRow.unit_id, OrgUnitRow.kind, OrgUnitRow.parent_id)


async def upsert_unit(session: AsyncSession, event: UnitUpserted, as_of: datetime) -> bool:
    """Store the unit; False when a newer version is already stored."""
    row = await session.get(OrgUnitRow, event.unit_id)
    if row is None:
        row = OrgUnitRow(unit_id=event.unit_id, as_of=as_of)
        session.add(row)
    elif as_of < row.as_of:
        return False
    row.kind = event.kind.value
    row.parent_id = event.parent_id
    row.name_fi, row.name_sv, row.name_en = event.name_fi, event.name_sv, event.name_en
    row.as_of = as_of
    await session.flush()
    transaction_snapshots.forget(session, _UNITS)  # the hierarchy read before this is stale
    return True


async def person_in_unit(
    session: AsyncSession, person_id: str, unit_id: str | None, as_of: datetime
) -> bool:
    """The person is in ``unit_id`` from ``as_of`` on (None: they left the city's service).

    A move closes their open membership and opens one in the new unit; False (nothing written)
    when a newer HR event for the person is already stored.
    """
    person = await session.get(OrgPersonRow, person_id)
    if person is not None and as_of < person.as_of:
        return False
    if person is None:
        person = OrgPersonRow(person_id=person_id, unit_id=None, active=False, as_of=as_of)
        session.add(person)
    if unit_id is not None and person.active and person.unit_id == unit_id:
        person.as_of = as_of  # the same unit again (a name or role changed): no new span
        await session.flush()
        return True
    open_span = await session.scalar(
        select(OrgMembershipRow).where(
            OrgMembershipRow.person_id == person_id, OrgMembershipRow.until.is_(None)
        )
    )
    if open_span is not None:
        open_span.until = as_of
    if unit_id is not None:
        session.add(OrgMembershipRow(person_id=person_id, unit_id=unit_id, since=as_of))
        person.unit_id = unit_id
    person.active = unit_id is not None
    person.as_of = as_of
    await session.flush()
    return True


async def load_units(session: AsyncSession) -> dict[str, OrgUnit]:
    rows = await session.execute(_HIERARCHY)
    return {unit_id: OrgUnit(unit_id, kind, parent) for unit_id, kind, parent in rows.all()}


async def units_of_transaction(session: AsyncSession) -> Mapping[str, OrgUnit]:
    """``load_units``, read once per transaction: a consumer's batch credits many grants, each
    booked under its unit's department, and HR changes units in other transactions. Read only:
    the mapping is shared by every caller in the transaction."""
    return await transaction_snapshots.snapshot(session, _UNITS, load_units)


async def headcounts(session: AsyncSession, at: datetime) -> Counter[str]:
    """How many people each unit had at the instant ``at`` (units with nobody are absent)."""
    # Grouped in the database: a city has tens of thousands of memberships, hundreds of units.
    rows = await session.execute(
        select(OrgMembershipRow.unit_id, func.count())
        .where(
            OrgMembershipRow.since <= at,
            or_(OrgMembershipRow.until.is_(None), OrgMembershipRow.until > at),
        )
        .group_by(OrgMembershipRow.unit_id)
    )
    return Counter({unit_id: int(count) for unit_id, count in rows.all()})


async def headcount_totals(
    session: AsyncSession, instants: Sequence[datetime], units: Collection[str] | None = None
) -> list[int]:
    """How many people ``units`` (every unit when None) had together at each of ``instants``:
    what ``headcounts`` summed over those units gives, in one statement for all the instants."""
    query = select(
        *[
            func.count(
                case(
                    (
                        (OrgMembershipRow.since <= at)
                        & or_(OrgMembershipRow.until.is_(None), OrgMembershipRow.until > at),
                        1,
                    )
                )
            )
            for at in instants
        ]
    )
    if units is not None:
        query = query.where(OrgMembershipRow.unit_id.in_(sorted(units)))
    return [int(n) for n in (await session.execute(query)).one()]
