"""Signing in and out: OpenID Connect authorization code + PKCE (S256) with the city's identity
provider, through Authlib (discovery, JWKS, state, nonce, PKCE verifier all handled there).

After the provider's callback the access token is verified exactly as every service verifies it
(the runtime's ``TokenVerifier``): the person's roles and units come from it, and the session
ends when it does. The session gets a new key at sign-in and is deleted at sign-out.
"""

from __future__ import annotations

import secrets
import warnings
from datetime import UTC, datetime
from typing import Annotated, Any

import authlib.deprecate  # noqa: F401 - sets Authlib's own "always" filter, overridden below

with warnings.catch_warnings():
    # Authlib 1.9 announces a move from httpx to "httpx2" on import; its httpx client is what
    # it uses today, and the notice would open every `ideapaja up` and test run.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.starlette_client import OAuth
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from ideapaja_portal import sessions
from ideapaja_portal.db.models import LanguageChoice
from ideapaja_portal.i18n import LANGUAGES, pick
from ideapaja_portal.settings import PortalSettings
from ideapaja_portal.web.context import (
    CsrfProtected,
    PageError,
    SignedIn,
    language_of,
    render,
    safe_next,
    texts_of,
)
from ideapaja_runtime.auth import TokenVerifier
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.problems import Problem
from ideapaja_runtime.service import Runtime

log = get_logger(__name__)
router = APIRouter(include_in_schema=False)
PROVIDER = "city"


def make_oauth(settings: PortalSettings) -> OAuth:
    oauth = OAuth()
    if settings.oidc_discovery_url and settings.auth_client_id:
        secret = settings.auth_client_secret
        oauth.register(
            PROVIDER,
            client_id=settings.auth_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            server_metadata_url=settings.oidc_discovery_url,
            client_kwargs={
                "scope": settings.oidc_scope,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": settings.auth_client_auth_method,
                "timeout": settings.peer_timeout_seconds,
            },
        )
    return oauth


def _provider(request: Request) -> Any:
    client = request.app.state.portal_oauth.create_client(PROVIDER)
    if client is None:
        texts = texts_of(request)
        raise PageError(
            503,
            texts.gettext("Sign-in is not configured"),
            texts.gettext("The portal has no identity provider: ask the city's IT support."),
        )
    return client


def _callback_url(request: Request) -> str:
    settings: PortalSettings = request.app.state.settings
    return f"{settings.public_url}/auth/callback"


@router.get("/auth/login")
async def login(
    request: Request,
    next: Annotated[str | None, Query(max_length=500, description="Where to go after")] = None,
) -> Response:
    provider = _provider(request)
    request.session["after_login"] = safe_next(next)
    return await provider.authorize_redirect(  # type: ignore[no-any-return]
        request, _callback_url(request), ui_locales=language_of(request)
    )


@router.get("/auth/callback")
async def callback(request: Request) -> Response:
    provider = _provider(request)
    try:
        token = await provider.authorize_access_token(request)
    except OAuthError as exc:
        log.warning("login_refused", error=exc.error, description=exc.description)
        return _login_failed(request, exc.error or "")
    runtime: Runtime[PortalSettings] = request.app.state.runtime
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = verifier.verify(token["access_token"])
    except Problem as exc:
        log.warning("login_token_refused", detail=exc.detail)
        return _login_failed(request, "invalid_token")
    userinfo = token.get("userinfo") or {}
    if userinfo.get("sub") != principal.person_id:
        return _login_failed(request, "subject_mismatch")
    after = safe_next(request.session.pop("after_login", None))
    chosen = await _language_choice(runtime, principal.person_id)
    request.session.clear()
    request.session.update(
        person_id=principal.person_id,
        name=str(userinfo.get("name") or principal.person_id),
        roles=sorted(principal.roles),
        units=sorted(principal.unit_ids),
        access_token=token["access_token"],
        id_token=token.get("id_token"),
        language=pick(chosen, userinfo.get("locale"), language_of(request)),
        csrf=secrets.token_urlsafe(32),
    )
    expires_at = token.get("expires_at")
    if isinstance(expires_at, (int, float)):
        sessions.set_expiry(request, datetime.fromtimestamp(expires_at, UTC))
    sessions.rotate(request)
    log.info("signed_in", person_id=principal.person_id)
    return RedirectResponse(after, status_code=303)


def _login_failed(request: Request, reason: str) -> Response:
    texts = texts_of(request)
    return render(
        request,
        "login_failed.html",
        {
            "title": texts.gettext("Sign-in did not succeed"),
            "reason": reason,
        },
        status_code=400,
    )


@router.post("/auth/logout", dependencies=[CsrfProtected])
async def logout(request: Request) -> Response:
    settings: PortalSettings = request.app.state.settings
    id_token = request.session.get("id_token")
    person = request.session.get("person_id")
    sessions.clear(request)
    log.info("signed_out", person_id=person)
    client = request.app.state.portal_oauth.create_client(PROVIDER)
    if client is None:
        return RedirectResponse("/", status_code=303)
    metadata = await client.load_server_metadata()
    if not metadata.get("end_session_endpoint"):
        return RedirectResponse("/", status_code=303)
    redirect: Response = await client.logout_redirect(
        request,
        post_logout_redirect_uri=f"{settings.public_url}/",
        id_token_hint=id_token,
        client_id=settings.auth_client_id,
    )
    redirect.status_code = 303
    return redirect


@router.post("/language", dependencies=[CsrfProtected])
async def choose_language(
    request: Request,
    viewer: SignedIn,
    language: Annotated[str, Form(max_length=8)],
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """The language is remembered for the person (every device, every later session)."""
    if language in LANGUAGES:
        request.session["language"] = language
        runtime: Runtime[PortalSettings] = request.app.state.runtime
        async with runtime.db.transaction() as session:
            row = await session.get(LanguageChoice, viewer.person_id)
            if row is None:
                session.add(
                    LanguageChoice(
                        person_id=viewer.person_id, language=language, chosen_at=runtime.clock()
                    )
                )
            else:
                row.language = language
                row.chosen_at = runtime.clock()
    return RedirectResponse(safe_next(next), status_code=303)


async def _language_choice(runtime: Runtime[PortalSettings], person_id: str) -> str | None:
    async with runtime.db.sessions() as session:
        chosen = await session.scalar(
            select(LanguageChoice.language).where(LanguageChoice.person_id == person_id)
        )
    return chosen
