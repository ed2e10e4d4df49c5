"""How a route gets its unit of work, and why it commits before answering.

A route declares what it needs and nothing else::

    router = service_router(prefix="/cases", tags=["cases"])

    @router.post("/{case_id}/decision", response_model=CasePublic, **POLICY.route("cases.decide"))
    async def decide_case(case_id: PathId, body: DecisionCreate, uow: ReviewUow) -> CasePublic:
        return CasePublic.of(await cases.decide(uow, case_id, body))

``POLICY.route(action)`` names the action once: it documents the action and its roles in the
OpenAPI document and enforces them, and the authorised principal becomes ``uow.actor`` (or
``Actor`` for a route without a unit of work).

The transaction is opened the first time the route asks for its unit of work and committed by
``UnitOfWorkRoute`` after the endpoint returns and **before** the response is sent; if the commit
fails the client gets the error, never a 2xx for work that was not stored. (A FastAPI dependency
with ``yield`` would commit after the response has gone out.) Any exception rolls it back.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, params
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from ideapaja_runtime.auth import Principal
from ideapaja_runtime.authz import FORM_TOKEN_EXTENSION, PRINCIPAL
from ideapaja_runtime.problems import Problem
from ideapaja_runtime.strictbody import strict_body, strict_json_body
from ideapaja_runtime.textpolicy import refuse_control_characters
from ideapaja_runtime.uow import UnitOfWork

Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]

_STACK = "ideapaja_uow_stack"
_UOW = "ideapaja_uow"


class UnitOfWorkRoute(APIRoute):
    """Commits the request's unit of work (if the route opened one) before responding, refuses
    query parameters the route does not declare (a typo such as ``?stauts=`` would otherwise
    silently list everything), applies the one text policy (``textpolicy``: no control
    characters in any field) and reads a JSON body as exactly its documented types
    (``strictbody``)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # The strict reading of the JSON body is the last of the route's dependencies: after
        # its policy check, so a caller without the right token learns nothing of the body's
        # shape (401/403 first, then 422). Its reader is known once the route is built.
        body: list[TypeAdapter[Any]] = []
        strict = Depends(strict_json_body(body))
        kwargs["dependencies"] = [*(kwargs.get("dependencies") or []), strict]
        super().__init__(path, endpoint, **kwargs)
        reader = strict_body(self)
        if reader is not None:
            body.append(reader)

    def get_route_handler(self) -> Endpoint:
        handler = super().get_route_handler()
        allowed = declared_query_parameters(self)

        async def committed_first(request: Request) -> Response:
            unknown = sorted(set(request.query_params) - allowed)
            if unknown:
                raise unknown_query_parameters(unknown, allowed)
            await refuse_control_characters(request)
            async with AsyncExitStack() as stack:
                setattr(request.state, _STACK, stack)
                response = await handler(request)
            # Here the transaction has committed (an exception in the commit propagates).
            return response

        return committed_first


def declared_query_parameters(route: APIRoute) -> frozenset[str]:
    """The query parameter names ``route`` documents (its dependencies' included), and the form
    token's where a route of plain HTML forms takes it from the query."""
    names = {
        field.alias
        for field in get_flat_params(route.dependant)
        if isinstance(field.field_info, params.Query)
    }
    form_token = (route.openapi_extra or {}).get(FORM_TOKEN_EXTENSION)
    if form_token and form_token.get("in") == "query":
        names.add(form_token["name"])
    return frozenset(names)


def unknown_query_parameters(unknown: list[str], allowed: frozenset[str]) -> Problem:
    known = ", ".join(sorted(allowed)) or "none"
    return Problem(
        422,
        "Invalid input",
        f"Unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} "
        f"(this operation takes: {known})",
        errors=[
            {"field": name, "message": "unknown query parameter", "type": "extra_forbidden"}
            for name in unknown
        ],
    )


def service_router(**kwargs: Any) -> APIRouter:
    """An ``APIRouter`` whose routes commit their unit of work before answering."""
    kwargs.setdefault("route_class", UnitOfWorkRoute)
    return APIRouter(**kwargs)


async def acting_principal(request: Request) -> Principal:
    """The principal the route's policy check admitted."""
    principal: Principal | None = getattr(request.state, PRINCIPAL, None)
    if principal is None:
        raise RuntimeError(
            f"{request.method} {request.url.path}: the route names no action "
            "(add **POLICY.route(action) to its decorator)"
        )
    return principal


Actor = Annotated[Principal, Depends(acting_principal)]


async def current_unit_of_work(request: Request) -> UnitOfWork[Any]:
    """The request's unit of work, opened on first use (once per request)."""
    uow: UnitOfWork[Any] | None = getattr(request.state, _UOW, None)
    if uow is not None:
        return uow
    stack: AsyncExitStack | None = getattr(request.state, _STACK, None)
    if stack is None:
        raise RuntimeError(
            f"{request.method} {request.url.path}: a unit of work needs a UnitOfWorkRoute "
            "(make the router with service_router())"
        )
    runtime = request.app.state.runtime
    opened: UnitOfWork[Any] = await stack.enter_async_context(
        runtime.unit_of_work(
            actor=getattr(request.state, PRINCIPAL, None),
            traceparent=request.headers.get("traceparent"),
        )
    )
    setattr(request.state, _UOW, opened)
    return opened


# A service narrows the settings type for its routes:
#     ReviewUow = Annotated[UnitOfWork[ReviewSettings], Depends(current_unit_of_work)]
Uow = Annotated[UnitOfWork[Any], Depends(current_unit_of_work)]
