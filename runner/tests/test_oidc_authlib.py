"""The dev issuer's sign-in as the portal does it: Authlib's Starlette client (discovery, code +
PKCE S256, client_secret_basic, id_token checked against the JWKS with the discovery's issuer
and the nonce, userinfo, RP-initiated logout), with a browser's redirects followed by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.starlette_client import OAuth
from oidc_testkit import PORTAL_CALLBACK, PORTAL_HOME, SignInPage
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ideapaja_runner import devissuer, hr_records, tokenendpoint
from ideapaja_runner.oidcflow import OidcConfig
from ideapaja_runner.state import StateDir

ISSUER_URL = "http://issuer.test"


class OneBrowserSession:
    """Starlette's request.session for a single browser (SessionMiddleware needs itsdangerous,
    which is not installed; the portal brings its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.session: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["session"] = self.session
        await self.app(scope, receive, send)


def portal_app(issuer: ASGIApp, secret: str) -> Starlette:
    oauth = OAuth()
    oauth.register(
        "ideapaja",
        client_id="portal",
        client_secret=secret,
        server_metadata_url=f"{ISSUER_URL}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid profile",
            "code_challenge_method": "S256",
            "transport": httpx.ASGITransport(issuer),
        },
    )
    client: Any = oauth.ideapaja

    async def login(request: Request) -> Response:
        return await client.authorize_redirect(request, PORTAL_CALLBACK, ui_locales="en")

    async def callback(request: Request) -> Response:
        token = await client.authorize_access_token(request)
        request.session["id_token"] = token["id_token"]
        info = await client.userinfo(token=token)
        return JSONResponse({"id": dict(token["userinfo"]), "userinfo": dict(info), "token": token})

    async def logout(request: Request) -> Response:
        return await client.logout_redirect(
            request,
            post_logout_redirect_uri=PORTAL_HOME,
            id_token_hint=request.session.pop("id_token"),
        )

    return Starlette(
        routes=[
            Route("/login", login),
            Route("/auth/callback", callback),
            Route("/logout", logout),
        ]
    )


class ByHost(httpx.AsyncBaseTransport):
    def __init__(self, apps: dict[str, ASGIApp]) -> None:
        self.transports = {host: httpx.ASGITransport(app) for host, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transports[request.url.host].handle_async_request(request)


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    state = StateDir.at(tmp_path / "state")
    clients = devissuer.ensure_clients(state, ["portal"])
    issuer = tokenendpoint.create_app(
        devissuer.Signer.of(state),
        clients,
        oidc=OidcConfig(
            public_url=ISSUER_URL,
            redirect_uris={"portal": (PORTAL_CALLBACK,)},
            post_logout_redirect_uris={"portal": (PORTAL_HOME,)},
            organisation=hr_records.parse_organisation(hr_records.demo_csv_text()),
        ),
    )
    portal = OneBrowserSession(portal_app(issuer, clients["portal"]))
    async with httpx.AsyncClient(
        transport=ByHost({"portal.test": portal, "issuer.test": issuer})
    ) as client:
        yield client


async def test_authlib_signs_in_with_the_code_flow_and_logs_out(
    browser: httpx.AsyncClient,
) -> None:
    to_issuer = await browser.get("http://portal.test/login")
    assert to_issuer.status_code == 302
    authorize = to_issuer.headers["location"]
    asked = parse_qs(urlsplit(authorize).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"]
    page = await browser.get(authorize)
    assert page.status_code == 200
    form = SignInPage.of(page)
    assert form.lang == "en" and form.h1 == "Development sign-in"
    button = form.button_for("p-1008")
    assert "Amira Hassan" in button.text
    back = await browser.post(
        "http://issuer.test/authorize", data={**form.hidden, "person": button.value}
    )
    assert back.status_code == 302 and back.headers["location"].startswith(PORTAL_CALLBACK)

    signed_in = await browser.get(back.headers["location"])
    assert signed_in.status_code == 200, signed_in.text
    answer = signed_in.json()
    assert answer["id"]["sub"] == "p-1008" and answer["id"]["iss"] == devissuer.ISSUER
    assert answer["id"]["name"] == "Amira Hassan" and answer["id"]["locale"] == "en"
    assert answer["userinfo"]["email"] == "amira.hassan@kuusijarvi.example"
    assert answer["token"]["token_type"] == "Bearer"

    out = await browser.get("http://portal.test/logout")
    assert out.status_code == 302
    ended = await browser.get(out.headers["location"])
    assert ended.status_code == 302
    assert ended.headers["location"].startswith(PORTAL_HOME + "?state=")
