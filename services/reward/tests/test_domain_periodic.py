"""Periodic awards' pure rules: a round's period, the points setting, the vote's leader."""

from __future__ import annotations

import pytest

from ideapaja_contracts.periods import InvalidPeriod
from ideapaja_reward.domain.periodic import (
    AwardKind,
    leader,
    parse_periodic_points,
    round_period,
    tally,
)

pytestmark = pytest.mark.unit


def test_a_round_covers_a_month_or_a_year() -> None:
    assert round_period(AwardKind.IDEA_OF_THE_MONTH, "2026-11").label == "2026-11"
    assert round_period(AwardKind.IDEA_OF_THE_YEAR, "2026").label == "2026"
    assert round_period(AwardKind.UNIT_OF_THE_YEAR, "2026").label == "2026"
    with pytest.raises(InvalidPeriod, match="per month: write 2026-11"):
        round_period(AwardKind.IDEA_OF_THE_MONTH, "2026")
    with pytest.raises(InvalidPeriod, match="per year"):
        round_period(AwardKind.UNIT_OF_THE_YEAR, "2026-Q1")


def test_reasons_and_kinds() -> None:
    assert AwardKind.IDEA_OF_THE_MONTH.reason == "Idea of the month"
    assert not AwardKind.UNIT_OF_THE_YEAR.for_ideas


def test_points_setting() -> None:
    assert parse_periodic_points({"idea_of_the_month": 0}) == {
        "idea_of_the_month": 0,
        "idea_of_the_year": 1000,
    }
    for bad in ({"unit_of_the_year": 5}, {"idea_of_the_year": -1}, {"idea_of_the_year": True}, []):
        with pytest.raises(ValueError, match="periodic points"):
            parse_periodic_points(bad)


def test_the_leader_is_the_one_with_most_votes_and_a_tie_has_none() -> None:
    assert leader(tally(["i-1", "i-2", "i-1"])) == "i-1"
    assert leader(tally(["i-1", "i-2"])) is None
    assert leader(tally([])) is None
    assert leader(tally(["i-9"])) == "i-9"
