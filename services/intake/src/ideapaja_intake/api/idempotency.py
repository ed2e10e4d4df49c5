"""Creating requests made safe to retry: the answer to an ``Idempotency-Key`` is stored in the
route's unit of work, with what the request created, so a retry gets exactly that answer back
and a failed request stores neither.

A creating route takes ``idempotent: Idempotent`` (the ``Idempotency-Key`` header; or
``FormTokenIdempotent`` for a page whose form token is the key) and runs its work through it::

    return await idempotent.run(uow, body.model_dump(), lambda: work(...))

The route names the operation itself: its method and route template (``POST
/ideas/{idea_id}/comments``, from the matched route, never a path typed again or the concrete
path). The key is the caller's own (``staff_caller``, or the citizen's); the fingerprint covers the
operation, the path's parameters and the validated content, so the same key for another idea,
another route or other content is refused (422), and a retry that differs only in JSON formatting
is the same request. (One key space per caller, not per route: a form token is single-use across
both form routes.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from pydantic import BaseModel
from starlette.routing import Route

from ideapaja_intake.db.idempotency import claim, forget_expired, remembered, staff_caller
from ideapaja_intake.domain.idempotency import InvalidIdempotencyKey, checked_key, fingerprint
from ideapaja_intake.errors import IdempotencyKeyReused, InvalidInput, RequestInProgress
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.uow import UnitOfWork

REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Repeat a request safely: the same key and body return the first answer",
    ),
]


@dataclass
class Outcome:
    """What a creating request answers; stored as is under its idempotency key."""

    status: int
    body: bytes = b""
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, status: int, model: BaseModel, **headers: str) -> Outcome:
        return cls(status, model.model_dump_json().encode(), "application/json", dict(headers))

    def response(self, *, replayed: bool = False) -> Response:
        headers = dict(self.headers)
        if replayed:
            headers[REPLAYED_HEADER] = "true"
        return Response(
            self.body, status_code=self.status, media_type=self.media_type, headers=headers
        )


Work = Callable[[], Awaitable[Outcome]]


def idempotency_key(raw: str | None) -> str | None:
    try:
        return checked_key(raw)
    except InvalidIdempotencyKey as exc:
        raise InvalidInput("Idempotency-Key", str(exc), kind="header") from exc


async def run_idempotent(
    uow: UnitOfWork[IntakeSettings],
    *,
    caller: str,
    key: str | None,
    operation: str,
    parameters: Mapping[str, str],
    content: Any,
    work: Work,
) -> Response:
    """Run ``work`` in ``uow``; with a key, remember its outcome (or replay the one stored)."""
    key = idempotency_key(key)
    if key is None:
        return (await work()).response()
    digest = fingerprint(operation, content, parameters)
    session = uow.session
    await forget_expired(
        session, caller, uow.now - timedelta(hours=uow.settings.idempotency_ttl_hours)
    )
    for _attempt in range(3):
        stored = await remembered(session, caller, key)
        if stored is not None:
            if stored.fingerprint != digest:
                raise IdempotencyKeyReused
            return Outcome(
                stored.status_code, stored.body, stored.media_type, dict(stored.headers)
            ).response(replayed=True)
        record = await claim(session, caller, key, digest, uow.now)
        if record is None:  # another request with the key committed meanwhile: replay it
            continue
        outcome = await work()
        record.status_code = outcome.status
        record.body = outcome.body
        record.media_type = outcome.media_type
        record.headers = outcome.headers
        return outcome.response()
    raise RequestInProgress


class IdempotentRequest:
    """The route's ``Idempotency-Key`` (documented as its header) and how to honour it."""

    def __init__(self, request: Request, key: str | None) -> None:
        self.key = key
        self._request = request

    @property
    def operation(self) -> str:
        """What the fingerprint names besides the parameters and the content: the method and the
        route's template."""
        return route_operation(self._request)

    async def run(
        self,
        uow: UnitOfWork[IntakeSettings],
        content: Any,
        work: Work,
        *,
        caller: str | None = None,
        key: str | None = None,
        variant: str = "",
    ) -> Response:
        """``work`` under the header's key (or ``key``), as the acting person's own (or
        ``caller``'s); ``variant`` sets apart answers of one path that differ by more than the
        content (a redirect or JSON)."""
        return await run_idempotent(
            uow,
            caller=caller or staff_caller(uow.person.person_id),
            key=key if key is not None else self.key,
            operation=f"{self.operation} {variant}" if variant else self.operation,
            parameters=self._request.path_params,
            content=content,
            work=work,
        )


def route_operation(request: Request) -> str:
    """The request's method and the template of the route that matched it."""
    route = request.scope.get("route")
    if not isinstance(route, Route):
        raise RuntimeError(f"{request.method} {request.url.path}: no route matched")
    return f"{request.method} {route.path}"


async def _idempotent(
    request: Request, idempotency_key: IdempotencyKey = None
) -> IdempotentRequest:
    # A function, not the class itself: FastAPI runs a class dependency in a worker thread.
    return IdempotentRequest(request, idempotency_key)


async def _form_token_idempotent(request: Request) -> IdempotentRequest:
    return IdempotentRequest(request, None)


# The route's Idempotency-Key (documented as its header).
Idempotent = Annotated[IdempotentRequest, Depends(_idempotent)]
# For a page's form, which sends no headers: the form token is the key (``run(key=...)``).
FormTokenIdempotent = Annotated[IdempotentRequest, Depends(_form_token_idempotent)]
