"""Committee and supervisor awards: propose, approve step by step, reject; on the last approval
grant each recipient their share and announce it to payroll.

A step is decided once however requests race: the award's ``approved_steps`` moves from n to
n+1 only by a conditional update (the loser finds it moved and gets a 409), and the trail's key
(award, step) and the grants' key (idea, person, origin) stand behind it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import CursorResult, select, update

from ideapaja_contracts.events.reward import (
    AwardApproved,
    AwardProposed,
    AwardRejected,
    RewardKind,
)
from ideapaja_reward.authz import POLICY
from ideapaja_reward.db.models import AwardRow, AwardStepRow, RewardGrant, RewardIdea
from ideapaja_reward.db.org import load_units
from ideapaja_reward.domain import grant_id
from ideapaja_reward.domain.awards import (
    MONEY_KINDS,
    AwardKind,
    AwardRuleBroken,
    AwardStatus,
    Proposal,
    StepState,
    cents_of,
    check_approver,
    check_proposer,
    split,
)
from ideapaja_reward.domain.money import amount_from_cents
from ideapaja_reward.domain.org import department_of
from ideapaja_reward.usecases import budgets
from ideapaja_reward.usecases.payroll import AWARD_ORIGIN, announce_grant, payroll_zone
from ideapaja_runtime.authz import Scope
from ideapaja_runtime.errors import NotFound
from ideapaja_runtime.uow import UnitOfWork

APPROVED = "approved"
REJECTED = "rejected"


@dataclass(frozen=True)
class AwardInput:
    """A proposal as the caller sent it."""

    idea_id: str
    kind: AwardKind
    amount: Decimal
    currency: str
    days: int | None
    recipient_ids: list[str] | None  # None: every confirmed author
    justification: str


async def propose(uow: UnitOfWork[Any], given: AwardInput) -> AwardRow:
    """Propose an award for an idea's authors; money and gift cards hold budget at once."""
    idea = await uow.session.get(RewardIdea, given.idea_id)
    if idea is None:
        raise NotFound(f"No idea {given.idea_id} is known to the reward service.")
    person = uow.person
    if POLICY["awards.propose"].scope_for(person) is Scope.UNIT and (
        idea.unit_id not in person.unit_ids
    ):
        raise AwardRuleBroken(
            "proposer_unit",
            "a supervisor proposes awards for ideas of their own units only",
            refusal="forbidden",
        )
    rules = uow.settings.award_rules
    recipients = list(given.recipient_ids or idea.author_ids)
    proposal = Proposal(given.kind, cents_of(given.amount), given.currency, given.days, recipients)
    rules.check(proposal, idea.author_ids)
    check_proposer(person.person_id, recipients)
    steps = rules.steps(proposal.cents)
    department_id = department_of(idea.unit_id, await load_units(uow.session))
    year = uow.now.astimezone(payroll_zone(uow.settings)).year
    if given.kind in MONEY_KINDS:
        await budgets.hold(uow, department_id, year, proposal.cents)
    award = AwardRow(
        award_id=f"a-{uuid.uuid4().hex[:24]}",
        idea_id=idea.idea_id,
        unit_id=idea.unit_id,
        department_id=department_id,
        budget_year=year,
        kind=given.kind.value,
        amount_cents=proposal.cents,
        currency=given.currency,
        days=given.days,
        recipient_ids=recipients,
        justification=given.justification,
        proposed_by=person.person_id,
        proposed_at=uow.now,
        approval_roles=[step.role for step in steps],
        approved_steps=0,
        next_role=steps[0].role,
        status=AwardStatus.PENDING.value,
    )
    uow.session.add(award)
    await uow.session.flush()
    await uow.publish(
        AwardProposed(
            idea_id=award.idea_id,
            award_id=award.award_id,
            proposed_by=award.proposed_by,
            kind=RewardKind(award.kind),
            amount=amount_from_cents(award.amount_cents),
            currency=award.currency,
            recipient_ids=award.recipient_ids,
            justification=award.justification,
            days=award.days,
            approval_roles=award.approval_roles,
        )
    )
    return award


async def find_award(uow: UnitOfWork[Any], award_id: str) -> AwardRow:
    award = await uow.session.get(AwardRow, award_id)
    if award is None:
        raise NotFound(f"No award {award_id}.")
    return award


async def trail(uow: UnitOfWork[Any], award_id: str) -> list[AwardStepRow]:
    """The award's decisions so far, step by step."""
    rows = await uow.session.scalars(
        select(AwardStepRow).where(AwardStepRow.award_id == award_id).order_by(AwardStepRow.step)
    )
    return list(rows.all())


async def _waiting_step(uow: UnitOfWork[Any], award: AwardRow) -> StepState:
    """Where the award stands, once the acting person is found fit to decide its next step."""
    if award.status != AwardStatus.PENDING.value:
        raise AwardRuleBroken(
            "award_decided", f"the award is already {award.status}", refusal="conflict"
        )
    state = StepState(
        idea_unit_id=award.unit_id,
        proposed_by=award.proposed_by,
        cents=award.amount_cents,
        roles=award.approval_roles,
        decided_by=[step.decided_by for step in await trail(uow, award.award_id)],
        recipients=award.recipient_ids,
    )
    person = uow.person
    check_approver(
        uow.settings.award_rules.levels,
        state,
        person.person_id,
        person.roles,
        person.unit_ids,
    )
    return state


async def _advance(uow: UnitOfWork[Any], award: AwardRow, state: StepState, **values: Any) -> None:
    """Move the award on from the step it was at, or refuse: another decision came first."""
    result = await uow.session.execute(
        update(AwardRow)
        .where(
            AwardRow.award_id == award.award_id,
            AwardRow.status == AwardStatus.PENDING.value,
            AwardRow.approved_steps == state.next_step - 1,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        raise AwardRuleBroken(
            "award_changed",
            "another decision on this step came first; reload the award",
            refusal="conflict",
        )
    await uow.session.refresh(award)


async def approve(uow: UnitOfWork[Any], award_id: str, reason: str | None) -> AwardRow:
    """Approve the award's waiting step; the last step grants it."""
    award = await find_award(uow, award_id)
    state = await _waiting_step(uow, award)
    final = state.is_last
    await _advance(
        uow,
        award,
        state,
        approved_steps=state.next_step,
        next_role=None if final else award.approval_roles[state.next_step],
        status=(AwardStatus.APPROVED if final else AwardStatus.PENDING).value,
        decided_at=uow.now if final else None,
    )
    await _record_step(uow, award, state, APPROVED, reason)
    await uow.publish(
        AwardApproved(
            idea_id=award.idea_id,
            award_id=award.award_id,
            approved_by=uow.person.person_id,
            step=state.next_step,
            role=state.next_role,
            final=final,
        )
    )
    if final:
        await _grant(uow, award)
    return award


async def reject(uow: UnitOfWork[Any], award_id: str, reason: str) -> AwardRow:
    """Reject the award at its waiting step: it ends, and what it held of the budget is freed."""
    award = await find_award(uow, award_id)
    state = await _waiting_step(uow, award)
    await _advance(
        uow, award, state, status=AwardStatus.REJECTED.value, next_role=None, decided_at=uow.now
    )
    await _record_step(uow, award, state, REJECTED, reason)
    if award.kind in MONEY_KINDS:
        await budgets.release(uow, award.department_id, award.budget_year, award.amount_cents)
    await uow.publish(
        AwardRejected(
            idea_id=award.idea_id,
            award_id=award.award_id,
            rejected_by=uow.person.person_id,
            reason=reason,
            step=state.next_step,
        )
    )
    return award


async def _record_step(
    uow: UnitOfWork[Any], award: AwardRow, state: StepState, decision: str, reason: str | None
) -> None:
    uow.session.add(
        AwardStepRow(
            award_id=award.award_id,
            step=state.next_step,
            role=state.next_role,
            decision=decision,
            decided_by=uow.person.person_id,
            reason=reason,
            decided_at=uow.now,
        )
    )
    await uow.session.flush()


async def _grant(uow: UnitOfWork[Any], award: AwardRow) -> None:
    """One grant per recipient (their share of the amount, to the cent), each announced once."""
    origin = f"{AWARD_ORIGIN}{award.award_id}"
    money = award.kind in MONEY_KINDS
    for person_id, cents in split(award.amount_cents, award.recipient_ids):
        grant = RewardGrant(
            grant_id=grant_id(award.idea_id, person_id, origin),
            idea_id=award.idea_id,
            person_id=person_id,
            origin=origin,
            kind=award.kind,
            amount_cents=cents,
            currency=award.currency if money else None,
            points=0,
            reason=award.justification,
            ledger_entry_id=None,
            cause_event_id=award.award_id,
            granted_at=uow.now,
            unit_id=award.unit_id,
            department_id=award.department_id,
            taxable=uow.settings.taxable(award.kind),
            days=award.days,
        )
        uow.session.add(grant)
        await uow.session.flush()
        await announce_grant(uow, grant, f"award_{award.kind}")
