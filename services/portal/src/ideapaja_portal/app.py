"""The portal: the web application every role of the city works in (fi/sv/en).

Server-rendered pages (Jinja2), progressively enhanced with HTMX, served with their assets by the
portal itself. It keeps no business data: every page calls the services' APIs with the signed-in
person's token (``apis.py``). Sign-in is OpenID Connect with the city's identity provider
(``web/auth.py``); sessions are server-side (``sessions.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ideapaja_portal import privacy
from ideapaja_portal.apis import Apis
from ideapaja_portal.sessions import SessionMiddleware, SessionStore
from ideapaja_portal.settings import PortalSettings
from ideapaja_portal.web import (
    admin,
    admin_committees,
    admin_network,
    admin_rewards,
    admin_routing,
    attachments,
    auth,
    award_proposals,
    award_rounds,
    awards,
    budgets,
    co_authors,
    committee,
    committee_items,
    dashboard,
    drafts,
    errors,
    home,
    ideas,
    inbox,
    notification_settings,
    progress,
    results,
    rewards,
    work,
)
from ideapaja_runtime.messaging import Subscription
from ideapaja_runtime.service import Runtime, ServiceSpec

STATIC = Path(__file__).parent / "static"
STATIC_CACHE = (b"cache-control", b"public, max-age=3600")
# runtime.extras key: base URL → httpx transport, to run services in-process in tests.
PEER_TRANSPORTS = "portal_peer_transports"


def customize(app: FastAPI, runtime: Runtime[PortalSettings]) -> None:
    settings = runtime.settings
    store = SessionStore(
        runtime.db, lambda: runtime.clock(), timedelta(minutes=settings.session_idle_minutes)
    )
    app.add_middleware(
        SessionMiddleware,
        store=lambda: store,
        cookie=settings.session_cookie_name,
        secure=True,
    )
    app.mount("/static", static_assets(), name="static")
    app.state.portal_oauth = auth.make_oauth(settings)
    errors.install(app)


def static_assets() -> ASGIApp:
    """The portal's own CSS, script and icons: compressed (none holds a secret, so compression
    reveals nothing; pages, which hold the CSRF token, are not compressed), and cached for an
    hour, then revalidated by ETag."""
    files = StaticFiles(directory=STATIC)

    async def cached(scope: Scope, receive: Receive, send: Send) -> None:
        async def with_cache(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), STATIC_CACHE]
            await send(message)

        await files(scope, receive, with_cache)

    return GZipMiddleware(cached, minimum_size=500)


async def on_start(runtime: Runtime[PortalSettings]) -> None:
    settings = runtime.settings
    runtime.extras["portal_apis"] = Apis(
        settings.peer_urls,
        timeout=settings.peer_timeout_seconds,
        transports=runtime.extras.get(PEER_TRANSPORTS),
    )


async def on_stop(runtime: Runtime[PortalSettings]) -> None:
    apis = runtime.extras.pop("portal_apis", None)
    if apis is not None:
        await apis.close()


def subscriptions(runtime: Runtime[PortalSettings]) -> Sequence[Subscription]:
    return (privacy.ERASURES,)


service = ServiceSpec(
    name="portal",
    title="Portal",
    default_port=8000,
    settings_class=PortalSettings,
    routers=[
        auth.router,
        home.router,
        inbox.router,
        # Before ideas.router: /ideas/co-authors is not an idea's id.
        co_authors.router,
        ideas.router,
        drafts.router,
        attachments.router,
        work.router,
        progress.router,
        results.router,
        committee.router,
        committee_items.router,
        rewards.router,
        award_proposals.router,
        award_rounds.router,
        awards.router,
        budgets.router,
        dashboard.router,
        admin.router,
        admin_routing.router,
        admin_network.router,
        admin_committees.router,
        admin_rewards.router,
        notification_settings.router,
        privacy.router,
    ],
    subscriptions=subscriptions,
    migrations=Path(__file__).parent / "db" / "migrations",
    on_start=on_start,
    on_stop=on_stop,
    customize=customize,
    tags=({"name": "privacy", "description": "What the portal holds on a person"},),
)
