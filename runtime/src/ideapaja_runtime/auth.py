"""Bearer-token authentication (RS256 JWTs) and role checks for every HTTP endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ideapaja_runtime.problems import Problem
from ideapaja_runtime.settings import ServiceSettings


@dataclass(frozen=True)
class Principal:
    person_id: str
    roles: frozenset[str]
    unit_ids: frozenset[str]

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        key = settings.auth_public_key
        if key is None and settings.auth_public_key_file is not None:
            key = settings.auth_public_key_file.read_text()
        self.key = key
        # Never negotiate: only the configured asymmetric algorithms, never "none" or HS*.
        self.algorithms = [a for a in settings.auth_algorithms if a.startswith(("RS", "ES", "PS"))]

    def verify(self, token: str) -> Principal:
        if not self.key:
            raise Problem(
                503, "Authentication not configured", "The service has no token verification key."
            )
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key,
                algorithms=self.algorithms,
                audience=self.settings.auth_audience,
                issuer=self.settings.auth_issuer,
                leeway=self.settings.auth_leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise Problem(
                401,
                "Invalid token",
                str(exc),
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ) from exc
        roles = claims.get(self.settings.auth_roles_claim) or []
        units = claims.get(self.settings.auth_units_claim) or []
        if not isinstance(roles, list) or not isinstance(units, list):
            raise Problem(401, "Invalid token", "roles and units claims must be lists")
        return Principal(
            person_id=str(claims["sub"]),
            roles=frozenset(str(r) for r in roles),
            unit_ids=frozenset(str(u) for u in units),
        )


_bearer = HTTPBearer(auto_error=False, description="JWT from the city's identity provider")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(
            401,
            "Authentication required",
            "Send an Authorization: Bearer token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Any:
    """A dependency that lets only principals with one of ``roles`` through (403 otherwise)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(*roles):
            raise Problem(
                403, "Forbidden", f"This action needs one of the roles: {', '.join(roles)}"
            )
        return principal

    return Depends(check)
