"""A JSON body is the type its OpenAPI documents, exactly.

FastAPI validates a JSON body in Pydantic's lax mode, after parsing it: ``"city_wide": 0`` was
read as ``false``, ``"quorum": "3"`` as 3, ``"weight": true`` as 1.0 — a client that sends the
wrong type gets a guess instead of the 422 the document promises (found by the OpenAPI fuzzing,
``tests/api/test_openapi_fuzz.py``). Every route of a service router (``routes.UnitOfWorkRoute``)
therefore checks its JSON body once more in Pydantic's strict JSON mode, as its last dependency
(after the policy check: a caller without the right token gets 401/403, never a 422):
exactly the documented JSON types, while what JSON has no type for (a day, a time, an enum's
value, a decimal) is still read from its documented string.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request


def strict_body(route: APIRoute) -> TypeAdapter[Any] | None:
    """The strict reader of the route's JSON body, if it takes one (one ``Body`` parameter;
    forms and files are read by their own rules)."""
    bodies = route.dependant.body_params
    if len(bodies) != 1:
        return None
    info = bodies[0].field_info
    if not isinstance(info, params.Body) or isinstance(info, params.Form | params.File):
        return None
    if info.embed or info.annotation is None:
        return None
    return TypeAdapter(info.annotation)


def _is_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def refuse_loose_types(request: Request, body: TypeAdapter[Any]) -> None:
    """422 (as any invalid body) when the JSON body holds a value of another type than the
    documented one. A body that is not JSON at all is left to the route's own answer."""
    if request.method not in {"POST", "PUT", "PATCH"} or not _is_json(request):
        return
    raw = await request.body()
    if not raw.strip():
        return
    try:
        body.validate_json(raw, strict=True)
    except ValidationError as error:
        if any(e["type"] == "json_invalid" for e in error.errors()):
            return  # not JSON: FastAPI answers that itself
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)],
            body=raw,
        ) from None


def strict_json_body(body: list[TypeAdapter[Any]]) -> Callable[[Request], Awaitable[None]]:
    """The route dependency that refuses loose types in the JSON body, read by the reader in
    ``body`` (empty for a route without a JSON body; filled once the route is built)."""

    async def exactly_the_documented_types(request: Request) -> None:
        for reader in body:
            await refuse_loose_types(request, reader)

    return exactly_the_documented_types
