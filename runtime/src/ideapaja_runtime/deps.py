"""FastAPI dependencies for a service's routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_runtime.service import Runtime

# Dependencies are ``async def`` although they never wait: FastAPI runs a plain ``def``
# dependency in a worker thread, a thread hop per dependency per request.


async def get_runtime(request: Request) -> Runtime[Any]:
    """The service's runtime; a service narrows the type:
    ``ReviewRuntime = Annotated[Runtime[ReviewSettings], Depends(get_runtime)]``. Routes take a
    unit of work instead, unless their steps must commit one by one."""
    runtime: Runtime[Any] = request.app.state.runtime
    return runtime


async def request_traceparent(request: Request) -> str | None:
    """The caller's W3C trace context, so the events a request causes join its trace."""
    return request.headers.get("traceparent")


TraceparentDep = Annotated[str | None, Depends(request_traceparent)]


def id_path(description: str, *, examples: list[str] | None = None) -> Any:
    """A path parameter naming a resource by id (``Annotated[str, id_path("The case's id")]``):
    the id pattern every event and service shares, at most 64 characters."""
    return Path(pattern=ID_PATTERN, max_length=64, description=description, examples=examples)
