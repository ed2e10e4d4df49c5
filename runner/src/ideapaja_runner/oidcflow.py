"""The dev issuer's OpenID Connect code flow without HTTP: who may sign in (the people of the
organisation CSV), which clients may ask and where to (their registered redirect URIs), the
validation of an authorization request (RFC 6749 §4.1.1, PKCE S256 mandatory, RFC 7636), the
codes (single use, 60 s, in memory) and their exchange for an access token and an id_token.

``oidc`` serves it over HTTP; ``signinpage`` draws the person list.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ideapaja_contracts.events.hr import PersonUpserted, UnitUpserted
from ideapaja_runner import devissuer, hr_records

LANGUAGES = ("fi", "sv", "en")
SCOPES = ("openid", "profile", "email")
CODE_TTL_SECONDS = 60
MAX_CODES = 10_000
PERSON_TOKEN_TTL_SECONDS = 3600
MAX_STATE_CHARS = 512
# RFC 7636 §4.1/§4.2: a verifier is 43-128 unreserved characters; an S256 challenge is 43.
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class OidcConfig:
    """What the provider knows besides the key and the client secrets."""

    public_url: str = "http://127.0.0.1:8020"  # where browsers and clients reach the endpoint
    redirect_uris: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    post_logout_redirect_uris: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    organisation: hr_records.Organisation | None = None

    def url(self, path: str) -> str:
        return self.public_url.rstrip("/") + path


@dataclass(frozen=True)
class Person:
    """One person who can sign in, with what their tokens say about them."""

    person_id: str
    display_name: str
    email: str
    language: str
    unit_id: str
    roles: tuple[str, ...]
    units: tuple[str, ...]


def people(org: hr_records.Organisation | None) -> list[Person]:
    return [
        p for r in (org.persons if org else []) if (p := find_person(org, r.event.aggregate_id()))
    ]


def find_person(org: hr_records.Organisation | None, person_id: str) -> Person | None:
    """A person of the organisation, with roles and units as ``ideapaja token --from-csv``
    gives them (``employee`` when the CSV names none)."""
    record = org.person(person_id) if org else None
    if org is None or record is None or not isinstance(record.event, PersonUpserted):
        return None
    roles, units = hr_records.person_claims(org, person_id)
    event = record.event
    return Person(
        person_id=person_id,
        display_name=event.display_name,
        email=str(event.email),
        language=str(event.language),
        unit_id=event.unit_id,
        roles=tuple(roles or ["employee"]),
        units=tuple(units),
    )


def unit_names(org: hr_records.Organisation | None, language: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for record in org.units if org else []:
        unit = record.event
        if isinstance(unit, UnitUpserted):
            localized = {"fi": unit.name_fi, "sv": unit.name_sv, "en": unit.name_en}
            names[unit.unit_id] = localized.get(language) or unit.name_fi
    return names


def pick_language(ui_locales: str | None) -> str:
    """The first of ``ui_locales`` (space-separated BCP 47 tags) this page speaks; else fi."""
    for tag in (ui_locales or "").split():
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return LANGUAGES[0]


class PageError(Exception):
    """A request that must not be redirected (unknown client, unregistered redirect URI): the
    browser gets an error page (RFC 6749 §4.1.2.1)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class RedirectError(Exception):
    """A refused request whose redirect URI is known good: the client hears it there."""

    def __init__(self, redirect_uri: str, error: str, description: str, state: str | None):
        super().__init__(description)
        self.redirect_uri, self.error, self.description, self.state = (
            redirect_uri,
            error,
            description,
            state,
        )


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scope: str  # as granted: the known scopes asked for, in the order asked
    state: str | None
    nonce: str | None
    code_challenge: str
    language: str
    ui_locales: str | None

    def hidden_fields(self) -> dict[str, str]:
        """The request again, for the sign-in form to carry to ``POST /authorize``."""
        fields = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
            "state": self.state,
            "nonce": self.nonce,
            "ui_locales": self.ui_locales,
        }
        return {name: value for name, value in fields.items() if value is not None}


def validate_authorization(
    params: Mapping[str, str], config: OidcConfig, clients: Mapping[str, str]
) -> AuthorizationRequest:
    """The request, or ``PageError`` / ``RedirectError`` saying why not."""
    client_id = params.get("client_id", "")
    registered = config.redirect_uris.get(client_id, ()) if client_id in clients else ()
    if not registered:
        raise PageError(f"unknown client {client_id!r}" if client_id else "client_id is missing")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in registered:
        raise PageError(f"redirect_uri is not one registered for client {client_id}")
    state = params.get("state") or None

    def refuse(error: str, description: str) -> RedirectError:
        return RedirectError(redirect_uri, error, description, state)

    if state is not None and len(state) > MAX_STATE_CHARS:
        raise RedirectError(redirect_uri, "invalid_request", "state is too long", None)
    response_type = params.get("response_type")
    if response_type != "code":
        if response_type:
            raise refuse("unsupported_response_type", "only response_type=code is supported")
        raise refuse("invalid_request", "response_type is missing")
    asked = params.get("scope", "").split()
    if "openid" not in asked:
        raise refuse("invalid_scope", "scope must include openid")
    challenge = params.get("code_challenge", "")
    if not challenge:
        raise refuse("invalid_request", "code_challenge is required (PKCE, S256)")
    if params.get("code_challenge_method") != "S256":
        raise refuse("invalid_request", "code_challenge_method must be S256")
    if not _CHALLENGE.match(challenge):
        raise refuse("invalid_request", "code_challenge is not a base64url SHA-256")
    nonce = params.get("nonce") or None
    if nonce is not None and len(nonce) > MAX_STATE_CHARS:
        raise refuse("invalid_request", "nonce is too long")
    if "none" in params.get("prompt", "").split():
        raise refuse("login_required", "this provider keeps no session: sign in is needed")
    ui_locales = params.get("ui_locales") or None
    if ui_locales is not None and len(ui_locales) > 64:
        ui_locales = None
    return AuthorizationRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=" ".join(dict.fromkeys(s for s in asked if s in SCOPES)),
        state=state,
        nonce=nonce,
        code_challenge=challenge,
        language=pick_language(ui_locales),
        ui_locales=ui_locales,
    )


@dataclass(frozen=True)
class Grant:
    """What a code stands for."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    person_id: str
    scope: str
    auth_time: int
    expires_at: float


class CodeStore:
    """Outstanding codes in memory: single use, ``ttl`` seconds, at most ``limit`` (the oldest
    are dropped)."""

    def __init__(
        self,
        *,
        ttl: float = CODE_TTL_SECONDS,
        limit: int = MAX_CODES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ttl, self.limit, self.clock = ttl, limit, clock
        self._codes: OrderedDict[str, Grant] = OrderedDict()

    def __len__(self) -> int:
        return len(self._codes)

    def issue(self, request: AuthorizationRequest, person_id: str) -> str:
        now = self.clock()
        while self._codes and next(iter(self._codes.values())).expires_at <= now:
            self._codes.popitem(last=False)  # codes expire in the order they were issued
        while len(self._codes) >= self.limit:
            self._codes.popitem(last=False)
        code = secrets.token_urlsafe(32)
        self._codes[code] = Grant(
            client_id=request.client_id,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            nonce=request.nonce,
            person_id=person_id,
            scope=request.scope,
            auth_time=int(now),
            expires_at=now + self.ttl,
        )
        return code

    def take(self, code: str) -> Grant | None:
        """The code's grant, once; None if it is unknown, used or expired."""
        grant = self._codes.pop(code, None)
        if grant is None or grant.expires_at <= self.clock():
            return None
        return grant


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


class TokenRequestError(Exception):
    """A refused token request: ``error`` as RFC 6749 §5.2 names it."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


def exchange_code(
    form: Mapping[str, str],
    client_id: str,
    *,
    codes: CodeStore,
    signer: devissuer.Signer,
    organisation: hr_records.Organisation | None,
    ttl_seconds: int = PERSON_TOKEN_TTL_SECONDS,
) -> dict[str, Any]:
    """The token response for an authorization_code grant by the authenticated ``client_id``."""
    code, redirect_uri = form.get("code", ""), form.get("redirect_uri", "")
    verifier = form.get("code_verifier", "")
    for name, value in (("code", code), ("redirect_uri", redirect_uri)):
        if not value:
            raise TokenRequestError("invalid_request", f"{name} is missing")
    if not verifier:
        raise TokenRequestError("invalid_request", "code_verifier is missing (PKCE is required)")
    if not _VERIFIER.match(verifier):
        raise TokenRequestError("invalid_request", "code_verifier is not 43-128 unreserved chars")
    grant = codes.take(code)  # used up whatever follows
    if grant is None:
        raise TokenRequestError("invalid_grant", "the code is unknown, used or expired")
    if grant.client_id != client_id:
        raise TokenRequestError("invalid_grant", "the code was issued to another client")
    if grant.redirect_uri != redirect_uri:
        raise TokenRequestError("invalid_grant", "redirect_uri differs from the authorization's")
    if not secrets.compare_digest(s256(verifier), grant.code_challenge):
        raise TokenRequestError("invalid_grant", "code_verifier does not match code_challenge")
    person = find_person(organisation, grant.person_id)
    if person is None:
        raise TokenRequestError("invalid_grant", "the person is no longer in the organisation")
    now = int(codes.clock())
    try:
        access = devissuer.person_claims(
            person_id=person.person_id,
            roles=person.roles,
            units=person.units,
            ttl_seconds=ttl_seconds,
            now=now,
        )
    except devissuer.TokenError as exc:
        raise TokenRequestError("invalid_grant", str(exc)) from exc
    access_token = signer.sign({**access, "name": person.display_name})
    id_claims: dict[str, Any] = {
        "iss": devissuer.ISSUER,
        "sub": person.person_id,
        "aud": client_id,
        "iat": now,
        "exp": now + ttl_seconds,
        "auth_time": grant.auth_time,
        "at_hash": _at_hash(access_token),
        **userinfo_claims(person),
    }
    if grant.nonce is not None:
        id_claims["nonce"] = grant.nonce
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ttl_seconds,
        "id_token": signer.sign(id_claims),
        "scope": grant.scope,
    }


def userinfo_claims(person: Person) -> dict[str, str]:
    return {
        "sub": person.person_id,
        "name": person.display_name,
        "email": person.email,
        "locale": person.language,
    }
