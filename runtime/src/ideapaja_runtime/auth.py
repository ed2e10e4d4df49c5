"""Bearer-token authentication (RS256 JWTs) and role checks for every HTTP endpoint."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ideapaja_runtime.iplimits import AUTH_FAILURES, count_ip_failure, refuse_if_exhausted
from ideapaja_runtime.problems import Problem
from ideapaja_runtime.settings import ServiceSettings


@dataclass(frozen=True)
class Principal:
    person_id: str
    roles: frozenset[str]
    unit_ids: frozenset[str]

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


DEV_ISSUER = "ideapaja-dev"


# A verified token is checked again after this long (or when it expires, if sooner), so a key
# the provider withdrew stops working within minutes even for tokens seen before.
VERIFIED_TTL_SECONDS = 300.0
VERIFIED_MAX_TOKENS = 10_000


class AuthConfigurationError(RuntimeError):
    """The service must not start with these authentication settings."""


class TokenVerifier:
    """Verifies bearer JWTs: a fixed list of asymmetric algorithms, required issuer, audience,
    expiry and subject, bounded clock skew. The key is either a configured PEM (the embedded dev
    issuer, or a pinned provider key) or the provider's JWKS, fetched and cached by ``kid``."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        # SHA-256 of a verified token → (its principal, until when it may be reused).
        self._verified: dict[bytes, tuple[Principal, float]] = {}
        key = settings.auth_public_key
        if key is None and settings.auth_public_key_file is not None:
            key = settings.auth_public_key_file.read_text()
        self.key = key
        self.jwks = (
            jwt.PyJWKClient(
                settings.auth_jwks_url,
                cache_keys=True,
                lifespan=settings.auth_jwks_cache_seconds,
                timeout=5,
            )
            if settings.auth_jwks_url
            else None
        )
        # Never negotiate: only the configured asymmetric algorithms, never "none" or HS*.
        self.algorithms = [a for a in settings.auth_algorithms if a.startswith(("RS", "ES", "PS"))]
        if not self.algorithms:
            raise AuthConfigurationError("auth_algorithms must name RS*, ES* or PS* algorithms")
        if settings.environment == "production":
            if settings.auth_issuer == DEV_ISSUER:
                raise AuthConfigurationError(
                    "the embedded development token issuer is refused in production: set "
                    "AUTH_ISSUER and AUTH_JWKS_URL to the city's identity provider"
                )
            if self.key is None and self.jwks is None:
                raise AuthConfigurationError("production needs AUTH_JWKS_URL or a public key")

    def verify(self, token: str, key: Any = None) -> Principal:
        return self._verify(token, key)[0]

    def _verify(self, token: str, key: Any = None) -> tuple[Principal, float]:
        """The token's principal and its expiry (epoch seconds)."""
        key = key if key is not None else self.key
        if not key:
            raise Problem(
                503, "Authentication not configured", "The service has no token verification key."
            )
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.settings.auth_audience,
                issuer=self.settings.auth_issuer,
                leeway=self.settings.auth_leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise _invalid(str(exc)) from exc
        roles = claims.get(self.settings.auth_roles_claim) or []
        units = claims.get(self.settings.auth_units_claim) or []
        if not isinstance(roles, list) or not isinstance(units, list):
            raise Problem(401, "Invalid token", "roles and units claims must be lists")
        principal = Principal(
            person_id=str(claims["sub"]),
            roles=frozenset(str(r) for r in roles),
            unit_ids=frozenset(str(u) for u in units),
        )
        return principal, float(claims["exp"])

    def remembered(self, token: str) -> Principal | None:
        """The principal of ``token`` if it was verified here and may still be reused."""
        digest = hashlib.sha256(token.encode()).digest()
        known = self._verified.get(digest)
        if known is None:
            return None
        principal, valid_until = known
        if time.time() < valid_until:
            return principal
        self._verified.pop(digest, None)
        return None

    async def authenticate(self, token: str) -> Principal:
        """Verify ``token``; with a JWKS, find its key by ``kid`` (network I/O off the loop).

        A token verified once is remembered (by its SHA-256) until it expires, at most
        ``VERIFIED_TTL_SECONDS``: a client sends the same token with every request, and an RSA
        signature check per request costs more than the rest of a small request's work."""
        known = self.remembered(token)
        if known is not None:
            return known
        return await self.verify_and_remember(token)

    async def verify_and_remember(self, token: str) -> Principal:
        """Verify ``token`` (not looked up first: the caller just did) and remember it."""
        digest = hashlib.sha256(token.encode()).digest()
        now = time.time()
        if self.jwks is None:
            principal, expires = self._verify(token)
        else:
            try:
                signing_key = await asyncio.to_thread(self.jwks.get_signing_key_from_jwt, token)
            except jwt.PyJWKClientConnectionError as exc:
                raise Problem(503, "Identity provider unreachable", "Try again shortly.") from exc
            except jwt.PyJWTError as exc:
                raise _invalid(str(exc)) from exc
            principal, expires = self._verify(token, signing_key.key)
        if len(self._verified) >= VERIFIED_MAX_TOKENS:
            # The oldest remembered token goes first (dicts keep insertion order).
            del self._verified[next(iter(self._verified))]
        self._verified[digest] = (principal, min(expires, now + VERIFIED_TTL_SECONDS))
        return principal


def _invalid(detail: str) -> Problem:
    return Problem(
        401, "Invalid token", detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


_bearer = HTTPBearer(auto_error=False, description="JWT from the city's identity provider")


async def authenticate_request(request: Request, token: str) -> Principal:
    """The principal of a bearer ``token`` sent with ``request``, under the per-IP limit of
    failed authentications: an address over it gets 429 before its token is even looked at
    (guessing tokens, or making the service fetch the provider's keys for made-up key ids, costs
    the guesser its address); a token that fails verification counts, one that merely expired
    (its signature held) does not. A token this service verified before and still remembers
    passes without the check: guessing cannot produce one, and a colleague behind the same
    office address as a guesser keeps working. Every route that takes a bearer token goes
    through here."""
    verifier: TokenVerifier = request.app.state.token_verifier
    known = verifier.remembered(token)
    if known is not None:
        return known
    await refuse_if_exhausted(request, AUTH_FAILURES)
    try:
        return await verifier.verify_and_remember(token)
    except Problem as problem:
        if problem.status == 401 and not isinstance(problem.__cause__, jwt.ExpiredSignatureError):
            await count_ip_failure(request, AUTH_FAILURES)
        raise


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
    return await authenticate_request(request, credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Any:
    """A dependency that lets only principals with one of ``roles`` through (403 otherwise)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(*roles):
            raise Problem(
                403,
                "Forbidden",
                f"This action needs one of the roles: {', '.join(roles)}",
                reason="role",
            )
        return principal

    return Depends(check)
