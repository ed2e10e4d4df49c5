"""The dev issuer as a small OpenID Connect provider (authorization code + PKCE S256), so that a
browser-facing service (the portal) signs people in by the real flow, as it would with the
city's identity provider. Only the embedded default (``ideapaja up``) trusts it.

- ``GET /.well-known/openid-configuration``: the discovery document; ``issuer`` is
  ``devissuer.ISSUER`` (``ideapaja-dev``, the ``iss`` every service verifies), the endpoints
  are absolute URLs under the endpoint's public URL (``--public-url``).
- ``GET /jwks.json``: the dev issuer's public key as a JWK (``kid`` as in every token's header).
- ``GET /authorize`` (``response_type=code``, ``client_id``, ``redirect_uri``, ``scope`` with
  ``openid``, ``state``, ``nonce``, ``code_challenge``, ``code_challenge_method=S256``, optional
  ``ui_locales`` fi/sv/en): the person list of the organisation CSV, one button each.
  ``POST /authorize`` (the same parameters + ``person``): 302 to ``redirect_uri`` with ``code``,
  ``state`` and ``iss`` (RFC 9207). An unknown client or unregistered redirect URI gets a 400
  page; other errors go to the redirect URI (``error``, ``error_description``, ``state``,
  ``iss``; RFC 6749 §4.1.2.1).
- ``POST /oauth2/token`` with ``grant_type=authorization_code`` (``tokenendpoint`` authenticates
  the client, ``oidcflow.exchange_code`` answers).
- ``GET /userinfo`` with the access token as Bearer: ``sub``, ``name``, ``email``, ``locale``.
- ``GET /logout`` (``post_logout_redirect_uri``, ``client_id`` or ``id_token_hint``, ``state``):
  302 to a post-logout URI registered for the client, else a signed-out page. The provider keeps
  no session, so there is nothing else to end.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ideapaja_runner import devissuer, signinpage
from ideapaja_runner.formbody import BadRequest, read_form, unique_query
from ideapaja_runner.oidcflow import (
    LANGUAGES,
    SCOPES,
    CodeStore,
    OidcConfig,
    PageError,
    RedirectError,
    find_person,
    people,
    pick_language,
    unit_names,
    userinfo_claims,
    validate_authorization,
)

DISCOVERY_PATH = "/.well-known/openid-configuration"
AUTHORIZE_PATH = "/authorize"
JWKS_PATH = "/jwks.json"
USERINFO_PATH = "/userinfo"
LOGOUT_PATH = "/logout"
CLAIMS = (
    "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
    "name", "email", "locale", "roles", "units",
)  # fmt: skip


def with_params(uri: str, params: Mapping[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    if not query:
        return uri
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


class OidcProvider:
    """The OIDC endpoints for one key, one set of clients and one configuration."""

    def __init__(
        self,
        signer: devissuer.Signer,
        clients: Mapping[str, str],
        config: OidcConfig,
        codes: CodeStore | None = None,
        *,
        token_path: str,
    ) -> None:
        self.signer, self.clients, self.config = signer, dict(clients), config
        self.codes = codes if codes is not None else CodeStore()
        self.token_path = token_path
        self._jwk: dict[str, Any] = {
            **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signer.key.public_key())),
            "kid": signer.kid,
            "use": "sig",
            "alg": devissuer.ALGORITHM,
        }

    def routes(self) -> list[Route]:
        return [
            Route(DISCOVERY_PATH, self.discovery, methods=["GET"]),
            Route(JWKS_PATH, self.jwks, methods=["GET"]),
            Route(AUTHORIZE_PATH, self.authorize, methods=["GET", "POST"]),
            Route(USERINFO_PATH, self.userinfo, methods=["GET", "POST"]),
            Route(LOGOUT_PATH, self.logout, methods=["GET"]),
            Route(signinpage.STYLESHEET_PATH, self.stylesheet, methods=["GET"]),
        ]

    def discovery_document(self) -> dict[str, Any]:
        url = self.config.url
        return {
            "issuer": devissuer.ISSUER,
            "authorization_endpoint": url(AUTHORIZE_PATH),
            "token_endpoint": url(self.token_path),
            "jwks_uri": url(JWKS_PATH),
            "userinfo_endpoint": url(USERINFO_PATH),
            "end_session_endpoint": url(LOGOUT_PATH),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [devissuer.ALGORITHM],
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": list(CLAIMS),
            "ui_locales_supported": list(LANGUAGES),
            "authorization_response_iss_parameter_supported": True,
        }

    async def discovery(self, request: Request) -> JSONResponse:
        return JSONResponse(self.discovery_document())

    async def jwks(self, request: Request) -> JSONResponse:
        return JSONResponse({"keys": [self._jwk]})

    async def stylesheet(self, request: Request) -> Response:
        return signinpage.stylesheet()

    async def authorize(self, request: Request) -> Response:
        language = pick_language(request.query_params.get("ui_locales"))
        try:
            if request.method == "GET":
                params = unique_query(request)
            else:
                params = await read_form(request)
            language = pick_language(params.get("ui_locales"))
            auth = validate_authorization(params, self.config, self.clients)
            if request.method == "GET":
                org = self.config.organisation
                return signinpage.sign_in_page(auth, people(org), unit_names(org, auth.language))
            person = find_person(self.config.organisation, params.get("person", ""))
            if person is None:
                raise RedirectError(
                    auth.redirect_uri, "invalid_request", "unknown person", auth.state
                )
            code = self.codes.issue(auth, person.person_id)
            return self._redirect(
                auth.redirect_uri, {"code": code, "state": auth.state, "iss": devissuer.ISSUER}
            )
        except (BadRequest, PageError) as exc:
            return signinpage.error_page(language, exc.description)
        except RedirectError as exc:
            return self._redirect(
                exc.redirect_uri,
                {
                    "error": exc.error,
                    "error_description": exc.description,
                    "state": exc.state,
                    "iss": devissuer.ISSUER,
                },
            )

    @staticmethod
    def _redirect(uri: str, params: Mapping[str, str | None]) -> RedirectResponse:
        return RedirectResponse(
            with_params(uri, params),
            status_code=302,
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    def _verify(self, token: str, *, hint: bool = False) -> dict[str, Any]:
        """This issuer's token's claims: an access token (``aud`` ideapaja, not expired), or
        with ``hint`` an id_token given back at logout (any audience, maybe expired)."""
        claims: dict[str, Any] = jwt.decode(
            token,
            self.signer.key.public_key(),
            algorithms=[devissuer.ALGORITHM],
            issuer=devissuer.ISSUER,
            audience=None if hint else devissuer.AUDIENCE,
            options={
                "require": ["exp", "iat", "sub"],
                "verify_exp": not hint,
                "verify_aud": not hint,
            },
        )
        return claims

    async def userinfo(self, request: Request) -> JSONResponse:
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _bearer_error(401, "invalid_request", "send the access token as Bearer")
        try:
            claims = self._verify(token.strip())
        except jwt.InvalidTokenError as exc:
            return _bearer_error(401, "invalid_token", str(exc))
        subject = str(claims["sub"])
        if subject.startswith(devissuer.SERVICE_SUBJECT_PREFIX):
            return _bearer_error(401, "invalid_token", "a service's token has no user")
        person = find_person(self.config.organisation, subject)
        if person is not None:
            answer = userinfo_claims(person)
        else:  # a token from `ideapaja token` for someone the loaded organisation does not know
            answer = {"sub": subject, **({"name": claims["name"]} if "name" in claims else {})}
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    async def logout(self, request: Request) -> Response:
        params = request.query_params
        language = pick_language(params.get("ui_locales"))
        target = params.get("post_logout_redirect_uri")
        client = params.get("client_id") or None
        hint = params.get("id_token_hint")
        if hint:
            try:
                audience = self._verify(hint, hint=True).get("aud")
            except jwt.InvalidTokenError:
                return signinpage.error_page(language, "id_token_hint is not this issuer's")
            audiences = [audience] if isinstance(audience, str) else list(audience or [])
            if client is not None and client not in audiences:
                return signinpage.error_page(language, "client_id is not the id_token's aud")
            client = client or (audiences[0] if len(audiences) == 1 else None)
        if not target:
            return signinpage.signed_out_page(language)
        if client is None or target not in self.config.post_logout_redirect_uris.get(client, ()):
            return signinpage.signed_out_page(language, refused=True)
        return self._redirect(target, {"state": params.get("state") or None})


def _bearer_error(status: int, error: str, description: str) -> JSONResponse:
    header = f'Bearer realm="{devissuer.ISSUER}", error="{error}"'
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"WWW-Authenticate": header, "Cache-Control": "no-store"},
    )
