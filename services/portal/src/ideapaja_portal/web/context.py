"""What every page needs: who is signed in, in which language, the CSRF token, and rendering.

A page asks for ``SignedIn`` (or ``with_role(...)``): without a live session the person is sent
to sign in and brought back to the page afterwards. Every state-changing request (POST) passes
``csrf_protected``: the session's CSRF token must come back in the form (``csrf_token``) or the
``X-CSRF-Token`` header (HTMX requests), and a browser that says the request is cross-site is
refused whatever it carries.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.types import Receive, Scope, Send

from ideapaja_portal.apis import Apis, ServiceError
from ideapaja_portal.i18n import (
    ACTION_LABELS,
    AWARD_KIND_LABELS,
    AWARD_STATUS_LABELS,
    CITY_TIME_ZONE,
    ITEM_LABELS,
    LANGUAGE_NAMES,
    MEMBER_ROLE_LABELS,
    OUTCOME_CHOICES,
    OUTCOME_LABELS,
    ROLE_LABELS,
    RULE_LABELS,
    STATUS_LABELS,
    Texts,
    negotiate,
    pick,
)

TEMPLATES = Path(__file__).parent.parent / "templates"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_NEXT_LENGTH = 500
# How long a page waits for the unread count of its navigation badge (asked for while the page
# makes its own calls): a notification service that is slow or down costs a page no more.
BADGE_WAIT_SECONDS = 0.5
# Who read committee and supervisor awards (reward's awards.read; supervisors their units').
AWARD_READERS = ("supervisor", "committee_member", "management", "reward_approver", "hr", "admin")

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
environment.globals.update(
    status_labels=STATUS_LABELS,
    action_labels=ACTION_LABELS,
    rule_labels=RULE_LABELS,
    outcome_labels=OUTCOME_LABELS,
    outcome_choices=OUTCOME_CHOICES,
    item_labels=ITEM_LABELS,
    member_role_labels=MEMBER_ROLE_LABELS,
    award_kind_labels=AWARD_KIND_LABELS,
    award_status_labels=AWARD_STATUS_LABELS,
    role_labels=ROLE_LABELS,
)


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, as their session knows them."""

    person_id: str
    name: str
    roles: frozenset[str]
    unit_ids: frozenset[str]
    token: str

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def reviews(self) -> bool:
        # Committee members screen the city's ideas (routing makes them their reviewers).
        return self.has_any("change_agent", "supervisor", "committee_member", "admin")

    @property
    def sits_on_committees(self) -> bool:
        return self.has_any("committee_member", "management", "admin")

    @property
    def follows_awards(self) -> bool:
        """Proposes, approves or pays committee and supervisor awards (reward's awards.read)."""
        return self.has_any(*AWARD_READERS)

    @property
    def adopts_practices(self) -> bool:
        """A unit's supervisor or change agent reports that their unit adopted a practice."""
        return self.has_any("change_agent", "supervisor", "admin")


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageError(Exception):
    """A page the person cannot have: shown as a friendly page in their language."""

    def __init__(self, status: int, title: str, detail: str = "") -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail


def viewer_of(request: Request) -> Viewer | None:
    session = request.session
    token = session.get("access_token")
    if not token or not session.get("person_id"):
        return None
    return Viewer(
        person_id=session["person_id"],
        name=session.get("name") or session["person_id"],
        roles=frozenset(session.get("roles") or ()),
        unit_ids=frozenset(session.get("units") or ()),
        token=token,
    )


def language_of(request: Request) -> str:
    """The session's language (the person's choice), else what the browser asks for."""
    return pick(
        request.query_params.get("lang") if viewer_of(request) is None else None,
        request.session.get("language"),
        negotiate(request.headers.get("accept-language")),
    )


def texts_of(request: Request) -> Texts:
    return Texts(language_of(request))


def current_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def signed_in(request: Request) -> Viewer:
    viewer = viewer_of(request)
    if viewer is None:
        raise LoginRequired(current_path(request) if request.method == "GET" else "/")
    count_unread(request, viewer)
    return viewer


async def _unread_count(apis: Apis, token: str) -> int | None:
    try:
        answer = await apis.call("notification", "GET", "/inbox/unread-count", token=token)
    except ServiceError:
        return None  # the badge goes without its count; the page works
    return int(answer["unread"])


def count_unread(request: Request, viewer: Viewer) -> None:
    """Ask for the person's unread count (once per page view, beside the page's own calls):
    ``render`` shows it in the navigation's badge. Only for whole pages (a GET that is not an
    HTMX fragment, nor a file download)."""
    if (
        request.method != "GET"
        or request.headers.get("hx-request")
        or request.url.path.endswith((".csv", ".md"))
        or hasattr(request.state, "unread")
    ):
        return
    request.state.unread = asyncio.ensure_future(_unread_count(apis_of(request), viewer.token))


SignedIn = Annotated[Viewer, Depends(signed_in)]


def with_role(*roles: str) -> Callable[[Request], Awaitable[Viewer]]:
    """A page for people with one of ``roles``; others get a friendly 403 page."""

    async def dependency(request: Request) -> Viewer:
        viewer = await signed_in(request)
        if not viewer.has_any(*roles):
            texts = texts_of(request)
            raise PageError(
                403,
                texts.gettext("This page is not for you"),
                texts.gettext("Your roles do not include what this page needs."),
            )
        return viewer

    return dependency


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def csrf_protected(request: Request) -> None:
    texts = texts_of(request)
    refused = PageError(
        403,
        texts.gettext("The form could not be sent"),
        texts.gettext(
            "The page was open too long or came from another site. Go back, reload the page "
            "and send the form again."
        ),
    )
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise refused
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise refused


CsrfProtected = Depends(csrf_protected)


def city_today(request: Request) -> date:
    """Today in the city's time (by the portal's clock, which tests may set)."""
    now: datetime = request.app.state.runtime.clock()
    return now.astimezone(CITY_TIME_ZONE).date()


def apis_of(request: Request) -> Apis:
    apis: Apis = request.app.state.runtime.extras["portal_apis"]
    return apis


def safe_next(value: str | None) -> str:
    """Only a path of this site: never an absolute or protocol-relative URL (open redirect)."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or len(value) > MAX_NEXT_LENGTH
    ):
        return "/"
    return value


class PageResponse(HTMLResponse):
    """A page rendered when it is sent, once the navigation's unread count has come (or
    ``BADGE_WAIT_SECONDS`` passed): the count is asked for while the page makes its calls."""

    def __init__(
        self,
        template: str,
        values: dict[str, Any],
        unread: asyncio.Future[int | None] | None,
        status_code: int,
    ) -> None:
        super().__init__(b"", status_code=status_code)
        self.template, self.values, self.unread = template, values, unread

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        count = None
        if self.unread is not None:
            done, _ = await asyncio.wait({self.unread}, timeout=BADGE_WAIT_SECONDS)
            if done:
                count = self.unread.result()
            else:
                self.unread.cancel()
        html = environment.get_template(self.template).render({**self.values, "unread": count})
        self.body = self.render(html)
        # Headers others set on the response stay; only the length is the page's.
        self.headers["content-length"] = str(len(self.body))
        await super().__call__(scope, receive, send)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    texts = texts_of(request)
    viewer = viewer_of(request)
    if viewer is not None:
        count_unread(request, viewer)
    values: dict[str, Any] = {
        "request": request,
        "t": texts,
        "_": texts.gettext,
        "ngettext": texts.ngettext,
        "language": texts.language,
        "languages": LANGUAGE_NAMES,
        "viewer": viewer,
        "csrf_token": csrf_token(request) if viewer is not None else "",
        "path": request.url.path,
        "current": current_path(request),
        "query": lambda **params: urlencode({k: v for k, v in params.items() if v}),
    }
    values.update(context or {})
    return PageResponse(template, values, getattr(request.state, "unread", None), status_code)
