"""A minimal service used to test the runtime on a real NATS server and real databases."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import IdeaSubmitted, IdeaWithdrawn
from ideapaja_runtime.auth import CurrentPrincipal, Principal, require_roles
from ideapaja_runtime.iplimits import SUBMISSIONS, per_ip
from ideapaja_runtime.messaging import HandlerContext, RetryLater, Subscription
from ideapaja_runtime.service import Runtime, ServiceSpec
from ideapaja_runtime.settings import ServiceSettings

metadata = MetaData()
effects = Table(
    "effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idea_id", String(64)),
    Column("event_id", String(64)),
)


class SampleSettings(ServiceSettings):
    model_config = {"env_prefix": "IDEAPAJA_SAMPLE_"}


class Behaviour:
    """What the handler does, switchable per test."""

    def __init__(self) -> None:
        self.fail_for: set[str] = set()
        self.calls: list[str] = []
        self.withdraw_on_submit = False
        self.slow_seconds = 0.0
        self.not_yet: set[str] = set()


router = APIRouter(tags=["sample"])


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=50)


@router.get("/whoami", summary="Who the token says the caller is")
async def whoami(principal: CurrentPrincipal) -> dict[str, object]:
    return {"person_id": principal.person_id, "roles": sorted(principal.roles)}


@router.post("/notes", summary="Admins only: echo a short note", status_code=201)
async def add_note(note: Note, principal: Principal = require_roles("admin")) -> Note:
    return note


@router.post(
    "/pings",
    summary="Anyone signed in: a request counted per client IP",
    status_code=201,
    dependencies=[per_ip(SUBMISSIONS)],
)
async def ping(principal: CurrentPrincipal) -> dict[str, str]:
    return {"person_id": principal.person_id}


def build(behaviour: Behaviour) -> ServiceSpec:
    async def record_submission(event: IdeaSubmitted, ctx: HandlerContext) -> None:
        behaviour.calls.append(event.idea_id)
        if event.idea_id in behaviour.not_yet:
            raise RetryLater(f"{event.idea_id} depends on something not seen yet")
        if behaviour.slow_seconds:
            await asyncio.sleep(behaviour.slow_seconds)
        await ctx.session.execute(
            effects.insert().values(idea_id=event.idea_id, event_id=ctx.envelope.id)
        )
        if event.idea_id in behaviour.fail_for:
            raise RuntimeError(f"simulated failure for {event.idea_id}")
        if behaviour.withdraw_on_submit:
            await ctx.publish(
                IdeaWithdrawn(idea_id=event.idea_id, withdrawn_by="p-1", reason="test")
            )

    def subscriptions(_runtime: Runtime) -> Sequence[Subscription]:
        return [Subscription("submissions", {IdeaSubmitted: record_submission})]

    return ServiceSpec(
        name="sample",
        title="Sample",
        default_port=0,
        settings_class=SampleSettings,
        routers=[router],
        subscriptions=subscriptions,
        migrations=Path(__file__).parent / "migrations",
    )


async def count_effects(session: AsyncSession, idea_id: str) -> int:
    result = await session.execute(
        select(func.count()).select_from(effects).where(effects.c.idea_id == idea_id)
    )
    return int(result.scalar_one())
