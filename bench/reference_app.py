"""The thin durable reference (row 4's baseline (a)): one small ASGI app, no framework, doing the
durable work of ``POST /ideas`` by hand: verify the RS256 bearer token (issuer, audience, expiry;
a verified token remembered as intake does), check the body, then in ONE SQLite transaction
(the raw ``sqlite3`` driver; WAL, ``BEGIN IMMEDIATE``, as the runtime configures SQLite) check
the unit, count the person's submissions, insert the idea, its author, its first history entry
and the IdeaSubmitted outbox row; commit; publish the event with nats-py and wait for
JetStream's ack; mark the outbox row sent; answer 201 with the idea.

    python -m bench.reference_app --port P --database FILE --nats URL --public-key-file PEM
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import nats
import uvicorn

from ideapaja_contracts import encode
from ideapaja_contracts.events.idea import IdeaSubmitted

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
REQUIRED = ("title", "problem", "solution", "scope", "unit_id")

SCHEMA = """
CREATE TABLE IF NOT EXISTS units (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS ideas (id TEXT PRIMARY KEY, title TEXT, problem TEXT, solution TEXT,
  benefit TEXT, scope TEXT, unit_id TEXT, language TEXT, anonymous INTEGER, channel TEXT,
  author_ref TEXT, revision INTEGER, status TEXT, status_changed_at TEXT, created_at TEXT,
  submitted_at TEXT, search_terms TEXT);
CREATE INDEX IF NOT EXISTS ideas_unit ON ideas (unit_id);
CREATE INDEX IF NOT EXISTS ideas_status ON ideas (status);
CREATE TABLE IF NOT EXISTS idea_authors (idea_id TEXT REFERENCES ideas(id), person_id TEXT,
  kind TEXT, author_ref TEXT, added_at TEXT, PRIMARY KEY (idea_id, person_id));
CREATE TABLE IF NOT EXISTS idea_status_history (id INTEGER PRIMARY KEY AUTOINCREMENT,
  idea_id TEXT REFERENCES ideas(id), event_id TEXT UNIQUE, status TEXT, occurred_at TEXT,
  recorded_at TEXT);
CREATE TABLE IF NOT EXISTS submission_counters (person_id TEXT, hour TEXT, count INTEGER,
  PRIMARY KEY (person_id, hour));
CREATE TABLE IF NOT EXISTS outbox (event_id TEXT PRIMARY KEY, subject TEXT, headers TEXT,
  body BLOB, created_at TEXT, sent_at TEXT);
"""


class Reference:
    def __init__(self, database: Path, nats_url: str, public_key: str) -> None:
        self.db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO units VALUES ('u-kirjasto')")
        self.nats_url = nats_url
        self.public_key = public_key
        self.verified: dict[str, dict[str, Any]] = {}
        self.js: Any = None

    def principal(self, scope: Scope) -> dict[str, Any] | None:
        headers = dict(scope["headers"])
        token = headers.get(b"authorization", b"").decode().removeprefix("Bearer ")
        claims = self.verified.get(token)
        if claims is None:
            try:
                claims = jwt.decode(
                    token, self.public_key, ["RS256"], audience="ideapaja", issuer="ideapaja-dev"
                )
            except jwt.PyJWTError:
                return None
            self.verified[token] = claims
        return claims if "employee" in claims.get("roles", []) else None

    def store(self, person: str, body: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        """The rows of one submission, in one transaction; the idea and its event."""
        now = datetime.now(UTC).isoformat()
        idea = {"id": f"i-{uuid.uuid4().hex[:16]}", "status": "submitted", **body}
        ref = f"a-{uuid.uuid4().hex[:12]}"
        fields = ("title", "problem", "solution", "benefit", "scope", "unit_id", "language")
        event = IdeaSubmitted(
            idea_id=idea["id"],
            author_ids=[person],
            author_ref=ref,
            **{k: body[k] for k in fields if k in body},
        )
        message = encode(event, source="/reference")
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            if (
                db.execute("SELECT 1 FROM units WHERE id = ?", (body["unit_id"],)).fetchone()
                is None
            ):
                raise ValueError("unknown unit")
            db.execute(
                "INSERT INTO submission_counters VALUES (?, ?, 1) ON CONFLICT DO UPDATE "
                "SET count = count + 1",
                (person, now[:13]),
            )
            db.execute(
                "INSERT INTO ideas VALUES (?,?,?,?,?,?,?,?,0,'api',?,1,'submitted',?,?,?,?)",
                (idea["id"], body["title"], body["problem"], body["solution"],
                 body.get("benefit", ""), body["scope"], body["unit_id"],
                 body.get("language", "fi"), ref, now, now, now,
                 f"{body['title']} {body['problem']} {body['solution']}".lower()),
            )  # fmt: skip
            db.execute(
                "INSERT INTO idea_authors VALUES (?, ?, 'submitter', ?, ?)",
                (idea["id"], person, ref, now),
            )
            db.execute(
                "INSERT INTO idea_status_history (idea_id, event_id, status, occurred_at, "
                "recorded_at) VALUES (?, ?, 'submitted', ?, ?)",
                (idea["id"], message.envelope.id, now, now),
            )
            db.execute(
                "INSERT INTO outbox VALUES (?, ?, ?, ?, ?, NULL)",
                (message.envelope.id, message.subject, json.dumps(message.headers),
                 message.body, now),
            )  # fmt: skip
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return idea, message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        chunks = []
        while True:
            event = await receive()
            chunks.append(event.get("body", b""))
            if not event.get("more_body"):
                break
        claims = self.principal(scope)
        if claims is None:
            await respond(send, 401, {"title": "Unauthorized"})
            return
        try:
            body = json.loads(b"".join(chunks))
            if not all(isinstance(body.get(k), str) for k in REQUIRED):
                raise ValueError("missing fields")
            idea, message = self.store(claims["sub"], body)
        except ValueError as exc:
            await respond(send, 422, {"title": str(exc)})
            return
        await self.js.publish(message.subject, message.body, headers=message.headers)
        self.db.execute(
            "UPDATE outbox SET sent_at = ? WHERE event_id = ?",
            (datetime.now(UTC).isoformat(), message.envelope.id),
        )
        await respond(send, 201, idea)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.js = (await nats.connect(self.nats_url)).jetstream()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


async def respond(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--nats", required=True)
    parser.add_argument("--public-key-file", type=Path, required=True)
    args = parser.parse_args()
    app = Reference(args.database, args.nats, args.public_key_file.read_text())
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
