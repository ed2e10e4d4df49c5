"""A day or a time a caller gives is ISO 8601, never a number (Pydantic alone reads ``0`` as
1 January 1970: ``?submitted_to=0`` answered as if it were a date, found by the OpenAPI
fuzzing)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from ideapaja_runtime.clock import IsoDate, IsoDateTime

DAY = TypeAdapter(IsoDate)
TIME = TypeAdapter(IsoDateTime)


def test_iso_8601_is_read() -> None:
    assert DAY.validate_python("2026-11-30") == date(2026, 11, 30)
    assert TIME.validate_python("2026-11-30T10:00:00Z") == datetime(2026, 11, 30, 10, tzinfo=UTC)


@pytest.mark.parametrize("number", [0, 1.5, "0", "1700000000", "1e3", " 12 ", "-5", ".5"])
def test_a_number_is_refused(number: object) -> None:
    for adapter in (DAY, TIME):
        with pytest.raises(ValidationError, match="not a number"):
            adapter.validate_python(number)


@pytest.mark.parametrize("edge", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
def test_a_day_at_the_calendars_ends_is_refused(edge: str) -> None:
    """Python's first and last days have no neighbour in another zone: a 500 in reports."""
    for adapter, text in ((DAY, edge), (TIME, f"{edge}T00:00:00Z")):
        with pytest.raises(ValidationError, match="years 1900-2999"):
            adapter.validate_python(text)


def test_the_documented_schema_is_unchanged() -> None:
    assert DAY.json_schema() == {"type": "string", "format": "date"}
    assert TIME.json_schema() == {"type": "string", "format": "date-time"}
