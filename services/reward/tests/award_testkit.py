"""Builders shared by the award tests: an idea with its organisation, people by role, and
running a use case as a person in its own transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select

from ideapaja_contracts import Event
from ideapaja_reward.db.models import BudgetRow, OrgUnitRow, RewardGrant, RewardIdea
from ideapaja_reward.domain.awards import AwardKind
from ideapaja_reward.settings import RewardSettings
from ideapaja_reward.usecases.awards import AwardInput
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.testing import RecordingOutbox, fast_test_settings, uow_in
from ideapaja_runtime.uow import UnitOfWork

T = TypeVar("T")
KIRJASTO = "u-kirjasto"
SIVI = "u-sivi"  # the education and culture department the library belongs to
YEAR = datetime.now(UTC).year
SETTINGS = RewardSettings.model_validate(fast_test_settings())


def person(person_id: str, *roles: str, units: tuple[str, ...] = ()) -> Principal:
    return Principal(person_id, frozenset(roles), frozenset(units))


SUPERVISOR = person("p-sup", "supervisor", units=(KIRJASTO,))
OTHER_SUPERVISOR = person("p-sup-x", "supervisor", units=("u-uimahalli",))
COMMITTEE = person("p-cm", "committee_member")
COMMITTEE_2 = person("p-cm2", "committee_member")
MANAGEMENT = person("p-mg", "management")
HR = person("p-hr", "hr")


async def seed_idea(
    db: Database,
    idea_id: str = "i-1",
    *,
    authors: tuple[str, ...] = ("p-1", "p-2", "p-3"),
    anonymous: bool = False,
    budget: str | None = "5000.00",
) -> None:
    """An idea of the library (in the SIVI department), and SIVI's budget for this year."""
    now = datetime.now(UTC)
    async with db.transaction() as session:
        for unit_id, kind, parent in ((SIVI, "department", None), (KIRJASTO, "unit", SIVI)):
            if await session.get(OrgUnitRow, unit_id) is None:
                session.add(
                    OrgUnitRow(
                        unit_id=unit_id, kind=kind, parent_id=parent, name_fi=unit_id, as_of=now
                    )
                )
        session.add(
            RewardIdea(
                idea_id=idea_id,
                title="Idea",
                unit_id=KIRJASTO,
                author_ids=list(authors),
                anonymous=anonymous,
                submitted_at=now,
            )
        )
        if budget is not None and await session.get(BudgetRow, (SIVI, YEAR)) is None:
            session.add(
                BudgetRow(
                    department_id=SIVI,
                    year=YEAR,
                    amount_cents=round(Decimal(budget) * 100),
                    committed_cents=0,
                    currency="EUR",
                    updated_by="p-hr",
                    updated_at=now,
                )
            )


def proposal(
    amount: str = "50.00",
    *,
    kind: AwardKind = AwardKind.MONEY,
    idea_id: str = "i-1",
    recipients: list[str] | None = None,
    currency: str = "EUR",
    days: int | None = None,
) -> AwardInput:
    return AwardInput(
        idea_id=idea_id,
        kind=kind,
        amount=Decimal(amount),
        currency=currency,
        days=days,
        recipient_ids=recipients,
        justification="Saved the library 2 000 € a year",
    )


async def as_person(
    db: Database,
    actor: Principal,
    work: Callable[[UnitOfWork[RewardSettings]], Awaitable[T]],
    *,
    settings: RewardSettings = SETTINGS,
    outbox: Outbox | None = None,
) -> tuple[T, list[Event]]:
    """Run ``work`` as ``actor`` in its own committed transaction; what it published too (kept
    in memory, unless a real ``outbox`` is given: then stored for the relay)."""
    recording = RecordingOutbox("/ideapaja/reward")
    async with db.transaction() as session:
        result = await work(uow_in(session, settings, actor=actor, outbox=outbox or recording))
    return result, recording.events


async def grants_of(db: Database, **where: Any) -> list[RewardGrant]:
    async with db.transaction() as session:
        query = select(RewardGrant).filter_by(**where).order_by(RewardGrant.person_id)
        return list((await session.scalars(query)).all())


async def budget_of(db: Database) -> tuple[int, int]:
    async with db.transaction() as session:
        row = await session.get(BudgetRow, (SIVI, YEAR))
        assert row is not None
        return row.amount_cents, row.committed_cents
