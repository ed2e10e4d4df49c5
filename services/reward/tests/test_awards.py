"""The approval chain per limit and role, budgets and grants, through the use cases on SQLite
and PostgreSQL (each step a person's own transaction, as a request's would be)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from award_testkit import (
    COMMITTEE,
    COMMITTEE_2,
    MANAGEMENT,
    OTHER_SUPERVISOR,
    SETTINGS,
    SIVI,
    SUPERVISOR,
    as_person,
    budget_of,
    grants_of,
    person,
    proposal,
    seed_idea,
)

from ideapaja_contracts.events.reward import (
    AwardApproved,
    AwardProposed,
    AwardRejected,
    RewardGranted,
)
from ideapaja_reward.domain import grant_id
from ideapaja_reward.domain.awards import AwardKind, AwardRuleBroken
from ideapaja_reward.usecases import awards
from ideapaja_reward.usecases.payroll import period_of
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.db import Database

PROPOSER = person("p-prop", "committee_member")


async def refused(db: Database, actor: Principal, award_id: str, *, reject: bool = False) -> str:
    async def decide(uow: object) -> object:
        if reject:
            return await awards.reject(uow, award_id, "no")  # type: ignore[arg-type]
        return await awards.approve(uow, award_id, None)  # type: ignore[arg-type]

    with pytest.raises(AwardRuleBroken) as refusal:
        await as_person(db, actor, decide)
    return refusal.value.rule


@pytest.mark.parametrize(
    ("amount", "chain"),
    [
        ("50.00", [SUPERVISOR]),
        ("100.00", [SUPERVISOR]),
        ("100.01", [SUPERVISOR, COMMITTEE]),
        ("1000.00", [SUPERVISOR, COMMITTEE]),
        ("4000.00", [SUPERVISOR, COMMITTEE, MANAGEMENT]),
    ],
)
async def test_the_approval_chain_per_limit_and_role(
    reward_db: Database, amount: str, chain: list[Principal]
) -> None:
    await seed_idea(reward_db)
    award, events = await as_person(
        reward_db, PROPOSER, lambda uow: awards.propose(uow, proposal(amount))
    )
    [proposed] = events
    assert isinstance(proposed, AwardProposed)
    assert proposed.approval_roles == [sorted(p.roles)[0] for p in chain]
    assert proposed.recipient_ids == ["p-1", "p-2", "p-3"]

    for step, approver in enumerate(chain, start=1):
        # Nobody else may take the step: the proposer, a wrong role, a supervisor elsewhere.
        assert await refused(reward_db, person("p-prop", *approver.roles), award.award_id) in {
            "own_proposal"
        }
        assert await refused(reward_db, OTHER_SUPERVISOR, award.award_id) in {
            "supervisor_unit",
            "approval_limit",
            "step_role",
        }
        assert await grants_of(reward_db) == []
        decided, events = await as_person(
            reward_db, approver, lambda uow: awards.approve(uow, award.award_id, "ok")
        )
        assert decided.approved_steps == step
        approved = [e for e in events if isinstance(e, AwardApproved)]
        assert [(a.step, a.final) for a in approved] == [(step, step == len(chain))]

    assert decided.status == "approved"
    assert await refused(reward_db, MANAGEMENT, award.award_id) == "award_decided"
    granted = [e for e in events if isinstance(e, RewardGranted)]
    cents = round(Decimal(amount) * 100)
    assert sum(g.amount for g in granted) == Decimal(amount)
    assert [round(g.amount * 100) for g in granted] == [
        cents // 3 + (1 if i < cents % 3 else 0) for i in range(3)
    ]
    first = granted[0]
    origin = f"award:{award.award_id}"
    assert first.grant_id == grant_id("i-1", "p-1", origin)
    assert (first.kind, first.currency, first.taxable) == ("money", "EUR", True)
    assert (first.unit_id, first.department_id) == ("u-kirjasto", SIVI)
    assert first.approval_trail_id == award.award_id
    assert first.reason_code == "award_money"
    assert first.period == period_of(SETTINGS, decided.decided_at)
    assert len(await grants_of(reward_db, origin=origin)) == 3


async def test_a_supervisor_cannot_take_the_committees_step(reward_db: Database) -> None:
    await seed_idea(reward_db)
    award, _ = await as_person(
        reward_db, PROPOSER, lambda uow: awards.propose(uow, proposal("500.00"))
    )
    await as_person(reward_db, SUPERVISOR, lambda uow: awards.approve(uow, award.award_id, None))
    second_supervisor = person("p-sup2", "supervisor", units=("u-kirjasto",))
    assert await refused(reward_db, second_supervisor, award.award_id) == "approval_limit"
    # Holding the committee role too does not make the first approver a second one.
    both = person("p-sup", "supervisor", "committee_member", units=("u-kirjasto",))
    assert await refused(reward_db, both, award.award_id) == "earlier_step"
    await as_person(reward_db, COMMITTEE_2, lambda uow: awards.approve(uow, award.award_id, None))
    assert len(await grants_of(reward_db)) == 3


async def test_budgets_hold_and_release(reward_db: Database) -> None:
    await seed_idea(reward_db, budget="600.00")
    big, _ = await as_person(
        reward_db, COMMITTEE, lambda uow: awards.propose(uow, proposal("500.00"))
    )
    assert await budget_of(reward_db) == (60_000, 50_000)
    with pytest.raises(AwardRuleBroken) as overrun:
        await as_person(reward_db, COMMITTEE, lambda uow: awards.propose(uow, proposal("100.01")))
    assert (overrun.value.rule, overrun.value.refusal) == ("budget_exceeded", "conflict")
    assert await budget_of(reward_db) == (60_000, 50_000)  # the refusal held nothing

    # Recognition and days off need no budget.
    await as_person(
        reward_db,
        COMMITTEE,
        lambda uow: awards.propose(uow, proposal("0", kind=AwardKind.RECOGNITION)),
    )
    _, events = await as_person(
        reward_db, SUPERVISOR, lambda uow: awards.reject(uow, big.award_id, "Not this year")
    )
    assert [type(e) for e in events] == [AwardRejected]
    assert await budget_of(reward_db) == (60_000, 0)
    await as_person(reward_db, COMMITTEE, lambda uow: awards.propose(uow, proposal("100.01")))
    assert await budget_of(reward_db) == (60_000, 10_001)


async def test_no_budget_for_the_year_refuses_money_only(reward_db: Database) -> None:
    await seed_idea(reward_db, budget=None)
    with pytest.raises(AwardRuleBroken) as refusal:
        await as_person(reward_db, COMMITTEE, lambda uow: awards.propose(uow, proposal("10.00")))
    assert refusal.value.rule == "no_budget"
    award, _ = await as_person(
        reward_db,
        COMMITTEE,
        lambda uow: awards.propose(uow, proposal("0", kind=AwardKind.DAY_OFF, days=2)),
    )
    assert award.approval_roles == ["supervisor"]
    _, events = await as_person(
        reward_db, SUPERVISOR, lambda uow: awards.approve(uow, award.award_id, None)
    )
    granted = [e for e in events if isinstance(e, RewardGranted)]
    assert {(g.kind, g.days, g.taxable, g.currency, g.amount) for g in granted} == {
        ("day_off", 2, False, None, Decimal("0.00"))
    }


async def test_who_may_propose_and_for_whom(reward_db: Database) -> None:
    await seed_idea(reward_db)
    cases = [
        (OTHER_SUPERVISOR, proposal(), "proposer_unit"),
        (person("p-1", "committee_member"), proposal(), "own_award"),
        (COMMITTEE, proposal(recipients=["p-1", "p-9"]), "recipient_not_author"),
        (COMMITTEE, proposal(currency="SEK"), "currency"),
        (COMMITTEE, proposal("-5.00"), "amount_positive"),
        (COMMITTEE, proposal("10000.01"), "amount_maximum"),
    ]
    for actor, given, rule in cases:
        with pytest.raises(AwardRuleBroken) as refusal:
            await as_person(reward_db, actor, lambda uow, g=given: awards.propose(uow, g))
        assert refusal.value.rule == rule
    # A supervisor proposes for their own unit's idea, for some of its authors.
    award, _ = await as_person(
        reward_db, SUPERVISOR, lambda uow: awards.propose(uow, proposal(recipients=["p-2"]))
    )
    assert award.recipient_ids == ["p-2"]
    assert await budget_of(reward_db) == (500_000, 5_000)
