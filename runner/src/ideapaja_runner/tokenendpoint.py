"""The dev issuer's OAuth2 token endpoint and OpenID Connect provider: services get their own
access tokens by the client-credentials grant (RFC 6749 §4.4), as they would from the city's
identity provider, and a browser-facing service signs people in by the authorization code grant
with PKCE (``oidc``: discovery, JWKS, authorize, userinfo, logout).

``POST /oauth2/token`` (``application/x-www-form-urlencoded``) with the client's credentials,
either as HTTP Basic (RFC 6749 §2.3.1: id and secret form-urlencoded) or as ``client_id`` /
``client_secret`` in the body (never both). The clients are the services of
``<state>/dev-issuer/clients.json`` (``devissuer.ensure_clients``).

- ``grant_type=client_credentials``: 200 ``{"access_token", "token_type": "Bearer",
  "expires_in"[, "scope"]}`` with ``Cache-Control: no-store`` (§5.1); the token: RS256, the dev
  issuer's ``iss``/``aud``/``kid``, ``sub`` ``service:<client id>``, ``roles``
  ``["<client id>-service"]`` (``Signer.service_token``); a requested ``scope`` is granted as
  asked (this issuer has no scopes to refuse);
- ``grant_type=authorization_code`` (``code``, ``redirect_uri``, ``code_verifier``): a person's
  access token (as ``ideapaja token --from-csv`` makes, plus ``name``; 1 h) and an ``id_token``
  (``oidcflow.exchange_code``); a used, expired or foreign code or a PKCE mismatch: 400
  ``invalid_grant``;
- unknown client or wrong secret: 401 ``{"error": "invalid_client"}`` with ``WWW-Authenticate``
  (§5.2); another grant type: 400 ``unsupported_grant_type``; a missing grant type, a repeated
  parameter, two ways of authenticating, another content type or a body over 4 KiB: 400
  ``invalid_request``.

``GET /healthz`` answers ``{"status": "ok"}``. Run alone with ``python -m
ideapaja_runner.tokenendpoint --state-dir .ideapaja --port 8020`` (``ideapaja up`` does this,
with ``--public-url``, the clients' ``--redirect-uri`` / ``--post-logout-redirect-uri`` and
``--organisation demo`` under ``--demo``).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import secrets
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import unquote_plus

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ideapaja_runner import hr_records
from ideapaja_runner.devissuer import SERVICE_TOKEN_TTL_SECONDS, Signer, read_clients
from ideapaja_runner.formbody import BadRequest, read_form
from ideapaja_runner.oidc import DISCOVERY_PATH, OidcProvider
from ideapaja_runner.oidcflow import CodeStore, OidcConfig, TokenRequestError, exchange_code
from ideapaja_runner.state import StateDir

TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a path
REALM = "ideapaja-dev"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def token_url(host: str, port: int) -> str:
    return f"http://{host}:{port}{TOKEN_PATH}"


def discovery_url(public_url: str) -> str:
    return public_url.rstrip("/") + DISCOVERY_PATH


def _error(status: int, error: str, description: str) -> JSONResponse:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = f'Basic realm="{REALM}", error="{error}"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _basic_credentials(header: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise BadRequest("the Basic credentials are not base64 of id:secret") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise BadRequest("the Basic credentials are not base64 of id:secret")
    return unquote_plus(client_id), unquote_plus(secret)


def _client_credentials(request: Request, form: Mapping[str, str]) -> tuple[str, str]:
    authorization = request.headers.get("authorization", "")
    if authorization[:6].lower() == "basic ":
        if "client_secret" in form or "client_id" in form:
            raise BadRequest("authenticate one way only: Basic or the body")
        return _basic_credentials(authorization)
    return form.get("client_id", ""), form.get("client_secret", "")


def create_app(
    signer: Signer,
    clients: Mapping[str, str],
    *,
    ttl_seconds: int = SERVICE_TOKEN_TTL_SECONDS,
    oidc: OidcConfig | None = None,
    codes: CodeStore | None = None,
) -> Starlette:
    """The token endpoint and OIDC provider for ``clients`` (client id → secret), signing with
    ``signer``; ``oidc`` says where it is reached, the clients' redirect URIs and who signs in."""
    clients = dict(clients)
    config = oidc or OidcConfig()
    provider = OidcProvider(signer, clients, config, codes, token_path=TOKEN_PATH)

    async def token(request: Request) -> JSONResponse:
        try:
            form = await read_form(request)
            client_id, secret = _client_credentials(request, form)
        except BadRequest as exc:
            return _error(400, "invalid_request", exc.description)
        expected = clients.get(client_id)
        # Compared in constant time; an unknown client costs the same as a wrong secret.
        known = secrets.compare_digest((expected or "\0" * len(secret)).encode(), secret.encode())
        if expected is None or not secret or not known:
            return _error(401, "invalid_client", "unknown client or wrong secret")
        grant_type = form.get("grant_type")
        if not grant_type:
            return _error(400, "invalid_request", "grant_type is missing")
        if grant_type == "authorization_code":
            try:
                answer = exchange_code(
                    form,
                    client_id,
                    codes=provider.codes,
                    signer=signer,
                    organisation=config.organisation,
                )
            except TokenRequestError as exc:
                return _error(400, exc.error, exc.description)
            return JSONResponse(answer, headers=_NO_STORE)
        if grant_type != "client_credentials":
            return _error(
                400,
                "unsupported_grant_type",
                "this endpoint grants client_credentials and authorization_code only",
            )
        answer = {
            "access_token": signer.service_token(client_id, ttl_seconds=ttl_seconds),
            "token_type": "Bearer",
            "expires_in": ttl_seconds,
        }
        if form.get("scope"):
            answer["scope"] = form["scope"]
        return JSONResponse(answer, headers=_NO_STORE)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route(TOKEN_PATH, token, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *provider.routes(),
        ]
    )


def app_for_state(
    state: StateDir,
    *,
    ttl_seconds: int = SERVICE_TOKEN_TTL_SECONDS,
    oidc: OidcConfig | None = None,
) -> Starlette:
    """The endpoint for a state directory's clients (``ideapaja up`` writes them first)."""
    return create_app(
        Signer.of(state), read_clients(state) or {}, ttl_seconds=ttl_seconds, oidc=oidc
    )


# Services that sign people in here by the code flow (only the portal); each gets its callback
# and post-logout URIs registered, and OIDC_DISCOVERY_URL / PUBLIC_URL (``sign_in_settings``).
SIGN_IN_CLIENTS = frozenset({"portal"})
CALLBACK_PATH = "/auth/callback"


def command(
    state: StateDir,
    *,
    host: str,
    port: int,
    public_url: str,
    sign_in: Mapping[str, int],
    organisation: str | None,
) -> list[str]:
    """How ``ideapaja up`` runs the endpoint: ``sign_in`` is the port of each browser-facing
    client, reached at the connect host or at localhost (browsers keep them apart)."""
    from ideapaja_runner.ports import connect_host

    argv = [
        sys.executable, "-m", "ideapaja_runner.tokenendpoint", "--state-dir", str(state.root),
        "--host", host, "--port", str(port), "--public-url", public_url,
    ]  # fmt: skip
    for client, client_port in sorted(sign_in.items()):
        for client_host in dict.fromkeys((connect_host(host), "localhost")):
            base = f"http://{client_host}:{client_port}"
            argv += ["--redirect-uri", f"{client}={base}{CALLBACK_PATH}"]
            argv += ["--post-logout-redirect-uri", f"{client}={base}/"]
    if organisation:
        argv += ["--organisation", organisation]
    return argv


def sign_in_settings(public_url: str, client_base_url: str) -> dict[str, str]:
    """What a browser-facing service is told: where to discover the provider, and its own
    public URL (for its redirect URIs)."""
    return {"OIDC_DISCOVERY_URL": discovery_url(public_url), "PUBLIC_URL": client_base_url}


def _client_uri(value: str) -> tuple[str, str]:
    client, sep, uri = value.partition("=")
    if not sep or not client or not uri.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected CLIENT=http(s)://…, got {value!r}")
    return client, uri


def _by_client(pairs: Sequence[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    registered: dict[str, tuple[str, ...]] = {}
    for client, uri in pairs:
        registered[client] = (*registered.get(client, ()), uri)
    return registered


def load_organisation(source: str | None) -> hr_records.Organisation | None:
    """The people who can sign in: ``demo`` (the demo organisation), a CSV file, or nobody."""
    if not source:
        return None
    text = (
        hr_records.demo_csv_text() if source == "demo" else hr_records.read_csv_file(Path(source))
    )
    return hr_records.parse_organisation(text, source=source, partial=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Ideapaja dev issuer: OAuth2 token endpoint and OpenID Connect provider"
    )
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8020)
    parser.add_argument(
        "--ttl", type=int, default=SERVICE_TOKEN_TTL_SECONDS, help="services' tokens, seconds"
    )
    parser.add_argument(
        "--public-url",
        default=None,
        help="base URL browsers and clients reach this endpoint at, for the discovery "
        "document (default http://<host>:<port>, loopback when bound to every interface)",
    )
    for flag, what in [
        ("--redirect-uri", "a redirect URI registered for a client's sign-in"),
        ("--post-logout-redirect-uri", "where a client may send people after /logout"),
    ]:
        parser.add_argument(
            flag,
            type=_client_uri,
            action="append",
            default=[],
            metavar="CLIENT=URI",
            help=f"{what} (repeatable; exact match)",
        )
    parser.add_argument(
        "--organisation",
        default=None,
        metavar="demo|FILE.csv",
        help="the HR CSV of the people who can sign in (none if not given)",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    from ideapaja_runner.ports import connect_host

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        organisation = load_organisation(args.organisation)
    except hr_records.CsvError as exc:
        parser.error(str(exc))
    config = OidcConfig(
        public_url=args.public_url or f"http://{connect_host(args.host)}:{args.port}",
        redirect_uris=_by_client(args.redirect_uri),
        post_logout_redirect_uris=_by_client(args.post_logout_redirect_uri),
        organisation=organisation,
    )
    app = app_for_state(StateDir.at(args.state_dir), ttl_seconds=args.ttl, oidc=config)
    # uvicorn stops cleanly on SIGTERM / SIGINT; no access log (it would name every client, and
    # the codes in the sign-in redirects).
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
