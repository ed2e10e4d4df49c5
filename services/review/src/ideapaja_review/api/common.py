"""What every route shares: the work-list gate, the use-case environment, and turning the use
cases' exceptions into problem+json (404, 403 with reason "object", 409 with the allowed
actions, 422). Role checks are the policy table's (``ideapaja_review.authz``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts import Event
from ideapaja_contracts.base import ID_PATTERN
from ideapaja_review import cases, committees, network, progress
from ideapaja_review.clock import clock_of
from ideapaja_review.domain import access
from ideapaja_review.domain.lifecycle import IllegalTransition
from ideapaja_review.settings import ReviewSettings
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.authz import forbidden_object
from ideapaja_runtime.problems import PROBLEM_SCHEMA, Problem
from ideapaja_runtime.service import Runtime

PathId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64)]
MAX_OFFSET = 1_000_000

# The error answers a route can give besides 401/403/413/422 (documented on every app).
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: PROBLEM_SCHEMA}
CONFLICT: Responses = {409: PROBLEM_SCHEMA}
NOT_FOUND_OR_CONFLICT: Responses = {404: PROBLEM_SCHEMA, 409: PROBLEM_SCHEMA}


async def require_worklist(runtime: Runtime, principal: Principal) -> None:
    """Object rule before any case is read: the caller has a review work list at all — a
    reviewing role in the token, or assigned as a change agent or supervisor by an admin (which
    the identity provider does not know about)."""
    if principal.has_any(*access.WORKLIST_ROLES):
        return
    async with runtime.db.transaction() as session:
        if await network.is_assigned(session, principal.person_id):
            return
    raise forbidden_object(
        "You review no cases: this needs one of the roles "
        f"{', '.join(access.WORKLIST_ROLES)} or an assignment in the change-agent network."
    )


def now_of(runtime: Runtime) -> datetime:
    return clock_of(runtime)()


def actor_of(principal: Principal) -> cases.Actor:
    return cases.Actor(principal.person_id, principal.roles)


def settings_of(runtime: Runtime) -> ReviewSettings:
    settings = runtime.settings
    assert isinstance(settings, ReviewSettings)
    return settings


@asynccontextmanager
async def unit_of_work(
    runtime: Runtime, traceparent: str | None
) -> AsyncIterator[tuple[AsyncSession, cases.Env]]:
    """A transaction and the environment of the use cases run in it: events go to its outbox,
    time comes from the service's clock."""
    async with runtime.db.transaction() as session:

        async def publish(event: Event) -> None:
            await runtime.outbox.add(session, event, traceparent=traceparent)

        yield (
            session,
            cases.Env(
                publish=publish,
                now=now_of(runtime),
                base_rule=settings_of(runtime).builtin_rule(),
            ),
        )


@contextmanager
def problems(what: str = "Case") -> Iterator[None]:
    """Translate the use cases' refusals into problem+json."""
    try:
        yield
    except cases.CaseNotFound as exc:
        raise Problem(404, "Case not found", f"No case for {exc}.") from exc
    except (progress.NotFound, committees.NotFound) as exc:
        raise Problem(404, f"{what} not found", str(exc)) from exc
    except cases.NotAllowed as exc:
        # The role may do this, but not on this case, committee or practice.
        raise forbidden_object(str(exc)) from exc
    except IllegalTransition as exc:
        raise Problem(
            409,
            "Illegal transition",
            str(exc),
            state=exc.status.state.value,
            decision=exc.status.decision.value if exc.status.decision else None,
            appealed=exc.status.appealed,
            allowed=[action.value for action in exc.allowed],
        ) from exc
    except cases.Refused as exc:
        raise Problem(409, exc.title, exc.detail) from exc
    except cases.InvalidDecision as exc:
        raise Problem(
            422,
            "Invalid input",
            f"{exc.field}: {exc.message}",
            errors=[{"field": exc.field, "message": exc.message, "type": "value_error"}],
        ) from exc
