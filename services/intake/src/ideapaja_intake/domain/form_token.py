"""Short-lived signed form tokens: how a plain HTML form (which cannot send an Authorization
header) proves who is submitting.

The intranet's backend (or its page script), holding the user's bearer token, asks intake for a
form token and puts it in a hidden field of its form, or in the URL of the embeddable form page.
The token names the person, their roles and units, expires soon, and has an id (``jti``) that
makes it single-use: a second submission with it is answered as a retry of the first.
Format: ``v1.<payload, base64url JSON>.<HMAC-SHA256 of "v1.<payload>", base64url>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

VERSION = "v1"
AUDIENCE = "ideapaja-intake-form"
TOKEN_MAX = 4096


class InvalidFormToken(ValueError):
    pass


class ExpiredFormToken(InvalidFormToken):
    """Genuine (the signature holds) but too old: a form left open, not a guess."""


@dataclass(frozen=True)
class FormClaims:
    person_id: str
    roles: tuple[str, ...]
    unit_ids: tuple[str, ...]
    expires_at: datetime
    token_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, signed: str) -> str:
    return _b64(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())


def issue_form_token(
    secret: str,
    *,
    person_id: str,
    roles: tuple[str, ...],
    unit_ids: tuple[str, ...],
    now: datetime,
    ttl: timedelta,
) -> tuple[str, FormClaims]:
    claims = FormClaims(
        person_id=person_id,
        roles=tuple(sorted(roles)),
        unit_ids=tuple(sorted(unit_ids)),
        expires_at=(now + ttl).astimezone(UTC).replace(microsecond=0),
        token_id=secrets.token_urlsafe(18),
    )
    payload = _b64(
        json.dumps(
            {
                "aud": AUDIENCE,
                "sub": claims.person_id,
                "roles": list(claims.roles),
                "units": list(claims.unit_ids),
                "exp": int(claims.expires_at.timestamp()),
                "jti": claims.token_id,
            },
            separators=(",", ":"),
        ).encode()
    )
    signed = f"{VERSION}.{payload}"
    return f"{signed}.{_sign(secret, signed)}", claims


def read_form_token(secret: str, token: str, *, now: datetime) -> FormClaims:
    """The claims of a valid token; InvalidFormToken for anything forged, altered or expired."""
    if len(token) > TOKEN_MAX:
        raise InvalidFormToken("form token too long")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise InvalidFormToken("not a form token")
    signed = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(secret, signed), parts[2]):
        raise InvalidFormToken("bad signature")
    try:
        data: dict[str, Any] = json.loads(_unb64(parts[1]))
        if data.get("aud") != AUDIENCE:
            raise InvalidFormToken("wrong audience")
        claims = FormClaims(
            person_id=str(data["sub"]),
            roles=tuple(str(r) for r in data["roles"]),
            unit_ids=tuple(str(u) for u in data["units"]),
            expires_at=datetime.fromtimestamp(int(data["exp"]), UTC),
            token_id=str(data["jti"]),
        )
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        if isinstance(exc, InvalidFormToken):
            raise
        raise InvalidFormToken("malformed form token") from exc
    if now >= claims.expires_at:
        raise ExpiredFormToken("form token expired")
    return claims
