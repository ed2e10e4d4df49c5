"""Time, one way for every service: an aware UTC clock that tests can replace, and a column type
that stores aware UTC datetimes on every dialect.

A service reads the time from its runtime (``runtime.clock()``, or ``uow.now`` inside a unit of
work), never from the system clock directly, so deadlines, retention and sweeps are tested with
controlled time.

A day or a time a caller gives is ISO 8601 (``IsoDate``, ``IsoDateTime``) in the years 1900-2999:
Pydantic on its own also reads a bare number as seconds since 1970 (``?submitted_to=0`` was
1 January 1970), a guess the API never makes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

Clock = Callable[[], datetime]

_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _written_out(value: Any) -> Any:
    """Refuse a number where a day or a time is wanted: seconds or milliseconds, since when?"""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError(
            "write an ISO 8601 day (2026-11-30) or time (2026-11-30T12:00:00+02:00), not a number"
        )
    return value


# Years a caller's day or time may name: Python's calendar ends at years 1 and 9999, so a day
# at either end has no day before or after it in another time zone (?from=0001-01-01 was a 500
# in the grant report); no city's idea is that old or that far ahead.
CALLER_YEARS = range(1900, 3000)


def _within_years(value: date) -> date:
    if value.year not in CALLER_YEARS:
        raise ValueError(f"must be in the years {CALLER_YEARS.start}-{CALLER_YEARS.stop - 1}")
    return value


IsoDate = Annotated[date, BeforeValidator(_written_out), AfterValidator(_within_years)]
IsoDateTime = Annotated[datetime, BeforeValidator(_written_out), AfterValidator(_within_years)]


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime: a naive one is taken to be UTC (what SQLite hands back for a plain
    ``DateTime`` column), an aware one is converted."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every dialect (SQLite would hand back naive ones).

    A naive value is refused on the way in: the offset of a time someone typed must never be
    guessed. On SQLite values are stored as naive UTC text in one format, because SQLite compares
    timestamps as text and mixed offsets would sort wrongly."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return as_utc(value)
