"""The rule engine: shares, splitting, caps and periods, and the deterministic ids (properties)."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_reward.domain import (
    Award,
    Earned,
    Outcome,
    Period,
    RuleSet,
    award,
    entry_id,
    grant_id,
    period_bounds,
    shares,
    split,
)
from ideapaja_reward.domain.engine import PERIOD_ZONE, unit_award
from ideapaja_reward.domain.rules import MAX_POINTS_PER_RULE, PER_EVENT

person_ids = st.from_regex(r"p-[0-9]{1,6}", fullmatch=True)
authors = st.lists(person_ids, min_size=1, max_size=20, unique=True)
points = st.integers(min_value=0, max_value=MAX_POINTS_PER_RULE)
keys = st.text(min_size=1, max_size=40)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


class TestShares:
    def test_shared_every_author_gets_the_full_points(self) -> None:
        rules = RuleSet.default()
        assert shares(rules, Outcome.ACCEPTED, ["p-1", "p-2", "p-3"], "k") == [
            ("p-1", 50),
            ("p-2", 50),
            ("p-3", 50),
        ]

    def test_an_author_listed_twice_shares_once(self) -> None:
        assert [
            p for p, _ in shares(RuleSet.default(), Outcome.SUBMITTED, ["p-2", "p-1", "p-2"], "k")
        ] == [
            "p-2",
            "p-1",
        ]

    def test_a_rule_that_is_off_shares_nothing(self) -> None:
        rules = RuleSet.from_setting({"submitted": 0})
        assert all(shares(rules, o, ["p-1"], "k") == [] for o in Outcome)

    def test_split_divides_and_leaves_out_empty_shares(self) -> None:
        rules = RuleSet.parse({"points": {"accepted": 10}, "team_mode": "split"})
        assert sorted(
            s for _, s in shares(rules, Outcome.ACCEPTED, ["p-1", "p-2", "p-3"], "k")
        ) == [3, 3, 4]
        tiny = RuleSet.parse({"points": {"support_received": 1}, "team_mode": "split"})
        [(_, one)] = shares(tiny, Outcome.SUPPORT_RECEIVED, ["p-1", "p-2"], "k")
        assert one == 1

    @given(points, authors, keys)
    def test_splitting_never_loses_or_invents_a_point(
        self, total: int, people: list[str], key: str
    ) -> None:
        parts = split(total, people, key)
        assert sum(share for _, share in parts) == total
        assert [p for p, _ in parts] == people
        assert max(s for _, s in parts) - min(s for _, s in parts) <= 1
        assert parts == split(total, people, key)  # deterministic

    @given(points, authors, keys)
    def test_split_shares_sum_to_the_rules_points(
        self, total: int, people: list[str], key: str
    ) -> None:
        rules = RuleSet.parse({"points": {"implemented": total}, "team_mode": "split"})
        assert sum(s for _, s in shares(rules, Outcome.IMPLEMENTED, people, key)) == total

    def test_the_remainder_does_not_always_fall_on_the_first_author(self) -> None:
        firsts = {split(1, ["p-1", "p-2", "p-3"], f"i-{n}")[0][1] for n in range(30)}
        assert firsts == {0, 1}

    def test_a_units_award_is_for_the_unit(self) -> None:
        rules = RuleSet.parse({"unit_points": {"practice_adopted": 20}})
        assert unit_award(rules, Outcome.PRACTICE_ADOPTED) == Award(
            None, Outcome.PRACTICE_ADOPTED, 20
        )
        assert unit_award(rules, Outcome.ACCEPTED) is None
        assert unit_award(RuleSet.default(), Outcome.PRACTICE_ADOPTED) is None


class TestCaps:
    def test_a_cap_cuts_the_points_and_says_from_what(self) -> None:
        rules = RuleSet.parse(
            {"points": {"accepted": 50}, "cap_per_person": {"period": "month", "points": 60}}
        )
        assert award(rules, Outcome.ACCEPTED, "p-1", 50, Earned(in_period=30)) == Award(
            "p-1", Outcome.ACCEPTED, 30, capped_from=50
        )
        assert award(rules, Outcome.ACCEPTED, "p-1", 50, Earned(in_period=60)).points == 0
        assert award(rules, Outcome.ACCEPTED, "p-1", 50, Earned(in_period=0)).capped_from is None

    def test_the_per_idea_cap_applies_to_its_outcome_only(self) -> None:
        rules = RuleSet.parse(
            {
                "points": {"support_received": 2, "accepted": 50},
                "cap_per_idea": {"support_received": 5},
            }
        )
        assert award(rules, Outcome.SUPPORT_RECEIVED, "p-1", 2, Earned(on_idea=4)).points == 1
        assert award(rules, Outcome.ACCEPTED, "p-1", 50, Earned(on_idea=400)).points == 50

    @given(
        st.sampled_from(list(Period)),
        st.integers(min_value=1, max_value=500),
        st.integers(min_value=1, max_value=100),
        st.lists(
            st.tuples(
                st.sampled_from(list(Outcome)),
                st.integers(min_value=0, max_value=300),  # the share before caps
                st.integers(min_value=0, max_value=3),  # which idea
                st.integers(min_value=0, max_value=800),  # days after the start
            ),
            max_size=40,
        ),
    )
    def test_totals_never_exceed_the_caps(
        self,
        period: Period,
        person_cap: int,
        idea_cap: int,
        happenings: list[tuple[Outcome, int, int, int]],
    ) -> None:
        """One person's awards, each computed from what the ledger so far holds (as the use case
        does): no period's total exceeds the person's cap, no idea's supports or answers exceed
        the per-idea cap, and every cut is recorded honestly."""
        rules = RuleSet.parse(
            {
                "cap_per_person": {"period": period.value, "points": person_cap},
                "cap_per_idea": {"support_received": idea_cap, "comment_answered": idea_cap},
            }
        )
        start = datetime(2026, 1, 1, tzinfo=UTC)
        ledger: list[tuple[datetime, int, Outcome, int]] = []
        for outcome, share, idea, days in happenings:
            at = start + timedelta(days=days)
            begin, end = period_bounds(period, at)
            earned = Earned(
                in_period=sum(p for t, _, _, p in ledger if begin <= t < end),
                on_idea=sum(p for _, i, o, p in ledger if i == idea and o is outcome),
            )
            given_award = award(rules, outcome, "p-1", share, earned)
            assert 0 <= given_award.points <= share
            assert (given_award.capped_from is not None) == (given_award.points < share)
            ledger.append((at, idea, outcome, given_award.points))
        per_period: dict[datetime, int] = defaultdict(int)
        per_idea: dict[tuple[int, Outcome], int] = defaultdict(int)
        for at, idea, outcome, credited in ledger:
            per_period[period_bounds(period, at)[0]] += credited
            if outcome in PER_EVENT:
                per_idea[idea, outcome] += credited
        assert all(total <= person_cap for total in per_period.values())
        assert all(total <= idea_cap for total in per_idea.values())


class TestPeriods:
    def test_a_month_is_a_calendar_month_in_helsinki(self) -> None:
        # 31 January 23:30 UTC is already 1 February in Helsinki.
        begin, end = period_bounds(Period.MONTH, datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
        assert begin == datetime(2026, 2, 1, tzinfo=PERIOD_ZONE)
        assert end == datetime(2026, 3, 1, tzinfo=PERIOD_ZONE)

    def test_quarters_and_years(self) -> None:
        at = datetime(2026, 11, 15, tzinfo=UTC)
        assert period_bounds(Period.QUARTER, at) == (
            datetime(2026, 10, 1, tzinfo=PERIOD_ZONE),
            datetime(2027, 1, 1, tzinfo=PERIOD_ZONE),
        )
        assert period_bounds(Period.YEAR, at) == (
            datetime(2026, 1, 1, tzinfo=PERIOD_ZONE),
            datetime(2027, 1, 1, tzinfo=PERIOD_ZONE),
        )

    @given(st.sampled_from(list(Period)), instants)
    def test_every_instant_is_in_its_period(self, period: Period, at: datetime) -> None:
        begin, end = period_bounds(period, at)
        assert begin <= at < end
        local = begin.astimezone(PERIOD_ZONE)
        assert (local.day, local.hour, local.minute) == (1, 0, 0)
        # The next period starts where this one ends.
        assert period_bounds(period, end)[0] == end


class TestIds:
    def test_ids_are_deterministic(self) -> None:
        assert grant_id("i-1", "p-1", "accepted") == grant_id("i-1", "p-1", "accepted")
        assert entry_id("i-1", "p-1", "accepted") == entry_id("i-1", "p-1", "accepted")

    def test_grant_id_is_the_documented_hash(self) -> None:
        digest = hashlib.sha256(b"i-1|p-1|accepted").hexdigest()[:24]
        assert grant_id("i-1", "p-1", "accepted") == "g-" + digest
        assert entry_id("i-1", "p-1", "accepted") == "pe-" + digest
        detailed = hashlib.sha256(b"i-1|p-1|support_received|p-9").hexdigest()[:24]
        assert entry_id("i-1", "p-1", "support_received", "p-9") == "pe-" + detailed

    @given(
        st.tuples(person_ids, person_ids, st.sampled_from(list(Outcome)), st.none() | person_ids),
        st.tuples(person_ids, person_ids, st.sampled_from(list(Outcome)), st.none() | person_ids),
    )
    def test_ids_differ_when_anything_differs(
        self, a: tuple[str, str, Outcome, str | None], b: tuple[str, str, Outcome, str | None]
    ) -> None:
        if a != b:
            assert grant_id(*a) != grant_id(*b)
            assert entry_id(*a) != entry_id(*b)

    def test_ids_are_valid_contract_ids(self) -> None:
        for make in (grant_id, entry_id):
            assert re.match(
                ID_PATTERN, make("i-" + "x" * 62, "p-" + "9" * 62, "implemented", "u-" + "1" * 62)
            )
