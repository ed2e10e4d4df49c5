"""When a person who left is erased: ``retention_days`` after the day HR says they left."""

from __future__ import annotations

from datetime import date, datetime, timedelta

# HR sends the leaving day as text (``PersonLeft.left_on``); the embedded HR import sends ISO dates.
_ISO_DATE_LENGTH = 10


def departure_date(left_on: str, reported_at: datetime) -> date:
    """The day the person left: ``left_on`` when it starts with an ISO date (``2025-06-30``),
    else the day HR reported it (a free-text ``left_on`` must not postpone erasure forever)."""
    try:
        return date.fromisoformat(left_on.strip()[:_ISO_DATE_LENGTH])
    except ValueError:
        return reported_at.date()


def erase_on(left: date, retention_days: int) -> date:
    return left + timedelta(days=retention_days)


def due_cutoff(today: date, retention_days: int) -> date:
    """People who left on or before this day are due for erasure ``today``."""
    return today - timedelta(days=retention_days)


def retention_reason(left: date, retention_days: int) -> str:
    return f"retention: left on {left.isoformat()}, {retention_days} days passed"


def is_stale(stored_as_of: datetime | None, incoming: datetime) -> bool:
    """An HR event older than what is stored changes nothing (NAKs can reorder events)."""
    return stored_as_of is not None and incoming < stored_as_of
