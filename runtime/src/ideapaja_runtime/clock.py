"""Time, one way for every service: an aware UTC clock that tests can replace, and a column type
that stores aware UTC datetimes on every dialect.

A service reads the time from its runtime (``runtime.clock()``, or ``uow.now`` inside a unit of
work), never from the system clock directly, so deadlines, retention and sweeps are tested with
controlled time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

Clock = Callable[[], datetime]


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
