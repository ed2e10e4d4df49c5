"""Every error a person can meet is a page in their language, never a stack trace or raw JSON:
sign-in needed → to the identity provider and back; a service's 403/404 → a friendly page; a
service that does not answer → "try again shortly" (503).

The portal's few JSON endpoints (those in its OpenAPI: the GDPR access report, health and
metrics) are called by programs, not people: their errors stay the runtime's documented
problem+json, as every other service's do."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from ideapaja_portal import sessions
from ideapaja_portal.apis import ServiceError
from ideapaja_portal.i18n import N_
from ideapaja_portal.web.context import LoginRequired, PageError, current_path, render, texts_of
from ideapaja_runtime.logging import get_logger

log = get_logger(__name__)

# An error page: the status it answers with, its title and what the person can do.
ErrorPage = tuple[int, str, str]
INCOMPLETE_FORM: ErrorPage = (
    422,
    N_("The form was not complete"),
    N_("Go back, check the fields and send it again."),
)
# A service's refusal, by its status, as the page that says it.
REFUSAL_PAGES: dict[int, ErrorPage] = {
    403: (403, N_("Not available to you"), N_("You do not have the rights to see or do this.")),
    404: (404, N_("Not found"), N_("It may have been removed, or the link is wrong.")),
    409: (
        409,
        N_("It has changed in the meantime"),
        N_("Someone else changed it first. Go back and reload the page."),
    ),
    400: INCOMPLETE_FORM,
    422: INCOMPLETE_FORM,
    429: (429, N_("Too many at once"), N_("Please wait a minute and try again.")),
}
UNAVAILABLE: ErrorPage = (
    503,
    N_("The service is not answering"),
    N_("Please try again in a moment. Nothing you sent was lost."),
)


def error_page(request: Request, status: int, title: str, detail: str = "") -> Response:
    return render(
        request,
        "error.html",
        {"title": title, "detail": detail, "status": status},
        status_code=status,
    )


def service_error_page(request: Request, error: ServiceError) -> Response:
    if error.status == 401:
        # The person's token ended (or was withdrawn): sign in again, back to this page.
        sessions.clear(request)
        return _to_login(current_path(request) if request.method == "GET" else "/")
    page = REFUSAL_PAGES.get(error.status)
    if page is None:
        log.warning("service_unavailable", service=error.service, status=error.status)
        page = UNAVAILABLE
    return _known_error_page(request, page)


def _known_error_page(request: Request, page: ErrorPage) -> Response:
    texts = texts_of(request)
    status, title, detail = page
    return error_page(request, status, texts.gettext(title), texts.gettext(detail))


def _to_login(next_path: str) -> Response:
    return RedirectResponse("/auth/login?" + urlencode({"next": next_path}), status_code=303)


def is_api_request(app: FastAPI, request: Request) -> bool:
    """Whether the request is for a documented JSON endpoint (its path is in the OpenAPI,
    whatever the method: a wrong method on an API path is the API's 405)."""
    patterns: list[re.Pattern[str]] | None = getattr(app.state, "portal_api_paths", None)
    if patterns is None:
        patterns = [compile_path(path)[0] for path in app.openapi()["paths"]]
        app.state.portal_api_paths = patterns
    return any(pattern.match(request.url.path) for pattern in patterns)


def install(app: FastAPI) -> None:
    # The runtime's problem+json handlers, installed before these; API paths keep them.
    api_handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = dict(
        app.exception_handlers
    )

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return _to_login(exc.next_path)

    async def page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        return error_page(request, exc.status, exc.title, exc.detail)

    async def service_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        return service_error_page(request, exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if is_api_request(app, request):
            return await api_handlers[StarletteHTTPException](request, exc)
        texts = texts_of(request)
        if exc.status_code == 404:
            return error_page(
                request,
                404,
                texts.gettext("Page not found"),
                texts.gettext("Check the address, or start again from the front page."),
            )
        if exc.status_code == 405:
            return error_page(request, 405, texts.gettext("That does not work here"))
        return error_page(request, exc.status_code, texts.gettext("Something went wrong"))

    async def invalid_request(request: Request, exc: Exception) -> Response:
        if is_api_request(app, request):
            return await api_handlers[RequestValidationError](request, exc)
        return _known_error_page(request, INCOMPLETE_FORM)

    async def unexpected(request: Request, exc: Exception) -> Response:
        if is_api_request(app, request):
            return await api_handlers[Exception](request, exc)
        log.exception("page_failed", path=request.url.path)
        texts = texts_of(request)
        return error_page(
            request,
            500,
            texts.gettext("Something went wrong"),
            texts.gettext("The error has been logged. Please try again in a moment."),
        )

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, unexpected)
