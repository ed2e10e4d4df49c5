"""The dev issuer's OAuth2 token endpoint: services get their own access tokens by the
client-credentials grant (RFC 6749 §4.4), as they would from the city's identity provider.

``POST /oauth2/token`` (``application/x-www-form-urlencoded``) with ``grant_type=
client_credentials`` and the client's credentials, either as HTTP Basic (RFC 6749 §2.3.1: id and
secret form-urlencoded) or as ``client_id`` / ``client_secret`` in the body (never both). The
clients are the services of ``<state>/dev-issuer/clients.json`` (``devissuer.ensure_clients``).

- success: 200 ``{"access_token", "token_type": "Bearer", "expires_in"[, "scope"]}`` with
  ``Cache-Control: no-store`` (§5.1); the token: RS256, the dev issuer's ``iss``/``aud``/``kid``,
  ``sub`` ``service:<client id>``, ``roles`` ``["<client id>-service"]`` (``Signer.service_token``);
  a requested ``scope`` is granted as asked (this issuer has no scopes to refuse);
- unknown client or wrong secret: 401 ``{"error": "invalid_client"}`` with ``WWW-Authenticate``
  (§5.2); a grant type other than client_credentials: 400 ``unsupported_grant_type``; a missing
  grant type, a repeated parameter, two ways of authenticating, another content type or a body
  over 4 KiB: 400 ``invalid_request``.

``GET /healthz`` answers ``{"status": "ok"}``. Run alone with ``python -m
ideapaja_runner.tokenendpoint --state-dir .ideapaja --port 8020`` (``ideapaja up`` does this).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, unquote_plus

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ideapaja_runner.devissuer import SERVICE_TOKEN_TTL_SECONDS, Signer, read_clients
from ideapaja_runner.state import StateDir

TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a path
MAX_BODY_BYTES = 4096
REALM = "ideapaja-dev"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def token_url(host: str, port: int) -> str:
    return f"http://{host}:{port}{TOKEN_PATH}"


def _error(status: int, error: str, description: str) -> JSONResponse:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = f'Basic realm="{REALM}", error="{error}"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


class _BadRequest(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _form(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise _BadRequest("the body is not form-urlencoded ASCII") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:  # RFC 6749 §3.2: parameters MUST NOT be included more than once
            raise _BadRequest(f"parameter {name} given more than once")
        form[name] = value
    return form


def _basic_credentials(header: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _BadRequest("the Basic credentials are not base64 of id:secret") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise _BadRequest("the Basic credentials are not base64 of id:secret")
    return unquote_plus(client_id), unquote_plus(secret)


def create_app(
    signer: Signer,
    clients: Mapping[str, str],
    *,
    ttl_seconds: int = SERVICE_TOKEN_TTL_SECONDS,
) -> Starlette:
    """The token endpoint for ``clients`` (client id → secret), signing with ``signer``."""
    clients = dict(clients)

    async def token(request: Request) -> JSONResponse:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return _error(400, "invalid_request", "send application/x-www-form-urlencoded")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return _error(400, "invalid_request", f"the body is over {MAX_BODY_BYTES} bytes")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return _error(400, "invalid_request", f"the body is over {MAX_BODY_BYTES} bytes")
        try:
            form = _form(body)
            authorization = request.headers.get("authorization", "")
            if authorization[:6].lower() == "basic ":
                if "client_secret" in form or "client_id" in form:
                    raise _BadRequest("authenticate one way only: Basic or the body")
                client_id, secret = _basic_credentials(authorization)
            else:
                client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        except _BadRequest as exc:
            return _error(400, "invalid_request", exc.description)
        expected = clients.get(client_id)
        # Compared in constant time; an unknown client costs the same as a wrong secret.
        known = secrets.compare_digest((expected or "\0" * len(secret)).encode(), secret.encode())
        if expected is None or not secret or not known:
            return _error(401, "invalid_client", "unknown client or wrong secret")
        grant_type = form.get("grant_type")
        if not grant_type:
            return _error(400, "invalid_request", "grant_type is missing")
        if grant_type != "client_credentials":
            return _error(
                400, "unsupported_grant_type", "this endpoint grants client_credentials only"
            )
        answer: dict[str, object] = {
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
        ]
    )


def app_for_state(state: StateDir, *, ttl_seconds: int = SERVICE_TOKEN_TTL_SECONDS) -> Starlette:
    """The endpoint for a state directory's clients (``ideapaja up`` writes them first)."""
    return create_app(Signer.of(state), read_clients(state) or {}, ttl_seconds=ttl_seconds)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Ideapaja dev issuer: OAuth2 token endpoint")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8020)
    parser.add_argument("--ttl", type=int, default=SERVICE_TOKEN_TTL_SECONDS, help="seconds")
    args = parser.parse_args(argv)
    app = app_for_state(StateDir.at(args.state_dir), ttl_seconds=args.ttl)
    # uvicorn stops cleanly on SIGTERM / SIGINT; no access log (it would name every client).
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
