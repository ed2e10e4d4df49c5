"""Import the organisation from a CSV file into the HR stream (what the city's HR adapter does).

CSV format (UTF-8, a BOM is fine, comma-separated, first row is the header)::

    record,id,parent_id,name_fi,name_sv,name_en,unit_id,display_name,email,language,roles,access_roles
    department,d-sivistys,,Sivistystoimi,Bildningsväsendet,Education and Culture,,,,,,
    unit,u-kirjasto,d-sivistys,Kirjastopalvelut,Bibliotekstjänster,Library services,,,,,,
    person,p-1001,,,,,u-kirjasto,Aino Virtanen,aino.virtanen@kuusijarvi.example,fi,employee,

One row per record; ``record`` says which columns matter:

- ``department`` / ``unit`` → ``UnitUpserted`` (``kind`` = the record value): ``id`` and
  ``name_fi`` required; ``parent_id``, ``name_sv``, ``name_en`` optional.
- ``person`` → ``PersonUpserted``: ``id``, ``unit_id``, ``display_name``, ``email`` required;
  ``language`` ``fi``/``sv``/``en`` (default ``fi``); ``roles`` = HR roles separated by ``;``
  (``employee``, ``change_agent``, ``supervisor``, ``committee_member``, ``reward_approver``,
  ``management``; empty = ``employee``); ``access_roles`` = roles the identity provider grants
  rather than HR (e.g. ``hr``, ``admin``): never published, only read by
  ``ideapaja token --from-csv`` to mint a matching dev token.

Columns may come in any order; ``record`` and ``id`` are required, an unknown column is an error
(a typo would otherwise drop data silently). Rows whose first cell starts with ``#`` and empty rows
are skipped. ``parent_id`` and ``unit_id`` must name a department/unit in the same file unless
``partial=True`` (``--partial``: the rest is already in the HR stream).

Everything is validated before anything is published; all errors are reported with their line
numbers. Units are published parents first, then persons, each on its own subject
(``hr.unit.<id>``, ``hr.person.<id>``) of the HR stream, which keeps one message per subject.

Idempotent: a record whose body equals the latest message on its subject is not published again
(``unchanged``). Otherwise the CloudEvents ``ce-id`` and ``Nats-Msg-Id`` are a UUID derived from the
SHA-256 of the record's content and the sequence of the message it replaces, so two imports racing
with the same data store it once (JetStream reports the second as a duplicate), while a change
that is later reverted (A → B → A) is still published.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from ideapaja_contracts import Event, encode
from ideapaja_runner.hr_records import parse_organisation
from ideapaja_runner.natsauth import Credentials, hint
from ideapaja_runtime.settings import ServiceSettings, nats_servers
from ideapaja_runtime.streams import ensure_streams

SOURCE = "/ideapaja/hr-adapter"
DEFAULT_NATS_URL = "nats://127.0.0.1:4223"
_ID_NAMESPACE = uuid.UUID("8f0b9b1e-5b8c-4a53-9c52-6f1f0e7d2a11")


class HrPublishError(RuntimeError):
    pass


@dataclass
class PublishSummary:
    published: int = 0
    unchanged: int = 0
    duplicates: int = 0
    subjects: list[str] = field(default_factory=list)  # those actually stored

    def __str__(self) -> str:
        return (
            f"{self.published} published, {self.unchanged} unchanged, "
            f"{self.duplicates} duplicate(s) dropped by JetStream"
        )


@asynccontextmanager
async def connect(
    nats_url: str,
    *,
    user: str | None = None,
    password: str | None = None,
    credentials: Credentials | None = None,
) -> AsyncIterator[tuple[NatsClient, JetStreamContext]]:
    """A short-lived connection for a command; fails fast (no endless reconnecting).

    Credentials: in the URL (``nats://user:pass@host:4222``), ``user``/``password``, or
    ``credentials`` (``natsauth.resolve``: the environment or the state directory). The operator
    users (hr-adapter, admin) receive replies on their own inbox prefix, which their permissions
    allow and the services' do not.
    """
    if credentials is None:
        credentials = Credentials(user, password, "IDEAPAJA_NATS_USER" if user else "none")
    options: dict[str, Any] = {}
    if credentials.inbox_prefix:
        options["inbox_prefix"] = credentials.inbox_prefix

    refused: list[str] = []

    async def quiet(exc: Exception) -> None:  # the error is raised to the caller instead
        if "permissions violation" in str(exc):
            refused.append(str(exc).removeprefix("nats: "))

    try:
        # nats-py retries forever inside connect() when max_reconnect_attempts is 0 (it means
        # "no limit" there), even with allow_reconnect=False; 1 gives two quick attempts.
        nc = await asyncio.wait_for(
            nats.connect(
                servers=nats_servers(nats_url),
                name="ideapaja-runner",
                user=credentials.user,
                password=credentials.password,
                allow_reconnect=False,
                connect_timeout=3,
                max_reconnect_attempts=1,
                reconnect_time_wait=0.2,
                error_cb=quiet,
                **options,
            ),
            timeout=10,
        )
    except Exception as exc:
        raise HrPublishError(
            f"cannot connect to NATS at {nats_url}: {exc or type(exc).__name__} "
            f"({hint(credentials)})"
        ) from exc
    try:
        yield nc, nc.jetstream(timeout=10)
    except TimeoutError as exc:
        # A request the user may not send goes unanswered; the server says why on the side.
        if refused:
            raise HrPublishError(
                f"NATS at {nats_url} refused: {refused[0]} ({hint(credentials)})"
            ) from exc
        raise
    finally:
        await nc.drain()


def content_hash(event: Event) -> str:
    digest = hashlib.sha256()
    for part in (event.event_type(), event.subject(), event.model_dump_json()):
        digest.update(part.encode())
        digest.update(b"\n")
    return digest.hexdigest()


async def publish_records(
    js: JetStreamContext,
    events: Sequence[Event],
    *,
    stream: str,
    source: str = SOURCE,
) -> PublishSummary:
    """Publish HR records in order; skip those equal to the latest message on their subject."""
    summary = PublishSummary()
    for event in events:
        subject = event.subject()
        body = event.model_dump_json().encode()
        previous_seq = 0
        try:
            last = await js.get_last_msg(stream, subject)
        except NotFoundError:
            last = None
        if last is not None:
            previous_seq = last.seq or 0
            last_type = (last.headers or {}).get("ce-type")
            if last.data == body and last_type == event.event_type():
                summary.unchanged += 1
                continue
        event_id = str(uuid.uuid5(_ID_NAMESPACE, f"{content_hash(event)}:{previous_seq}"))
        message = encode(event, source=source, event_id=event_id)
        ack = await js.publish(
            message.subject, message.body, headers=message.headers, stream=stream
        )
        if ack.duplicate:
            summary.duplicates += 1
        else:
            summary.published += 1
            summary.subjects.append(subject)
    return summary


async def publish_to_nats(
    events: Sequence[Event],
    nats_url: str,
    *,
    settings: ServiceSettings | None = None,
    credentials: Credentials | None = None,
) -> PublishSummary:
    """Create the streams if missing, then publish ``events`` to the HR stream (as the HR
    adapter: ``credentials``, else the settings' ``nats_user``/``nats_password``)."""
    settings = settings or ServiceSettings(nats_url=nats_url)
    async with connect(
        nats_url,
        user=settings.nats_user,
        password=settings.nats_password,
        credentials=credentials,
    ) as (_nc, js):
        await ensure_streams(js, settings)
        return await publish_records(js, events, stream=settings.hr_stream)


async def import_organisation(
    text: str,
    nats_url: str,
    *,
    source: str = "<csv>",
    partial: bool = False,
    settings: ServiceSettings | None = None,
    credentials: Credentials | None = None,
) -> PublishSummary:
    """Validate ``text`` completely (``CsvError`` → nothing published), then publish it."""
    org = parse_organisation(text, source=source, partial=partial)
    return await publish_to_nats(org.events, nats_url, settings=settings, credentials=credentials)
