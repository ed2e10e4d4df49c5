"""The demo organisation is complete enough to walk every role through the system."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from ideapaja_contracts.events.hr import PersonUpserted, UnitKind, UnitUpserted
from ideapaja_runner import hr_records
from ideapaja_runner.devissuer import KNOWN_ROLES


def _org() -> hr_records.Organisation:
    return hr_records.parse_organisation(hr_records.demo_csv_text(), source="demo")


def test_demo_structure() -> None:
    org = _org()
    units = [r.event for r in org.units]
    assert all(isinstance(u, UnitUpserted) for u in units)
    departments = {u.unit_id for u in units if u.kind == UnitKind.DEPARTMENT}
    leaf_units = [u for u in units if u.kind == UnitKind.UNIT]
    assert len(departments) == 4
    assert len(leaf_units) == 8
    assert all(u.parent_id in departments for u in leaf_units)
    assert all(u.name_fi and u.name_sv and u.name_en for u in units)
    # Parents are published before their children.
    order = [u.unit_id for u in units]
    assert all(order.index(u.parent_id) < order.index(u.unit_id) for u in leaf_units)


def test_every_unit_has_a_change_agent_and_a_supervisor() -> None:
    org = _org()
    roles_by_unit: dict[str, set[str]] = defaultdict(set)
    for record in org.persons:
        person = record.event
        assert isinstance(person, PersonUpserted)
        roles_by_unit[person.unit_id].update(str(r) for r in person.roles)
    for record in org.units:
        unit = record.event
        assert isinstance(unit, UnitUpserted)
        if unit.kind == UnitKind.UNIT:
            assert {"change_agent", "supervisor"} <= roles_by_unit[unit.unit_id], unit.unit_id


def test_people_languages_roles_and_addresses() -> None:
    org = _org()
    people = [r.event for r in org.persons]
    assert 20 <= len(people) <= 30
    assert all(isinstance(p, PersonUpserted) for p in people)
    assert {p.language for p in people} == {"fi", "sv", "en"}  # type: ignore[union-attr]
    assert all(p.person_id.startswith("p-") for p in people)
    for person in people:
        assert isinstance(person, PersonUpserted)
        first, last = person.display_name.lower().split(" ", 1)
        ascii_name = str.maketrans("äöå", "aoa")
        assert person.email == (
            f"{first.translate(ascii_name)}.{last.translate(ascii_name)}@kuusijarvi.example"
        )
    all_roles: set[str] = set()
    for record in org.persons:
        roles, _units = hr_records.person_claims(org, record.event.aggregate_id())
        all_roles.update(roles)
    assert all_roles == set(KNOWN_ROLES)
    committee = [p for p in people if "committee_member" in p.roles]  # type: ignore[union-attr]
    assert len(committee) >= 4


def test_demo_csv_columns_are_the_documented_ones() -> None:
    rows = [
        row
        for row in csv.reader(io.StringIO(hr_records.demo_csv_text()))
        if row and not row[0].startswith("#")
    ]
    assert tuple(rows[0]) == hr_records.COLUMNS
    assert all(len(row) == len(hr_records.COLUMNS) for row in rows)
