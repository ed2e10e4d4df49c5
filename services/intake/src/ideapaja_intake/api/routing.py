"""How intake's routes run: each commits its unit of work before answering (the runtime's
``UnitOfWorkRoute``); JSON and form bodies have a smaller limit than attachments; the intranet
form's routes answer browsers on allowed origins only, with CORS headers on every answer."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, NoReturn

from fastapi import Request, Response

from ideapaja_intake.domain.cors import form_post_allowed, normalise_origin, origin_allowed
from ideapaja_intake.domain.i18n import N_
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.problems import Problem
from ideapaja_runtime.routes import UnitOfWorkRoute

log = get_logger(__name__)
Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]
EXPOSED_HEADERS = "Location, Idempotent-Replayed, Retry-After"
PREFLIGHT_HEADERS = "Authorization, Content-Type, Accept, Idempotency-Key, traceparent"


def settings_of(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


def wants_json(accept: str | None) -> bool:
    """True when the client asked for JSON (a script or the portal), not a page (a browser)."""
    for part in (accept or "").split(","):
        media_type = part.split(";", 1)[0].strip().lower()
        if media_type == "application/json" or media_type.endswith("+json"):
            return True
    return False


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


async def render_exception(request: Request, exc: Exception) -> Response:
    """The app's own error response for ``exc`` (problem+json), as its handlers would make it."""
    handlers = request.app.exception_handlers
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            response: Response = await handler(request, exc)
            return response
    raise exc


ORIGIN_REFUSED = N_(
    "This page may not send ideas: its address is not among the intranet addresses allowed "
    "to. Nothing was saved. The administrator can add it to IDEAPAJA_INTAKE_FORM_ALLOWED_ORIGINS."
)


def refuse_origin(request: Request, settings: IntakeSettings) -> NoReturn:
    """403 (in the caller's language), logged with the refused origin for the administrator."""
    log.warning(
        "form_origin_refused",
        path=request.url.path,
        origin=request.headers.get("origin"),
        sec_fetch_site=request.headers.get("sec-fetch-site"),
        allowed=list(settings.form_allowed_origins),
        setting="IDEAPAJA_INTAKE_FORM_ALLOWED_ORIGINS",
    )
    raise Problem(403, "Origin not allowed", ORIGIN_REFUSED)


class LimitedBodyRoute(UnitOfWorkRoute):
    """JSON and form bodies are small: refuse (413) anything over ``form_body_max_bytes`` before
    parsing. (The server-wide limit is larger, to let attachments through their own route.)"""

    def get_route_handler(self) -> Endpoint:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            if request.method in ("POST", "PUT", "PATCH"):
                limit = settings_of(request).form_body_max_bytes
                declared = request.headers.get("content-length", "")
                too_large = declared.isdigit() and int(declared) > limit
                if too_large or len(await request.body()) > limit:
                    raise Problem(413, "Request body too large", f"The limit is {limit} bytes.")
            return await handler(request)

        return limited


class CorsFormRoute(LimitedBodyRoute):
    """Routes an intranet page on another origin posts to: a browser request from an origin not
    in ``form_allowed_origins`` is refused (403); an allowed one gets the CORS headers on every
    answer, errors included (a failed commit too), so the page's script can read them."""

    def get_route_handler(self) -> Endpoint:
        handler = super().get_route_handler()

        async def with_cors(request: Request) -> Response:
            settings = settings_of(request)
            origin = request.headers.get("origin")
            if not form_post_allowed(
                origin,
                settings.form_allowed_origins,
                own=own_origin(request),
                fetch_site=request.headers.get("sec-fetch-site"),
                # Without a bearer token the route takes only a form token (domain/cors.py).
                form_token="authorization" not in request.headers,
            ):
                refuse_origin(request, settings)
            try:
                response = await handler(request)
            except Exception as exc:
                response = await render_exception(request, exc)
            # An opaque origin ("null") gets no CORS headers: nothing there may read the answer.
            allowed_origin = normalise_origin(origin) if origin is not None else None
            if allowed_origin is not None:
                response.headers["Access-Control-Allow-Origin"] = allowed_origin
                response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
                response.headers.append("Vary", "Origin")
            return response

        return with_cors


def preflight_response(request: Request, settings: IntakeSettings, methods: str) -> Response:
    """Answer a CORS preflight (it never carries credentials, so it cannot require a token)."""
    origin = request.headers.get("origin")
    if origin is None or not origin_allowed(
        origin, settings.form_allowed_origins, own=own_origin(request)
    ):
        refuse_origin(request, settings)
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": normalise_origin(origin) or "",
            "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": PREFLIGHT_HEADERS,
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        },
    )
