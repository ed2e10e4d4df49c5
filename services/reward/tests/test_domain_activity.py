"""Per-100 figures, roll-ups with distinct authors, the trend and the
ranking of units: pure rules."""

from __future__ import annotations

import pytest

from ideapaja_reward.domain.activity import Level, Organisation, RawFigures, per_100, ranked, rows
from ideapaja_reward.domain.org import OrgUnit

pytestmark = pytest.mark.unit


def test_per_100_never_divides_by_zero() -> None:
    assert per_100(3, 0) is None
    assert per_100(1, 3) == 33.33
    assert per_100(0, 10) == 0.0


# City ─ d-sivistys (department) ─ u-kirjasto, u-koulu ─ u-koulu-keittio; d-tekninen ─ u-katu;
# u-irrallinen has no department.
UNITS = {
    "d-sivistys": OrgUnit("d-sivistys", "department", None),
    "u-kirjasto": OrgUnit("u-kirjasto", "unit", "d-sivistys"),
    "u-koulu": OrgUnit("u-koulu", "unit", "d-sivistys"),
    "u-koulu-keittio": OrgUnit("u-koulu-keittio", "unit", "u-koulu"),
    "d-tekninen": OrgUnit("d-tekninen", "department", None),
    "u-katu": OrgUnit("u-katu", "unit", "d-tekninen"),
    "u-irrallinen": OrgUnit("u-irrallinen", "unit", None),
}
ORG = Organisation.of(UNITS)
NOW = {
    "u-kirjasto": RawFigures(20, frozenset({"p-1", "p-2"}), 3, 1, 0, 60),
    "u-koulu-keittio": RawFigures(5, frozenset({"p-2", "p-3"}), 2, 0, 1, 110),
    "u-katu": RawFigures(0, frozenset({"p-9"}), 1, 0, 0, 5),
    "u-irrallinen": RawFigures(10, frozenset(), 0, 0, 0, 0),
}
BEFORE = {"u-kirjasto": RawFigures(20, frozenset({"p-1"}), 1, 0, 0, 5)}


def _by_id(found: list) -> dict:  # type: ignore[type-arg]
    return {row.unit_id: row for row in found}


def test_unit_rows_are_each_units_own_figures_with_the_trend() -> None:
    found = _by_id(rows(Level.UNIT, NOW, BEFORE, ORG))
    assert set(found) == set(UNITS)  # every unit HR describes, with or without figures
    kirjasto = found["u-kirjasto"]
    assert (kirjasto.current.authors, kirjasto.current.authors_per_100) == (2, 10.0)
    assert (kirjasto.current.ideas_per_100, kirjasto.previous.ideas_per_100) == (15.0, 5.0)
    assert kirjasto.change.ideas_submitted == 2
    assert kirjasto.change.authors_per_100 == 5.0
    assert kirjasto.department_id == "d-sivistys"
    katu = found["u-katu"]
    assert (katu.current.authors, katu.current.authors_per_100) == (1, None)  # nobody counted
    assert katu.change.authors_per_100 is None
    assert found["u-koulu"].current.ideas_submitted == 0  # its sub-unit's ideas are not its own


def test_departments_roll_up_their_subtree_counting_each_author_once() -> None:
    found = _by_id(rows(Level.DEPARTMENT, NOW, BEFORE, ORG))
    assert set(found) == {"d-sivistys", "d-tekninen"}
    sivistys = found["d-sivistys"].current
    # p-2 wrote for the library and the school kitchen: one author of the department.
    assert (sivistys.authors, sivistys.ideas_submitted, sivistys.headcount) == (3, 5, 25)
    assert (sivistys.ideas_implemented, sivistys.points) == (1, 170)
    assert sivistys.authors_per_100 == 12.0
    assert found["d-tekninen"].current.authors_per_100 is None


def test_the_city_counts_every_unit_even_without_a_department() -> None:
    (city,) = rows(Level.CITY, NOW, BEFORE, ORG)
    assert city.unit_id is None
    assert (city.current.authors, city.current.headcount, city.current.ideas_submitted) == (
        4,
        35,
        6,
    )
    assert city.previous.authors == 1


def test_rows_can_be_limited_to_a_subtree() -> None:
    koulu = ORG.below(["u-koulu"])
    assert koulu == {"u-koulu", "u-koulu-keittio"}
    found = rows(Level.UNIT, NOW, BEFORE, ORG, within=koulu)
    assert [row.unit_id for row in found] == ["u-koulu", "u-koulu-keittio"]


def test_ranking_is_by_authors_then_ideas_per_100_and_leaves_out_the_uncounted() -> None:
    ranking = ranked(rows(Level.UNIT, NOW, {}, ORG))
    assert [row.unit_id for row in ranking] == ["u-koulu-keittio", "u-kirjasto", "u-irrallinen"]


def test_a_cycle_in_hrs_data_does_not_loop() -> None:
    looping = Organisation.of(
        {"a": OrgUnit("a", "department", "b"), "b": OrgUnit("b", "unit", "a")}
    )
    found = _by_id(rows(Level.DEPARTMENT, {"b": RawFigures(1, frozenset({"p"}), 1)}, {}, looping))
    assert found["a"].current.authors == 1
