"""HR records from the organisation CSV, validated completely before anything is published.

The format is described in ``hr_import`` (also ``ideapaja hr import --help``). Every problem is
collected with its line number and raised together as one ``CsvError``. Nothing here does I/O
beyond reading the file it is given.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ideapaja_contracts import Event
from ideapaja_contracts.events.hr import (
    HrRole,
    PersonLeft,
    PersonUpserted,
    UnitKind,
    UnitUpserted,
)

COLUMNS = (
    "record", "id", "parent_id", "name_fi", "name_sv", "name_en", "unit_id",
    "display_name", "email", "language", "roles", "access_roles",
)  # fmt: skip
HR_ROLES = tuple(role.value for role in HrRole)
RECORD_KINDS = ("department", "unit", "person")
_ROLE_SPLIT = re.compile(r"[;|,\s]+")
_ROLE_TOKEN = re.compile(r"^[a-z][a-z0-9_]*$")
_NOT_IN_FILE = (
    "is not a department or unit in this file (use --partial if it is already in the HR stream)"
)


class CsvError(ValueError):
    """The file is not importable; ``errors`` has one ``line N: …`` message per problem."""

    def __init__(self, source: str, errors: Sequence[str]) -> None:
        self.source = source
        self.errors = list(errors)
        super().__init__(f"{source}: {len(self.errors)} error(s)\n" + "\n".join(self.errors))


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
    rows, errors = _read_rows(text.removeprefix("\ufeff"), source)
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
            parsed = _record_of(line, record, record_id, row)
        except _RowError as exc:
            errors.append(exc.message)
            continue
        kind, known = ("person", persons) if record == "person" else ("unit", units)
        if record_id in known:
            errors.append(
                f"line {line}: {kind} {record_id} already defined on line {known[record_id].line}"
            )
            continue
        known[record_id] = parsed
    if not partial:
        errors.extend(_dangling_references(units, persons))
    errors.extend(_cycles(units))
    if errors:
        raise CsvError(source, sorted(errors, key=_line_of))
    if not units and not persons:
        raise CsvError(source, ["no records (department, unit or person rows) in the file"])
    return Organisation(units=_parents_first(units), persons=list(persons.values()))


def _read_rows(text: str, source: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The data rows by line number, and the errors of rows that cannot be read at all; a bad
    header raises ``CsvError`` at once (nothing after it can be understood)."""
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
                if header_errors := _header_errors(header, line):
                    raise CsvError(source, header_errors)
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
    return rows, errors


def _header_errors(header: list[str], line: int) -> list[str]:
    errors = []
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
    return errors


def _record_of(line: int, record: str, record_id: str, row: dict[str, str]) -> Record:
    """One department, unit or person row as a record; ``_RowError`` says why it is not one."""
    try:
        if record == "person":
            return _person(line, record_id, row)
        return _unit(line, record, record_id, row)
    except _Missing as exc:
        raise _RowError(
            f"line {line}: {record} {record_id or '(no id)'}: {exc.column} is required"
        ) from exc
    except ValidationError as exc:
        raise _RowError(
            f"line {line}: {record} {record_id or '(no id)'}: {_describe(exc)}"
        ) from exc


def _person(line: int, record_id: str, row: dict[str, str]) -> Record:
    roles = _split_roles(row.get("roles", ""))
    access_roles = _split_roles(row.get("access_roles", ""))
    bad = [r for r in access_roles if not _ROLE_TOKEN.match(r)]
    if bad:
        raise _RowError(f"line {line}: access_roles: not a role name: {', '.join(bad)}")
    not_hr = [r for r in roles if r not in HR_ROLES]
    if not_hr:
        raise _RowError(
            f"line {line}: person {record_id}: roles: {', '.join(not_hr)} not HR "
            f"role(s) ({', '.join(HR_ROLES)}); roles the identity provider grants "
            "(e.g. hr, admin) belong in access_roles"
        )
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
    return Record(line, PersonUpserted(**person_fields), tuple(access_roles))


def _unit(line: int, record: str, record_id: str, row: dict[str, str]) -> Record:
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
    return Record(line, unit)


def _dangling_references(units: dict[str, Record], persons: dict[str, Record]) -> list[str]:
    """Parents and units that are not in the file (fine with ``partial``)."""
    errors = []
    for rec in units.values():
        parent = rec.event.parent_id  # type: ignore[union-attr]
        if parent and parent not in units:
            errors.append(f"line {rec.line}: parent_id {parent!r} {_NOT_IN_FILE}")
    for rec in persons.values():
        unit_id = rec.event.unit_id
        if unit_id not in units:
            errors.append(f"line {rec.line}: unit_id {unit_id!r} {_NOT_IN_FILE}")
    return errors


class _Missing(Exception):
    def __init__(self, column: str) -> None:
        self.column = column


class _RowError(Exception):
    """A row that is not a valid record; ``message`` is its ``line N: …`` error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


def person_left(person_id: str, left_on: date) -> PersonLeft:
    try:
        return PersonLeft(person_id=person_id, left_on=left_on.isoformat())
    except ValidationError as exc:
        raise CsvError("hr leave", [_describe(exc)]) from exc
