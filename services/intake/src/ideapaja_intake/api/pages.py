"""The HTML answers of the form channels (the embeddable page and the plain intranet form): their
own Content-Security-Policy (frame-ancestors: the allowed origins), no referrer, no caching; and
the refusal of a browser whose page may not post here, which says why and is logged."""

from __future__ import annotations

from contextlib import suppress

from fastapi import Request
from fastapi.responses import HTMLResponse

from ideapaja_intake.api.routing import refuse_origin
from ideapaja_intake.form_page import content_security_policy, message_page
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.problems import Problem


def page_headers(settings: IntakeSettings) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(
            thank_you_url=settings.form_thank_you_url,
            frame_ancestors=settings.form_allowed_origins,
        ),
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def html_page(
    settings: IntakeSettings, body: str, status: int = 200, **headers: str
) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={**page_headers(settings), **headers})


def wants_html(accept: str | None) -> bool:
    """A browser's navigation (a plain form posted), not a script asking for JSON."""
    return "text/html" in (accept or "").lower()


def refused_origin_page(request: Request, settings: IntakeSettings, language: str) -> HTMLResponse:
    """The page's 403 for a browser on an origin that may not post; logged like the API's."""
    with suppress(Problem):
        refuse_origin(request, settings)
    return html_page(settings, message_page(language, "origin"), 403)
