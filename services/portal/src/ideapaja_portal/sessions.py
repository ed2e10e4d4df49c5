"""Server-side sessions: the browser holds a random key in an httpOnly, Secure, SameSite=Lax
cookie; the portal's database holds what the session knows (the person's access token, the CSRF
token, a login in progress), found by the key's SHA-256.

``SessionMiddleware`` gives every request ``request.session`` (a dict, as Starlette's and Authlib's
code expect) and stores it again only when it changed. A session ends when the person's access
token does, after ``session_idle_minutes`` without a request, or at logout. ``rotate(request)``
gives the session a new key (at login, so a key planted before login is worth nothing after).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

from sqlalchemy import delete, select
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ideapaja_portal.db.models import SessionRow
from ideapaja_runtime.db import Database

# A login in progress (state, nonce and PKCE verifier, before any token) lives this long.
LOGIN_WINDOW = timedelta(minutes=10)
# last_seen_at is written at most this often while nothing else changes.
TOUCH_EVERY = timedelta(minutes=1)
EXPIRES_AT = "_expires_at"  # session key: ISO time the session ends (the access token's end)
_ROTATE = "ideapaja.session.rotate"
_CLEAR = "ideapaja.session.clear"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def rotate(connection: HTTPConnection) -> None:
    """Give this session a new key when the response is sent (the old one stops working)."""
    connection.scope[_ROTATE] = True


def clear(connection: HTTPConnection) -> None:
    """End this session: its row is deleted and the browser told to forget the cookie."""
    connection.session.clear()
    connection.scope[_CLEAR] = True


def set_expiry(connection: HTTPConnection, when: datetime) -> None:
    connection.session[EXPIRES_AT] = when.isoformat()


class SessionStore:
    def __init__(self, db: Database, clock: Callable[[], datetime], idle: timedelta) -> None:
        self.db = db
        self.clock = clock
        self.idle = idle

    async def load(self, key: str) -> tuple[dict[str, Any], datetime] | None:
        """The session's data and when it was last seen, if it is still alive."""
        now = self.clock()
        async with self.db.sessions() as session:
            row = await session.get(SessionRow, key_hash(key))
        if row is None or row.expires_at <= now or row.last_seen_at + self.idle <= now:
            return None
        return dict(row.data), row.last_seen_at

    async def save(self, key: str, data: dict[str, Any], *, replaces: str | None = None) -> None:
        now = self.clock()
        expires = _expiry(data, now)
        async with self.db.transaction() as session:
            if replaces is not None:
                await session.execute(delete(SessionRow).where(SessionRow.key_hash == replaces))
            row = await session.get(SessionRow, key_hash(key))
            if row is None:
                # A new session is a good moment to forget the ones that ended.
                await session.execute(delete(SessionRow).where(SessionRow.expires_at <= now))
                session.add(
                    SessionRow(
                        key_hash=key_hash(key),
                        data=data,
                        person_id=data.get("person_id"),
                        created_at=now,
                        last_seen_at=now,
                        expires_at=expires,
                    )
                )
            else:
                row.data = data
                row.person_id = data.get("person_id")
                row.last_seen_at = now
                row.expires_at = expires

    async def touch(self, key: str) -> None:
        async with self.db.transaction() as session:
            row = await session.get(SessionRow, key_hash(key))
            if row is not None:
                row.last_seen_at = self.clock()

    async def delete(self, key: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(delete(SessionRow).where(SessionRow.key_hash == key_hash(key)))

    async def count_for(self, person_id: str) -> int:
        async with self.db.sessions() as session:
            rows = await session.scalars(
                select(SessionRow.key_hash).where(SessionRow.person_id == person_id)
            )
            return len(rows.all())


def _expiry(data: dict[str, Any], now: datetime) -> datetime:
    stated = data.get(EXPIRES_AT)
    if isinstance(stated, str):
        try:
            return datetime.fromisoformat(stated)
        except ValueError:
            pass
    return now + LOGIN_WINDOW


class SessionMiddleware:
    def __init__(
        self, app: ASGIApp, store: Callable[[], SessionStore], cookie: str, secure: bool
    ) -> None:
        self.app = app
        self.store = store  # made at start (it needs the runtime's database)
        self.cookie = cookie
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _wants_session(scope["path"]):
            await self.app(scope, receive, send)
            return
        store = self.store()
        key = _cookie(scope, self.cookie)
        loaded = await store.load(key) if key else None
        data, last_seen = loaded if loaded else ({}, None)
        if loaded is None:
            key = None
        scope["session"] = data
        before = json.dumps(data, sort_keys=True)

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                cookie = await self._persist(scope, store, key, before, last_seen)
                if cookie is not None:
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_session)

    async def _persist(
        self,
        scope: Scope,
        store: SessionStore,
        key: str | None,
        before: str,
        last_seen: datetime | None,
    ) -> str | None:
        """Store the session as the response leaves; the Set-Cookie value, if any."""
        data: dict[str, Any] = scope["session"]
        if scope.get(_CLEAR) or (key is not None and not data):
            if key is not None:
                await store.delete(key)
            return self._cookie_header("", max_age=0)
        if not data:
            return None  # nothing to remember: no cookie for a passer-by
        changed = json.dumps(data, sort_keys=True) != before
        if key is None or scope.get(_ROTATE):
            new_key = secrets.token_urlsafe(32)
            await store.save(new_key, data, replaces=key_hash(key) if key else None)
            return self._cookie_header(new_key)
        if changed:
            await store.save(key, data)
        elif last_seen is not None and store.clock() - last_seen >= TOUCH_EVERY:
            await store.touch(key)
        return None

    def _cookie_header(self, value: str, *, max_age: int | None = None) -> str:
        # A session cookie (no Max-Age) unless it is being removed: closing the browser ends it.
        cookie = SimpleCookie()
        cookie[self.cookie] = value
        morsel = cookie[self.cookie]
        morsel["path"] = "/"
        morsel["httponly"] = True
        morsel["samesite"] = "Lax"
        if self.secure:
            morsel["secure"] = True
        if max_age is not None:
            morsel["max-age"] = max_age
        return morsel.OutputString()


def _cookie(scope: Scope, name: str) -> str | None:
    for header, value in scope.get("headers", []):
        if header == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is no session
                return None
            if name in jar:
                return jar[name].value or None
    return None


def _wants_session(path: str) -> bool:
    """Static files, health and metrics never read or write a session."""
    return not path.startswith(("/static/", "/healthz", "/readyz", "/metrics"))
