"""The local dev token issuer: an RSA-2048 key pair generated once per state directory, and
RS256 JWTs shaped like the city's identity provider's (``sub``, ``roles``, ``units``).

Services verify them with ``AUTH_PUBLIC_KEY_FILE=<state>/dev-issuer/public.pem``; nothing but
the embedded default trusts this key.

Services also get tokens of their own for calling each other, as from the city's provider by the
OAuth2 client-credentials grant: every service started by ``ideapaja up`` is a client (client id
= service name) with a random secret generated once per state directory and kept in
``<state>/dev-issuer/clients.json`` (0600), and the token endpoint (``tokenendpoint``) issues it
tokens with ``sub`` = ``service:<name>`` and the one role ``<name>-service``, with the same
issuer, audience and ``kid`` as the people's tokens.

People sign in to the portal through the same endpoint as an OpenID Connect provider (``oidc``):
their access tokens carry the same claims as ``issue_token``'s (``person_claims``).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ideapaja_runner.state import StateDir

ISSUER = "ideapaja-dev"
AUDIENCE = "ideapaja"
ALGORITHM = "RS256"
KNOWN_ROLES = (
    "employee",
    "change_agent",
    "supervisor",
    "committee_member",
    "reward_approver",
    "hr",
    "management",
    "admin",
)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Services' own tokens: ``sub`` and role (``ideapaja_runtime.authz.service_role``; a test keeps
# them equal: importing the runtime would slow down `ideapaja --help`).
SERVICE_SUBJECT_PREFIX = "service:"
SERVICE_ROLE_SUFFIX = "-service"
SERVICE_TOKEN_TTL_SECONDS = 900


class TokenError(ValueError):
    pass


def ensure_keypair(state: StateDir) -> tuple[Path, Path]:
    """Create ``private.pem`` (mode 0600) and ``public.pem`` unless both exist; return paths.

    If only the private key exists the public key is derived from it again.
    """
    state.issuer_dir.mkdir(parents=True, exist_ok=True)
    with (state.issuer_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two commands starting at once make one key pair
        _ensure_keypair(state)
    return state.private_key, state.public_key


def _ensure_keypair(state: StateDir) -> None:
    if not state.private_key.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_new(state.private_key, pem, mode=0o600)
        state.public_key.unlink(missing_ok=True)
    if not state.public_key.exists():
        private = _load_private(state.private_key)
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        _write_new(state.public_key, public_pem, mode=0o644)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write atomically so a concurrent reader never sees half a key."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _load_private(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TokenError(f"{path} is not an RSA private key")
    return key


def key_id(public_pem: bytes) -> str:
    """A stable ``kid``: the first 16 bytes of the SHA-256 of the public key, base64url."""
    digest = hashlib.sha256(public_pem).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class Signer:
    """The dev issuer's private key, loaded once, and its ``kid``."""

    key: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def of(cls, state: StateDir) -> Signer:
        ensure_keypair(state)
        return cls(_load_private(state.private_key), key_id(state.public_key.read_bytes()))

    def sign(self, claims: Mapping[str, Any], *, typ: str | None = None) -> str:
        headers: dict[str, str] = {"kid": self.kid}
        if typ is not None:
            headers["typ"] = typ
        return jwt.encode(dict(claims), self.key, algorithm=ALGORITHM, headers=headers)

    def service_token(
        self,
        client_id: str,
        *,
        ttl_seconds: int = SERVICE_TOKEN_TTL_SECONDS,
        now: int | None = None,
    ) -> str:
        """A service's own access token (client-credentials grant): ``sub`` service:<name>, the
        role <name>-service, no units; ``client_id`` and ``jti`` as in RFC 9068."""
        if not _ID.match(client_id):
            raise TokenError(f"client id {client_id!r} must match {_ID.pattern}")
        if ttl_seconds <= 0:
            raise TokenError("ttl must be positive")
        issued = int(time.time()) if now is None else now
        claims = {
            "sub": f"{SERVICE_SUBJECT_PREFIX}{client_id}",
            "roles": [f"{client_id}{SERVICE_ROLE_SUFFIX}"],
            "units": [],
            "client_id": client_id,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return self.sign(claims, typ="at+jwt")


def issue_token(
    state: StateDir,
    *,
    person_id: str,
    roles: Iterable[str],
    units: Iterable[str] = (),
    ttl_seconds: int = 3600,
    now: int | None = None,
) -> str:
    """An RS256 JWT for ``person_id`` signed with the dev issuer key (created if missing)."""
    claims = person_claims(
        person_id=person_id, roles=roles, units=units, ttl_seconds=ttl_seconds, now=now
    )
    return Signer.of(state).sign(claims)


def person_claims(
    *,
    person_id: str,
    roles: Iterable[str],
    units: Iterable[str] = (),
    ttl_seconds: int = 3600,
    now: int | None = None,
) -> dict[str, Any]:
    """The claims of a person's access token (``issue_token``, and the OIDC code flow's)."""
    if not _ID.match(person_id):
        raise TokenError(f"person id {person_id!r} must match {_ID.pattern}")
    roles = _unique(roles)
    units = _unique(units)
    for unit in units:
        if not _ID.match(unit):
            raise TokenError(f"unit id {unit!r} must match {_ID.pattern}")
    if ttl_seconds <= 0:
        raise TokenError("ttl must be positive")
    issued = int(time.time()) if now is None else now
    return {
        "sub": person_id,
        "roles": roles,
        "units": units,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
    }


def read_clients(state: StateDir) -> dict[str, str] | None:
    """The services' client secrets by client id, or None if ``up`` never made them."""
    from ideapaja_runner.natsauth import read_secrets

    return read_secrets(state.service_clients, TokenError, "client id → secret")


def ensure_clients(state: StateDir, services: Iterable[str]) -> dict[str, str]:
    """Each service's client secret: new ones generated, existing ones kept (like the NATS
    passwords, ``natsauth.ensure_passwords``)."""
    from ideapaja_runner.natsauth import write_private

    state.issuer_dir.mkdir(parents=True, exist_ok=True)
    with (state.issuer_dir / ".clients.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        clients = read_clients(state) or {}
        missing = [name for name in services if name not in clients]
        for name in missing:
            if not _ID.match(name):
                raise TokenError(f"service name {name!r} cannot be a client id")
        if missing or not state.service_clients.exists():
            clients.update({name: secrets.token_urlsafe(32) for name in missing})
            write_private(
                state.service_clients, json.dumps(clients, indent=2, sort_keys=True) + "\n"
            )
        else:
            os.chmod(state.service_clients, 0o600)
    return clients


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))
