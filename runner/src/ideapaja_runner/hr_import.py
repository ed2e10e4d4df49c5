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
import csv
import hashlib
import io
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from ideapaja_contracts import Event, encode
from ideapaja_contracts.events.hr import (
    HrRole,
    PersonLeft,
    PersonUpserted,
    UnitKind,
    UnitUpserted,
)
from ideapaja_runner.natsauth import Credentials, hint
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.streams import ensure_streams

SOURCE = "/ideapaja/hr-adapter"
DEFAULT_NATS_URL = "nats://127.0.0.1:4223"
_ID_NAMESPACE = uuid.UUID("8f0b9b1e-5b8c-4a53-9c52-6f1f0e7d2a11")
COLUMNS = (
    "record", "id", "parent_id", "name_fi", "name_sv", "name_en", "unit_id",
    "display_name", "email", "language", "roles", "access_roles",
)  # fmt: skip
HR_ROLES = tuple(role.value for role in HrRole)
RECORD_KINDS = ("department", "unit", "person")
_ROLE_SPLIT = re.compile(r"[;|,\s]+")
_ROLE_TOKEN = re.compile(r"^[a-z][a-z0-9_]*$")


class CsvError(ValueError):
    """The file is not importable; ``errors`` has one ``line N: …`` message per problem."""

    def __init__(self, source: str, errors: Sequence[str]) -> None:
        self.source = source
        self.errors = list(errors)
        super().__init__(f"{source}: {len(self.errors)} error(s)\n" + "\n".join(self.errors))


class HrPublishError(RuntimeError):
    pass


@dataclass(frozen=True)
class Record:
    line: int
    event: UnitUpserted | PersonUpserted
    access_roles: tuple[str, ...] = ()


@dataclass
class Organisation:
    units: list[Record] = field(default_factory=list)  # parents before children
    persons: list[Record] = field(default_factory=list)

    @property
    def events(self) -> list[Event]:
        return [r.event for r in (*self.units, *self.persons)]

    def person(self, person_id: str) -> Record | None:
        return next((r for r in self.persons if r.event.aggregate_id() == person_id), None)


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


def demo_csv_text() -> str:
    return (resources.files("ideapaja_runner") / "demo" / "organisation.csv").read_text("utf-8")


def read_csv_file(path: Path) -> str:
    try:
        return path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(str(path), [f"not UTF-8 text: {exc}"]) from exc
    except OSError as exc:
        raise CsvError(str(path), [f"cannot read: {exc.strerror or exc}"]) from exc


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}" if where else err["msg"])
    return "; ".join(parts)


def _split_roles(value: str) -> list[str]:
    return [r for r in _ROLE_SPLIT.split(value.strip()) if r]


def parse_organisation(text: str, *, source: str = "<csv>", partial: bool = False) -> Organisation:
    """Validate the whole file; raise ``CsvError`` listing every problem, or return the records."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[str] = []
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [c.strip().lower() for c in cells]
                header_line = line
                unknown = [c for c in header if c not in COLUMNS]
                dupes = {c for c in header if header.count(c) > 1}
                if unknown:
                    errors.append(
                        f"line {line}: unknown column(s) {', '.join(map(repr, unknown))}; "
                        f"known: {', '.join(COLUMNS)}"
                    )
                if dupes:
                    errors.append(f"line {line}: column(s) repeated: {', '.join(sorted(dupes))}")
                for required in ("record", "id"):
                    if required not in header:
                        errors.append(f"line {line}: the header has no {required!r} column")
                if errors:
                    raise CsvError(source, errors)
                continue
            if len(cells) > len(header):
                errors.append(
                    f"line {line}: {len(cells)} cells but the header (line {header_line}) "
                    f"has {len(header)} columns"
                )
                continue
            rows.append((line, {h: c.strip() for h, c in zip(header, cells, strict=False)}))
    except csv.Error as exc:
        errors.append(f"line {reader.line_num}: {exc}")
    if header is None:
        raise CsvError(source, [*errors, "no header row (record,id,…) found"])

    units: dict[str, Record] = {}
    persons: dict[str, Record] = {}
    for line, row in rows:
        record = row.get("record", "").lower()
        record_id = row.get("id", "")
        if record not in RECORD_KINDS:
            errors.append(
                f"line {line}: record must be one of {', '.join(RECORD_KINDS)}, got {record!r}"
            )
            continue
        try:
            if record == "person":
                roles = _split_roles(row.get("roles", ""))
                access_roles = _split_roles(row.get("access_roles", ""))
                bad = [r for r in access_roles if not _ROLE_TOKEN.match(r)]
                if bad:
                    errors.append(f"line {line}: access_roles: not a role name: {', '.join(bad)}")
                    continue
                not_hr = [r for r in roles if r not in HR_ROLES]
                if not_hr:
                    errors.append(
                        f"line {line}: person {record_id}: roles: {', '.join(not_hr)} not HR "
                        f"role(s) ({', '.join(HR_ROLES)}); roles the identity provider grants "
                        "(e.g. hr, admin) belong in access_roles"
                    )
                    continue
                person_fields: dict[str, Any] = {
                    "person_id": record_id,
                    "unit_id": row.get("unit_id", ""),
                    "display_name": row.get("display_name", ""),
                    "email": row.get("email", ""),
                    "language": row.get("language") or "fi",
                }
                if roles:
                    person_fields["roles"] = roles
                for required in ("unit_id", "display_name", "email"):
                    if not row.get(required):
                        raise _Missing(required)
                person = PersonUpserted(**person_fields)
                if record_id in persons:
                    errors.append(
                        f"line {line}: person {record_id} already defined on line "
                        f"{persons[record_id].line}"
                    )
                    continue
                persons[record_id] = Record(line, person, tuple(access_roles))
            else:
                if not row.get("name_fi"):
                    raise _Missing("name_fi")
                unit = UnitUpserted(
                    unit_id=record_id,
                    kind=UnitKind(record),
                    parent_id=row.get("parent_id") or None,
                    name_fi=row.get("name_fi", ""),
                    name_sv=row.get("name_sv", ""),
                    name_en=row.get("name_en", ""),
                )
                if record_id in units:
                    errors.append(
                        f"line {line}: unit {record_id} already defined on line "
                        f"{units[record_id].line}"
                    )
                    continue
                units[record_id] = Record(line, unit)
        except _Missing as exc:
            errors.append(
                f"line {line}: {record} {record_id or '(no id)'}: {exc.column} is required"
            )
        except ValidationError as exc:
            errors.append(f"line {line}: {record} {record_id or '(no id)'}: {_describe(exc)}")

    if not partial:
        for rec in units.values():
            parent = rec.event.parent_id  # type: ignore[union-attr]
            if parent and parent not in units:
                errors.append(
                    f"line {rec.line}: parent_id {parent!r} is not a department or unit in this "
                    "file (use --partial if it is already in the HR stream)"
                )
        for rec in persons.values():
            unit_id = rec.event.unit_id
            if unit_id not in units:
                errors.append(
                    f"line {rec.line}: unit_id {unit_id!r} is not a department or unit in this "
                    "file (use --partial if it is already in the HR stream)"
                )
    errors.extend(_cycles(units))
    if errors:
        raise CsvError(source, sorted(errors, key=_line_of))
    if not units and not persons:
        raise CsvError(source, ["no records (department, unit or person rows) in the file"])
    return Organisation(units=_parents_first(units), persons=list(persons.values()))


class _Missing(Exception):
    def __init__(self, column: str) -> None:
        self.column = column


def _line_of(message: str) -> int:
    match = re.match(r"line (\d+):", message)
    return int(match.group(1)) if match else 0


def _cycles(units: dict[str, Record]) -> list[str]:
    errors = []
    for start, rec in units.items():
        seen = {start}
        parent = rec.event.parent_id  # type: ignore[union-attr]
        while parent in units:
            if parent in seen:
                errors.append(f"line {rec.line}: unit {start} is its own ancestor (parent cycle)")
                break
            seen.add(parent)
            parent = units[parent].event.parent_id  # type: ignore[union-attr]
    return errors


def _parents_first(units: dict[str, Record]) -> list[Record]:
    ordered: list[Record] = []
    placed: set[str] = set()

    def place(unit_id: str) -> None:
        if unit_id in placed or unit_id not in units:
            return
        placed.add(unit_id)
        parent = units[unit_id].event.parent_id  # type: ignore[union-attr]
        if parent:
            place(parent)
        ordered.append(units[unit_id])

    for unit_id in units:
        place(unit_id)
    return ordered


def person_claims(org: Organisation, person_id: str) -> tuple[list[str], list[str]]:
    """Roles (HR roles + access roles) and units of a person, for a matching dev token."""
    rec = org.person(person_id)
    if rec is None:
        raise KeyError(person_id)
    event = rec.event
    assert isinstance(event, PersonUpserted)
    roles = [str(r) for r in event.roles] + list(rec.access_roles)
    return list(dict.fromkeys(roles)), [event.unit_id]


# --- publishing -------------------------------------------------------------------------------


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
                nats_url,
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


def person_left(person_id: str, left_on: date) -> PersonLeft:
    try:
        return PersonLeft(person_id=person_id, left_on=left_on.isoformat())
    except ValidationError as exc:
        raise CsvError("hr leave", [_describe(exc)]) from exc
