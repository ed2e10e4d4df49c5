"""A minimal service used to test the runtime on a real NATS server and real databases."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ideapaja_contracts.events.idea import IdeaSubmitted, IdeaWithdrawn
from ideapaja_runtime.auth import CurrentPrincipal, Principal, require_roles
from ideapaja_runtime.authz import AUTHENTICATED, Policy, Role, allow
from ideapaja_runtime.errors import Conflict
from ideapaja_runtime.iplimits import SUBMISSIONS, per_ip
from ideapaja_runtime.messaging import HandlerContext, RetryLater, Subscription
from ideapaja_runtime.problems import Problem
from ideapaja_runtime.routes import Actor, Uow, service_router
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


# --- Routes on the unit of work (ideapaja_runtime.routes) ------------------------------------

POLICY = Policy(
    "sample",
    [
        allow("effects.record", {Role.EMPLOYEE}, "Record an effect"),
        allow("effects.read", AUTHENTICATED, "Count effects"),
    ],
)
uow_router = service_router(prefix="/effects", tags=["effects"])


class EffectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    idea_id: str = Field(min_length=1, max_length=64)


class StaleIdea(Exception):
    """A service's own exception, mapped once in its spec."""


def _fail_commit(_session: Session) -> None:
    raise RuntimeError("simulated commit failure (a full disk, a lost connection)")


@uow_router.post("", status_code=201, summary="Record an effect", **POLICY.route("effects.record"))
async def record_effect(body: EffectCreate, uow: Uow) -> dict[str, object]:
    await uow.session.execute(effects.insert().values(idea_id=body.idea_id, event_id="http"))
    if body.idea_id == "fail-commit":
        event.listen(uow.session.sync_session, "before_commit", _fail_commit, once=True)
    if body.idea_id == "conflict":
        raise Conflict("this idea is decided", title="Already decided", allowed=["reopen"])
    if body.idea_id == "stale":
        raise StaleIdea(body.idea_id)
    await uow.publish(IdeaWithdrawn(idea_id=body.idea_id, withdrawn_by=uow.person.person_id))
    return {"actor": uow.person.person_id, "now": uow.now.isoformat()}


@uow_router.get("/{idea_id}", summary="Count an idea's effects", **POLICY.route("effects.read"))
async def count_idea_effects(
    idea_id: str,
    uow: Uow,
    actor: Actor,
    detail: Annotated[bool, Query(description="Also say who asked")] = True,
) -> dict[str, object]:
    count = await count_effects(uow.session, idea_id)
    return {"count": count, "asked_by": actor.person_id} if detail else {"count": count}


def build(behaviour: Behaviour) -> ServiceSpec[SampleSettings]:
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

    def subscriptions(_runtime: Runtime[SampleSettings]) -> Sequence[Subscription]:
        return [Subscription("submissions", {IdeaSubmitted: record_submission})]

    return ServiceSpec(
        name="sample",
        title="Sample",
        default_port=0,
        settings_class=SampleSettings,
        routers=[router, uow_router],
        errors={StaleIdea: lambda exc: Problem(409, "Stale idea", f"{exc} changed meanwhile")},
        subscriptions=subscriptions,
        migrations=Path(__file__).parent / "migrations",
    )


async def count_effects(session: AsyncSession, idea_id: str) -> int:
    result = await session.execute(
        select(func.count()).select_from(effects).where(effects.c.idea_id == idea_id)
    )
    return int(result.scalar_one())
