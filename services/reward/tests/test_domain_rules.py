"""Incentive rules: parsing the setting and firing rules per author."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_reward.domain import (
    DEFAULT_POINTS_RULES,
    Award,
    IncentiveRules,
    InvalidRules,
    Outcome,
    amount_from_cents,
    entry_id,
    grant_id,
)
from ideapaja_reward.domain.rules import MAX_POINTS_PER_RULE

person_ids = st.from_regex(r"p-[0-9]{1,6}", fullmatch=True)
valid_points = st.integers(min_value=0, max_value=MAX_POINTS_PER_RULE)
valid_rules = st.dictionaries(st.sampled_from([o.value for o in Outcome]), valid_points)


class TestParse:
    def test_default_rules(self) -> None:
        rules = IncentiveRules.default()
        assert rules.points_for(Outcome.SUBMITTED) == 5
        assert rules.points_for(Outcome.ACCEPTED) == 50
        assert rules.points_for(Outcome.IMPLEMENTED) == 100
        assert rules.as_dict() == dict(DEFAULT_POINTS_RULES)

    def test_absent_rule_awards_nothing(self) -> None:
        rules = IncentiveRules.parse({"accepted": 10})
        assert rules.points_for(Outcome.SUBMITTED) == 0
        assert rules.points_for(Outcome.IMPLEMENTED) == 0
        assert rules.awards(Outcome.SUBMITTED, ["p-1"]) == []

    def test_empty_rules_award_nothing_anywhere(self) -> None:
        rules = IncentiveRules.parse({})
        assert all(rules.awards(outcome, ["p-1", "p-2"]) == [] for outcome in Outcome)

    def test_zero_rule_awards_nothing(self) -> None:
        rules = IncentiveRules.parse({"submitted": 0, "accepted": 50})
        assert rules.awards(Outcome.SUBMITTED, ["p-1"]) == []
        assert rules.awards(Outcome.ACCEPTED, ["p-1"]) == [Award("p-1", Outcome.ACCEPTED, 50)]

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ({"approved": 5}, "unknown rule 'approved' (known rules: submitted, accepted, "),
            ({"Accepted": 5}, "unknown rule 'Accepted'"),
            ({"accepted": -1}, "accepted: points must be between 0 and 1000000"),
            ({"accepted": MAX_POINTS_PER_RULE + 1}, "accepted: points must be between 0 and"),
            ({"accepted": 2.5}, "accepted: points must be a whole number, got 2.5"),
            ({"accepted": "50"}, "accepted: points must be a whole number, got '50'"),
            ({"accepted": True}, "accepted: points must be a whole number, got True"),
            ({"accepted": None}, "accepted: points must be a whole number, got None"),
        ],
    )
    def test_invalid_rules_say_what_to_fix(self, raw: dict[str, object], message: str) -> None:
        with pytest.raises(InvalidRules) as raised:
            IncentiveRules.parse(raw)
        assert message in str(raised.value)

    def test_every_problem_is_reported_at_once(self) -> None:
        with pytest.raises(InvalidRules) as raised:
            IncentiveRules.parse({"bogus": 1, "submitted": -5})
        assert "'bogus'" in str(raised.value) and "submitted:" in str(raised.value)

    def test_not_a_mapping(self) -> None:
        with pytest.raises(InvalidRules, match="must be a JSON object"):
            IncentiveRules.parse([("accepted", 5)])  # type: ignore[arg-type]

    @given(valid_rules)
    def test_valid_rules_round_trip(self, raw: dict[str, int]) -> None:
        assert IncentiveRules.parse(raw).as_dict() == raw


class TestAwards:
    def test_every_author_gets_the_full_points(self) -> None:
        awards = IncentiveRules.default().awards(Outcome.ACCEPTED, ["p-1", "p-2", "p-3"])
        assert awards == [
            Award("p-1", Outcome.ACCEPTED, 50),
            Award("p-2", Outcome.ACCEPTED, 50),
            Award("p-3", Outcome.ACCEPTED, 50),
        ]

    def test_an_author_listed_twice_is_rewarded_once(self) -> None:
        awards = IncentiveRules.default().awards(Outcome.SUBMITTED, ["p-2", "p-1", "p-2"])
        assert [a.person_id for a in awards] == ["p-2", "p-1"]

    def test_reasons_are_stable_english(self) -> None:
        rules = IncentiveRules.default()
        reasons = {o: rules.awards(o, ["p-1"])[0].reason for o in Outcome}
        assert reasons == {
            Outcome.SUBMITTED: "Idea submitted",
            Outcome.ACCEPTED: "Idea accepted",
            Outcome.IMPLEMENTED: "Idea implemented",
        }

    @given(valid_rules, st.sampled_from(list(Outcome)), st.lists(person_ids, min_size=1))
    def test_awards_are_one_per_distinct_author(
        self, raw: dict[str, int], outcome: Outcome, authors: list[str]
    ) -> None:
        rules = IncentiveRules.parse(raw)
        awards = rules.awards(outcome, authors)
        points = raw.get(outcome.value, 0)
        if points == 0:
            assert awards == []
        else:
            assert [a.person_id for a in awards] == list(dict.fromkeys(authors))
            assert all(a.points == points and a.rule is outcome for a in awards)


class TestIds:
    def test_ids_are_deterministic(self) -> None:
        assert grant_id("i-1", "p-1", "accepted") == grant_id("i-1", "p-1", "accepted")
        assert entry_id("i-1", "p-1", "accepted") == entry_id("i-1", "p-1", "accepted")

    def test_grant_id_is_the_documented_hash(self) -> None:
        import hashlib

        digest = hashlib.sha256(b"i-1|p-1|accepted").hexdigest()[:24]
        assert grant_id("i-1", "p-1", "accepted") == "g-" + digest
        assert entry_id("i-1", "p-1", "accepted") == "pe-" + digest

    @given(
        st.tuples(person_ids, person_ids, st.sampled_from(list(Outcome))),
        st.tuples(person_ids, person_ids, st.sampled_from(list(Outcome))),
    )
    def test_ids_differ_when_anything_differs(
        self, a: tuple[str, str, Outcome], b: tuple[str, str, Outcome]
    ) -> None:
        if a != b:
            assert grant_id(*a) != grant_id(*b)
            assert entry_id(*a) != entry_id(*b)

    def test_ids_are_valid_contract_ids(self) -> None:
        for make in (grant_id, entry_id):
            assert re.match(ID_PATTERN, make("i-" + "x" * 62, "p-" + "9" * 62, "implemented"))


def test_amounts_have_two_decimals() -> None:
    assert str(amount_from_cents(0)) == "0.00"
    assert str(amount_from_cents(12345)) == "123.45"
