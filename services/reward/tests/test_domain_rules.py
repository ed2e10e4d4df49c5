"""Incentive rules as data: validating a rule set, and reading it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_reward.domain import (
    DEFAULT_POINTS_RULES,
    InvalidRules,
    Outcome,
    Period,
    RuleSet,
    TeamMode,
    amount_from_cents,
)
from ideapaja_reward.domain.rules import MAX_POINTS_PER_RULE, reason_code, reason_code_of_origin

valid_points = st.integers(min_value=0, max_value=MAX_POINTS_PER_RULE)
cap_points = st.integers(min_value=1, max_value=MAX_POINTS_PER_RULE)
rule_sets = st.builds(
    RuleSet,
    points=st.dictionaries(st.sampled_from(list(Outcome)), valid_points),
    unit_points=st.dictionaries(st.just("practice_adopted"), valid_points),
    cap_per_person=st.none()
    | st.fixed_dictionaries({"period": st.sampled_from(list(Period)), "points": cap_points}),
    cap_per_idea=st.dictionaries(
        st.sampled_from(["support_received", "comment_answered"]), cap_points
    ),
    team_mode=st.sampled_from(list(TeamMode)),
)


class TestParse:
    def test_default_rules_are_todays(self) -> None:
        rules = RuleSet.default()
        assert rules.points_for(Outcome.SUBMITTED) == 5
        assert rules.points_for(Outcome.ACCEPTED) == 50
        assert rules.points_for(Outcome.IMPLEMENTED) == 100
        assert rules.points_for(Outcome.SUPPORT_RECEIVED) == 0
        assert rules.team_mode is TeamMode.SHARED
        assert rules.cap_per_person is None
        assert rules.as_json()["points"] == dict(DEFAULT_POINTS_RULES)

    def test_the_setting_may_be_points_alone_or_a_whole_rule_set(self) -> None:
        alone = RuleSet.from_setting({"accepted": 10})
        whole = RuleSet.from_setting(
            {"points": {"accepted": 10}, "team_mode": "split", "cap_per_person": None}
        )
        assert alone.points_for(Outcome.ACCEPTED) == whole.points_for(Outcome.ACCEPTED) == 10
        assert (alone.team_mode, whole.team_mode) == (TeamMode.SHARED, TeamMode.SPLIT)

    def test_an_absent_rule_awards_nothing(self) -> None:
        rules = RuleSet.from_setting({"accepted": 10})
        assert rules.points_for(Outcome.SUBMITTED) == 0
        assert rules.unit_points_for(Outcome.PRACTICE_ADOPTED) == 0
        assert rules.idea_cap(Outcome.SUPPORT_RECEIVED) is None

    def test_caps_and_unit_points_are_read_by_outcome(self) -> None:
        rules = RuleSet.parse(
            {
                "unit_points": {"practice_adopted": 30},
                "cap_per_idea": {"support_received": 10},
            }
        )
        assert rules.unit_points_for(Outcome.PRACTICE_ADOPTED) == 30
        assert rules.unit_points_for(Outcome.ACCEPTED) == 0
        assert rules.idea_cap(Outcome.SUPPORT_RECEIVED) == 10
        assert rules.idea_cap(Outcome.COMMENT_ANSWERED) is None
        assert rules.idea_cap(Outcome.ACCEPTED) is None

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ({"approved": 5}, "points.approved: Input should be 'submitted', 'accepted'"),
            ({"Accepted": 5}, "points.Accepted: Input should be"),
            ({"accepted": -1}, "points.accepted: Input should be greater than or equal to 0"),
            ({"accepted": MAX_POINTS_PER_RULE + 1}, "points.accepted: Input should be less than"),
            ({"accepted": 2.5}, "points.accepted: Input should be a valid integer"),
            ({"accepted": "50"}, "points.accepted: Input should be a valid integer"),
            ({"accepted": True}, "points.accepted: Input should be a valid integer"),
            ({"accepted": None}, "points.accepted: Input should be a valid integer"),
            ({"points": {}, "unit_points": {"accepted": 1}}, "unit_points.accepted: Input should"),
            ({"points": {}, "cap_per_idea": {"accepted": 1}}, "cap_per_idea.accepted: Input"),
            ({"points": {}, "cap_per_idea": {"support_received": 0}}, "cap_per_idea.support_rec"),
            (
                {"points": {}, "cap_per_person": {"period": "week", "points": 10}},
                "cap_per_person.period: Input should be 'month', 'quarter' or 'year'",
            ),
            (
                {"points": {}, "cap_per_person": {"period": "month", "points": 0}},
                "cap_per_person.points: Input should be greater than or equal to 1",
            ),
            ({"points": {}, "team_mode": "each"}, "team_mode: Input should be 'shared' or 'split'"),
            ({"points": {}, "bonus": 1}, "bonus: Extra inputs are not permitted"),
        ],
    )
    def test_invalid_rules_name_the_rule_broken(self, raw: dict[str, object], message: str) -> None:
        with pytest.raises(InvalidRules) as raised:
            RuleSet.from_setting(raw)
        assert message in str(raised.value)

    def test_every_problem_is_reported_at_once(self) -> None:
        with pytest.raises(InvalidRules) as raised:
            RuleSet.from_setting({"bogus": 1, "submitted": -5})
        assert "points.bogus" in str(raised.value) and "points.submitted" in str(raised.value)

    def test_not_a_mapping(self) -> None:
        with pytest.raises(InvalidRules, match="must be a JSON object"):
            RuleSet.from_setting([("accepted", 5)])

    @given(rule_sets)
    def test_a_rule_set_round_trips_through_its_json(self, rules: RuleSet) -> None:
        assert RuleSet.model_validate(rules.as_json()) == rules


class TestReasons:
    def test_reason_codes_are_stable(self) -> None:
        assert reason_code(Outcome.ACCEPTED) == "idea_accepted"
        assert reason_code(Outcome.EXPERIMENT_STARTED) == "idea_experiment_started"
        assert reason_code_of_origin("rule:support_received") == "idea_support_received"
        assert reason_code_of_origin("rule:bogus") is None
        assert reason_code_of_origin("award:a-1") is None


def test_amounts_have_two_decimals() -> None:
    assert str(amount_from_cents(0)) == "0.00"
    assert str(amount_from_cents(12345)) == "123.45"
