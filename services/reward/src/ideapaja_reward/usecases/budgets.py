"""Department award budgets per year: set by HR, held by pending and approved money awards.

``committed_cents`` moves only through conditional updates (``hold`` succeeds only while enough
is left), so two proposals at once can never overrun a budget on either database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, select, update

from ideapaja_reward.award_schemas import BudgetPublic
from ideapaja_reward.db.models import BudgetRow
from ideapaja_reward.domain.awards import AwardRuleBroken
from ideapaja_reward.domain.money import amount_from_cents
from ideapaja_runtime.pagination import Page, PageRequest, page_of
from ideapaja_runtime.uow import UnitOfWork


async def set_budget(
    uow: UnitOfWork[Any], department_id: str, year: int, amount_cents: int, currency: str
) -> BudgetRow:
    """Set a department's budget for a year (never below what awards already hold)."""
    expected = uow.settings.award_currency
    if currency != expected:
        raise AwardRuleBroken(
            "currency", f"budgets are in {expected}, not {currency}", field="currency"
        )
    row = await uow.session.get(BudgetRow, (department_id, year), with_for_update=True)
    if row is None:
        row = BudgetRow(department_id=department_id, year=year, committed_cents=0)
        uow.session.add(row)
    elif amount_cents < row.committed_cents:
        raise AwardRuleBroken(
            "budget_below_committed",
            f"awards already hold {amount_from_cents(row.committed_cents)} of this budget",
            refusal="conflict",
        )
    row.amount_cents = amount_cents
    row.currency = currency
    row.updated_by = uow.person.person_id
    row.updated_at = uow.now
    await uow.session.flush()
    return row


async def budgets(uow: UnitOfWork[Any], year: int, page: PageRequest) -> Page[BudgetPublic]:
    """The departments' budgets for ``year``, by department."""
    return await page_of(
        uow.session,
        select(BudgetRow).where(BudgetRow.year == year),
        keys=[BudgetRow.department_id.expression, BudgetRow.year.expression],
        page=page,
        item=BudgetPublic.of,
        descending=False,
    )


async def hold(uow: UnitOfWork[Any], department_id: str | None, year: int, cents: int) -> None:
    """Commit ``cents`` of the department's budget for ``year``, or refuse (409) naming why."""
    if department_id is None:
        raise AwardRuleBroken(
            "no_budget",
            "the idea's unit belongs to no department HR has described, so no budget pays",
            refusal="conflict",
        )
    moved = await _move(
        uow,
        department_id,
        year,
        cents,
        BudgetRow.amount_cents - BudgetRow.committed_cents >= cents,
    )
    if moved:
        return
    row = await uow.session.get(BudgetRow, (department_id, year), populate_existing=True)
    if row is None:
        raise AwardRuleBroken(
            "no_budget", f"department {department_id} has no budget for {year}", refusal="conflict"
        )
    left = amount_from_cents(row.amount_cents - row.committed_cents)
    raise AwardRuleBroken(
        "budget_exceeded",
        f"department {department_id} has {left} left of its {year} budget",
        refusal="conflict",
    )


async def release(uow: UnitOfWork[Any], department_id: str | None, year: int, cents: int) -> None:
    """Give back what a rejected award held."""
    if department_id is not None:
        await _move(uow, department_id, year, -cents, BudgetRow.committed_cents >= cents)


async def _move(
    uow: UnitOfWork[Any], department_id: str, year: int, cents: int, condition: Any
) -> bool:
    result = await uow.session.execute(
        update(BudgetRow)
        .where(BudgetRow.department_id == department_id, BudgetRow.year == year, condition)
        .values(committed_cents=BudgetRow.committed_cents + cents)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return bool(result.rowcount == 1)
