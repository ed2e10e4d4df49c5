"""The local dev token issuer: an RSA-2048 key pair generated once per state directory, and
RS256 JWTs shaped like the city's identity provider's (``sub``, ``roles``, ``units``).

Services verify them with ``AUTH_PUBLIC_KEY_FILE=<state>/dev-issuer/public.pem``; nothing but
the embedded default trusts this key.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path

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
    if not _ID.match(person_id):
        raise TokenError(f"person id {person_id!r} must match {_ID.pattern}")
    roles = _unique(roles)
    units = _unique(units)
    for unit in units:
        if not _ID.match(unit):
            raise TokenError(f"unit id {unit!r} must match {_ID.pattern}")
    if ttl_seconds <= 0:
        raise TokenError("ttl must be positive")
    ensure_keypair(state)
    issued = int(time.time()) if now is None else now
    claims = {
        "sub": person_id,
        "roles": roles,
        "units": units,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
    }
    kid = key_id(state.public_key.read_bytes())
    return jwt.encode(
        claims, _load_private(state.private_key), algorithm=ALGORITHM, headers={"kid": kid}
    )


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))
