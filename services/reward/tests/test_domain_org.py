"""The unit hierarchy: units roll up to their department, departments to the city."""

from __future__ import annotations

from ideapaja_reward.domain.org import OrgUnit, ancestry, department_of, subtree

UNITS = {
    "d-sivistys": OrgUnit("d-sivistys", "department", None),
    "u-kirjasto": OrgUnit("u-kirjasto", "unit", "d-sivistys"),
    "u-lainaus": OrgUnit("u-lainaus", "unit", "u-kirjasto"),
    "d-tekninen": OrgUnit("d-tekninen", "department", None),
    "u-loop-a": OrgUnit("u-loop-a", "unit", "u-loop-b"),
    "u-loop-b": OrgUnit("u-loop-b", "unit", "u-loop-a"),
}


def test_a_unit_rolls_up_through_its_parents() -> None:
    assert ancestry("u-lainaus", UNITS) == ["u-lainaus", "u-kirjasto", "d-sivistys"]
    assert department_of("u-lainaus", UNITS) == "d-sivistys"
    assert department_of("d-tekninen", UNITS) == "d-tekninen"


def test_a_unit_hr_has_not_described_has_no_department() -> None:
    assert ancestry("u-unknown", UNITS) == ["u-unknown"]
    assert department_of("u-unknown", UNITS) is None


def test_a_cycle_in_hr_data_stops_instead_of_looping() -> None:
    assert ancestry("u-loop-a", UNITS) == ["u-loop-a", "u-loop-b"]
    assert department_of("u-loop-a", UNITS) is None


def test_a_department_subtree_holds_every_unit_below_it() -> None:
    assert subtree("d-sivistys", UNITS) == {"d-sivistys", "u-kirjasto", "u-lainaus"}
    assert subtree("u-lainaus", UNITS) == {"u-lainaus"}
