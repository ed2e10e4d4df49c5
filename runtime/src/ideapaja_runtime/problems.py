"""RFC 9457 problem+json errors: clear to the caller, never leaking internals."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ideapaja_runtime.logging import get_logger

if TYPE_CHECKING:
    from ideapaja_runtime.errors import ErrorMapping

log = get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
# What a 503 answered while the database is away tells the client to wait.
DATABASE_RETRY_AFTER_SECONDS = 5
# A service's translation of a problem body into the language its request asks for
# (Accept-Language header, the body, and Pydantic's raw errors of a 422 with their context).
ProblemTranslator = Callable[
    [str | None, dict[str, Any], list[dict[str, Any]] | None], dict[str, Any]
]


def translate_problems(app: FastAPI, translator: ProblemTranslator) -> None:
    """Answer this app's problems in the caller's language (English stays the default)."""
    app.state.problem_translator = translator


def _localized(
    request: Request, response: JSONResponse, raw_errors: list[dict[str, Any]] | None = None
) -> JSONResponse:
    translator: ProblemTranslator | None = getattr(request.app.state, "problem_translator", None)
    language = request.headers.get("accept-language")
    if translator is None or not language:
        return response
    body = translator(language, json.loads(bytes(response.body)), raw_errors)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return JSONResponse(body, response.status_code, headers, media_type=PROBLEM_JSON)


class Problem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers
        self.extra = extra


def too_many_requests(title: str, detail: str, retry_after: int) -> Problem:
    """429 with the wait in whole seconds both as ``Retry-After`` and in the body."""
    return Problem(
        429,
        title,
        f"{detail}; try again in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
        retry_after=retry_after,
    )


# Every problem's ``type`` names its kind (RFC 9457 3.1.1), so a client can tell "Invalid input"
# from "Own idea" without parsing text: this prefix and the English title in lower case with
# dashes ("urn:ideapaja:problem:invalid-input"). Stable whatever language the title is answered
# in; a URN, since the kinds are documented in the OpenAPI document rather than at a web address.
PROBLEM_TYPE_PREFIX = "urn:ideapaja:problem:"


def problem_type(title: str) -> str:
    slug = "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())
    return PROBLEM_TYPE_PREFIX + (slug or "error")


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    *,
    instance: str = "",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": problem_type(title), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


PROBLEM_SCHEMA = {
    "description": "Problem details (RFC 9457)",
    "content": {
        PROBLEM_JSON: {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {
                        "type": "string",
                        "description": "The kind of problem, stable across languages: "
                        "urn:ideapaja:problem: and the English title in lower case with dashes "
                        "(e.g. urn:ideapaja:problem:invalid-input)",
                    },
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object"}},
                },
            }
        }
    },
}


# What FastAPI raises (400) when it cannot parse a request body at all.
BODY_UNREADABLE = "There was an error parsing the body"


def _methods_on(request: Request) -> list[str]:
    """Every method some route of the app answers on the request's path (asked of the router
    itself, method by method, so included routers count as they route)."""
    from starlette.routing import Match

    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def install_problem_handlers(app: FastAPI, errors: ErrorMapping | None = None) -> None:
    """problem+json for every error: ``Problem`` as raised, a use case's ``DomainError`` by its
    status and title, the service's own ``errors`` mapping for the rest (one place per service),
    validation errors as 422, anything unexpected as a logged 500 that leaks nothing."""
    from ideapaja_runtime.errors import DomainError  # it builds Problems: import it late

    def mapped(convert: Callable[[Any], Problem]) -> Callable[[Request, Any], Awaitable[Response]]:
        async def handle(request: Request, exc: Exception) -> Response:
            return await _problem(request, convert(exc))

        return handle

    for exc_class, convert in (errors or {}).items():
        app.add_exception_handler(exc_class, mapped(convert))

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return await _problem(request, exc.problem())

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return _localized(
            request,
            problem_response(
                exc.status,
                exc.title,
                exc.detail,
                instance=request.url.path,
                headers=exc.headers,
                **exc.extra,
            ),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in err["loc"] if p != "body"),
                "message": err["msg"],
                "type": err["type"],
            }
            for err in exc.errors()
        ]
        answer = problem_response(
            422,
            "Invalid input",
            "; ".join(f"{e['field'] or '<body>'}: {e['message']}" for e in errors),
            instance=request.url.path,
            errors=errors,
        )
        return _localized(request, answer, [dict(err) for err in exc.errors()])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        if exc.status_code == 400:
            # The framework's only 400s (no service raises one; theirs are Problems): FastAPI's
            # BODY_UNREADABLE for a body it could not even parse (not UTF-8, JSON nested too
            # deep) and Starlette's multipart parser naming what broke ("Invalid multipart
            # data.", "Missing boundary in multipart.", found by the OpenAPI fuzzing): the same
            # documented 422 as any other invalid body.
            return _localized(
                request,
                problem_response(
                    422,
                    "Invalid input",
                    "The body could not be read: it must be UTF-8 and well-formed for its "
                    "Content-Type." + ("" if exc.detail == BODY_UNREADABLE else f" ({exc.detail})"),
                    instance=request.url.path,
                    errors=[{"field": "", "message": "unreadable body", "type": "body_unreadable"}],
                ),
            )
        if exc.status_code == 405:
            # Starlette names the methods of the first route on the path only; every route on
            # it counts (DELETE /erasures must say GET, POST).
            headers = {**(headers or {}), "Allow": ", ".join(_methods_on(request))}
        return problem_response(
            exc.status_code, str(exc.detail), instance=request.url.path, headers=headers
        )

    async def _database_failed(request: Request, exc: Exception) -> JSONResponse:
        """A database error (or a connection refused or reset): if the database does not answer
        now either, the service is unavailable rather than broken: 503 with Retry-After, which
        a careful client waits for; else the error is unexpected (500)."""
        runtime = getattr(request.app.state, "runtime", None)
        if runtime is not None and not await runtime.db.answers():
            log.warning(
                "request_database_unavailable", path=request.url.path, error=f"{exc!r}"[:300]
            )
            return _localized(
                request,
                problem_response(
                    503,
                    "Service unavailable",
                    "The service's database does not answer; try again shortly.",
                    instance=request.url.path,
                    headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
                ),
            )
        return await _unexpected(request, exc)

    for failure in (DBAPIError, OSError):
        app.add_exception_handler(failure, _database_failed)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_request_error", path=request.url.path)
        return problem_response(
            500, "Internal error", "The error was logged.", instance=request.url.path
        )
