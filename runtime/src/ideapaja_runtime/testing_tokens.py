"""Stand-ins for the identity provider in tests: a signing key pair that issues people's tokens,
and the token endpoint that gives services their own (client credentials)."""

from __future__ import annotations

import time
import uuid
from typing import Any


class DevKeys:
    """An RSA key pair standing in for the identity provider in tests."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # Signing with the key object avoids re-parsing the PEM (~40 ms) for every token.
        self.private_key = key
        self.private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.public_pem = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def token(
        self,
        person_id: str,
        *roles: str,
        units: list[str] | None = None,
        issuer: str = "ideapaja-dev",
        audience: str = "ideapaja",
        ttl: int = 600,
    ) -> str:
        import jwt

        now = int(time.time())
        claims = {
            "sub": person_id,
            "roles": list(roles),
            "units": units or [],
            "iss": issuer,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256")

    def headers(
        self, person_id: str, *roles: str, units: list[str] | None = None
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(person_id, *roles, units=units)}"}


class TokenEndpoint:
    """The identity provider's token endpoint in-process, for services that call others with
    their own tokens (``ideapaja_runtime.client_credentials``): the client-credentials grant
    with the secrets of ``clients`` (client id → secret), HTTP Basic or in the body; tokens
    signed by ``keys`` with ``sub`` ``service:<id>`` and the role ``<id>-service``. Mount
    ``transport`` at ``origin``; ``requests`` counts what it was asked."""

    def __init__(
        self,
        keys: DevKeys,
        clients: dict[str, str],
        *,
        origin: str = "http://idp.test",
        ttl: int = 600,
    ) -> None:
        self.keys = keys
        self.clients = dict(clients)
        self.origin = origin
        self.url = f"{origin}/oauth2/token"
        self.ttl = ttl
        self.requests = 0

    def settings(self, client_id: str) -> dict[str, object]:
        """The settings that make a service this endpoint's client ``client_id``."""
        return {
            "auth_token_url": self.url,
            "auth_client_id": client_id,
            "auth_client_secret": self.clients[client_id],
        }

    @property
    def transport(self) -> Any:
        import httpx

        return httpx.MockTransport(self._handle)

    def _handle(self, request: Any) -> Any:
        import base64
        from urllib.parse import parse_qsl, unquote_plus

        import httpx
        import jwt

        from ideapaja_runtime.authz import service_role

        self.requests += 1
        form = dict(parse_qsl(request.content.decode()))
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = request.headers.get("authorization", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        if self.clients.get(client_id) != secret or not secret:
            return httpx.Response(401, json={"error": "invalid_client"})
        if form.get("grant_type") != "client_credentials":
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        now = int(time.time())
        claims = {
            "sub": f"service:{client_id}",
            "roles": [service_role(client_id)],
            "iss": "ideapaja-dev",
            "aud": "ideapaja",
            "iat": now,
            "exp": now + self.ttl,
            "jti": uuid.uuid4().hex,  # every token differs, as a provider's do
        }
        token = jwt.encode(claims, self.keys.private_key, algorithm="RS256")
        return httpx.Response(
            200, json={"access_token": token, "token_type": "Bearer", "expires_in": self.ttl}
        )
