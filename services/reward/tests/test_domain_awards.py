"""Award rules without I/O: the chain per amount and role, who may approve a step, what a
proposal may be, and sharing a total to the cent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_reward.domain.awards import (
    ApprovalLevel,
    AwardKind,
    AwardRuleBroken,
    AwardRules,
    Proposal,
    StepState,
    chain,
    check_approver,
    check_levels,
    split,
)

LEVELS = [
    ApprovalLevel("supervisor", 10_000),
    ApprovalLevel("committee_member", 100_000),
    ApprovalLevel("management", None),
]
RULES = AwardRules(levels=LEVELS, currency="EUR", max_cents=1_000_000, max_days=5)


def roles_of(cents: int, levels: list[ApprovalLevel] = LEVELS) -> list[str]:
    return [level.role for level in chain(levels, cents)]


@pytest.mark.parametrize(
    ("cents", "roles"),
    [
        (0, ["supervisor"]),  # recognition still needs the first step
        (1, ["supervisor"]),
        (10_000, ["supervisor"]),  # exactly the limit is within it
        (10_001, ["supervisor", "committee_member"]),
        (100_000, ["supervisor", "committee_member"]),
        (100_001, ["supervisor", "committee_member", "management"]),
        (1_000_000, ["supervisor", "committee_member", "management"]),
    ],
)
def test_the_chain_climbs_to_the_first_level_covering_the_amount(
    cents: int, roles: list[str]
) -> None:
    assert roles_of(cents) == roles


def test_a_chain_without_an_unlimited_top_refuses_more_than_its_top() -> None:
    capped = LEVELS[:2]
    assert roles_of(100_000, capped) == ["supervisor", "committee_member"]
    with pytest.raises(AwardRuleBroken) as refused:
        chain(capped, 100_001)
    assert refused.value.rule == "approval_chain"


@pytest.mark.parametrize(
    "levels",
    [
        [],
        [ApprovalLevel("supervisor", None), ApprovalLevel("management", 100)],
        [ApprovalLevel("supervisor", 100), ApprovalLevel("management", 100)],
        [ApprovalLevel("supervisor", 200), ApprovalLevel("management", 100)],
        [ApprovalLevel("supervisor", 100), ApprovalLevel("supervisor", 200)],
    ],
)
def test_levels_must_rise_strictly_with_only_the_last_unlimited(
    levels: list[ApprovalLevel],
) -> None:
    with pytest.raises(ValueError, match="approval limits"):
        check_levels(levels)


def state(cents: int, decided_by: tuple[str, ...] = (), **kw: object) -> StepState:
    values: dict[str, object] = {
        "idea_unit_id": "u-kirjasto",
        "proposed_by": "p-proposer",
        "cents": cents,
        "roles": roles_of(cents),
        "decided_by": decided_by,
        "recipients": ("p-author",),
    }
    values.update(kw)
    return StepState(**values)  # type: ignore[arg-type]


def refusal(
    award: StepState,
    person: str,
    roles: set[str],
    units: frozenset[str] = frozenset({"u-kirjasto"}),
) -> str | None:
    try:
        check_approver(LEVELS, award, person, frozenset(roles), frozenset(units))
    except AwardRuleBroken as exc:
        assert exc.refusal == "forbidden"
        return exc.rule
    return None


def test_who_may_approve_each_step() -> None:
    small, large = state(5_000), state(50_000, ("p-sup",))
    assert refusal(small, "p-sup", {"supervisor"}) is None
    assert refusal(small, "p-sup", {"supervisor"}, units={"u-other"}) == "supervisor_unit"
    assert refusal(small, "p-cm", {"committee_member"}) == "step_role"
    assert refusal(small, "p-proposer", {"supervisor"}) == "own_proposal"
    assert refusal(small, "p-author", {"supervisor"}) == "own_award"
    # Step 2 of a 500 € award is the committee's: a supervisor is above their limit.
    assert refusal(large, "p-sup2", {"supervisor"}) == "approval_limit"
    assert refusal(large, "p-cm", {"committee_member"}) is None
    # One person, one step: holding both roles does not let the first approver go on.
    assert refusal(large, "p-sup", {"supervisor", "committee_member"}) == "earlier_step"
    # Management's unlimited approval is not the committee's step.
    assert refusal(large, "p-mg", {"management"}) == "step_role"


def test_limits_lowered_after_the_proposal_refuse_the_last_step() -> None:
    award = state(50_000, ("p-sup",))
    lowered = [ApprovalLevel("supervisor", 10_000), ApprovalLevel("committee_member", 20_000)]
    with pytest.raises(AwardRuleBroken) as refused:
        check_approver(lowered, award, "p-cm", frozenset({"committee_member"}), frozenset())
    assert refused.value.rule == "approval_limit"


@pytest.mark.parametrize(
    ("kind", "cents", "currency", "days", "recipients", "rule"),
    [
        (AwardKind.MONEY, 0, "EUR", None, ["p-1"], "amount_positive"),
        (AwardKind.MONEY, -100, "EUR", None, ["p-1"], "amount_positive"),
        (AwardKind.GIFT, 1_000_001, "EUR", None, ["p-1"], "amount_maximum"),
        (AwardKind.MONEY, 100, "SEK", None, ["p-1"], "currency"),
        (AwardKind.RECOGNITION, 100, "EUR", None, ["p-1"], "amount_none"),
        (AwardKind.DAY_OFF, 0, "EUR", None, ["p-1"], "days"),
        (AwardKind.DAY_OFF, 0, "EUR", 6, ["p-1"], "days"),
        (AwardKind.MONEY, 100, "EUR", 1, ["p-1"], "days"),
        (AwardKind.MONEY, 100, "EUR", None, ["p-1", "p-9"], "recipient_not_author"),
        (AwardKind.MONEY, 100, "EUR", None, ["p-1", "p-1"], "recipients"),
    ],
)
def test_bad_proposals_name_the_rule(
    kind: AwardKind,
    cents: int,
    currency: str,
    days: int | None,
    recipients: list[str],
    rule: str,
) -> None:
    with pytest.raises(AwardRuleBroken) as refused:
        RULES.check(Proposal(kind, cents, currency, days, recipients), ["p-1", "p-2"])
    assert refused.value.rule == rule
    assert refused.value.refusal == "invalid"


def test_good_proposals_pass() -> None:
    authors = ["p-1", "p-2"]
    RULES.check(Proposal(AwardKind.MONEY, 1_000_000, "EUR", None, ["p-2"]), authors)
    RULES.check(Proposal(AwardKind.DAY_OFF, 0, "EUR", 5, authors), authors)
    RULES.check(Proposal(AwardKind.RECOGNITION, 0, "EUR", None, authors), authors)


def test_the_remainder_goes_to_the_first_recipients() -> None:
    assert split(1000, ["a", "b", "c"]) == [("a", 334), ("b", 333), ("c", 333)]
    assert split(1001, ["a", "b", "c"]) == [("a", 334), ("b", 334), ("c", 333)]
    assert split(0, ["a", "b"]) == [("a", 0), ("b", 0)]


@given(
    cents=st.integers(min_value=0, max_value=10**10),
    people=st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=50, unique=True),
)
def test_a_split_never_loses_or_invents_a_cent(cents: int, people: list[str]) -> None:
    shares = split(cents, people)
    assert [person for person, _ in shares] == people
    assert sum(share for _, share in shares) == cents
    amounts = [share for _, share in shares]
    assert max(amounts) - min(amounts) <= 1
    assert amounts == sorted(amounts, reverse=True)
