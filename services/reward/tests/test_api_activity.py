"""Units' activity per headcount over HTTP, on SQLite and PostgreSQL: periods in Helsinki time,
roll-ups, the trend, the CSV and the series, and who sees which units."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ideapaja_runtime.testing import DevKeys, RunningService


async def _get(
    running: RunningService, dev_keys: DevKeys, path: str, role: str = "management", **params: Any
) -> Any:
    units = params.pop("units", ())
    response = await running.client.get(
        path, params=params, headers=dev_keys.headers("p-9", role, units=list(units))
    )
    assert response.status_code == 200, response.text
    return response.json()


def _helsinki_day(instant: str) -> str:
    return (
        datetime.fromisoformat(instant).astimezone(ZoneInfo("Europe/Helsinki")).date().isoformat()
    )


def _rows(body: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {row["unit_id"]: row for row in body["items"]}


async def test_units_in_a_month_with_the_previous_month(
    city: RunningService, dev_keys: DevKeys
) -> None:
    body = await _get(city, dev_keys, "/activity", period="month", at="2025-02-15")
    assert body["period"]["period"] == "2025-02"
    assert body["previous_period"]["period"] == "2025-01"
    assert body["period"]["starts_at"].startswith("2025-01-31T22:00:00")
    rows = _rows(body)
    assert set(rows) == {"d-sivistys", "u-kirjasto", "u-koulu", "u-uimahalli"}
    kirjasto = rows["u-kirjasto"]
    assert kirjasto["department_id"] == "d-sivistys"
    assert kirjasto["current"] == {
        "headcount": 4,
        "authors": 2,
        "ideas_submitted": 1,
        "ideas_accepted": 0,
        "ideas_implemented": 1,  # i-3, submitted in January, implemented in February
        "points": 2 * 5 + 100,
        "authors_per_100": 50.0,
        "ideas_per_100": 25.0,
    }
    assert (kirjasto["previous"]["ideas_submitted"], kirjasto["previous"]["authors"]) == (1, 1)
    assert kirjasto["change"]["authors_per_100"] == 25.0
    # i-2 came at 22:30 UTC on 28 February: 1 March in Helsinki, so not February's.
    assert rows["u-koulu"]["current"]["ideas_submitted"] == 0
    # The department's own row has nobody in it: no per-100 figure, never a division by zero.
    assert rows["d-sivistys"]["current"]["authors_per_100"] is None


async def test_departments_and_the_city_roll_up(city: RunningService, dev_keys: DevKeys) -> None:
    march = await _get(city, dev_keys, "/activity", level="department", at="2025-03-31")
    sivistys = _rows(march)["d-sivistys"]["current"]
    # i-2 (school) submitted, i-1 (library) accepted; p-2 is one author.
    assert (sivistys["ideas_submitted"], sivistys["ideas_accepted"], sivistys["authors"]) == (
        1,
        1,
        1,
    )
    assert sivistys["headcount"] == 6
    quarter = await _get(
        city, dev_keys, "/activity", level="city", period="quarter", at="2025-01-01"
    )
    (whole,) = quarter["items"]
    assert whole["unit_id"] is None
    assert quarter["period"]["period"] == "2025-Q1"
    # p-1, p-2 (twice, one of them anonymously) and p-3: three authors, three ideas.
    assert (whole["current"]["authors"], whole["current"]["ideas_submitted"]) == (3, 3)
    assert whole["current"]["headcount"] == 7
    assert whole["previous"]["headcount"] == 0  # before HR's first import
    assert whole["previous"]["authors_per_100"] is None
    assert whole["change"]["authors_per_100"] is None


async def test_rows_come_a_page_at_a_time(city: RunningService, dev_keys: DevKeys) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 3, "at": "2025-02-01"} | ({"cursor": cursor} if cursor else {})
        body = await _get(city, dev_keys, "/activity", **params)
        assert body["total"] == 4
        seen += [row["unit_id"] for row in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["d-sivistys", "u-kirjasto", "u-koulu", "u-uimahalli"]


async def test_the_csv_has_every_row_and_the_previous_period(
    city: RunningService, dev_keys: DevKeys
) -> None:
    response = await city.client.get(
        "/activity.csv",
        params={"at": "2025-02-15", "level": "department"},
        headers=dev_keys.headers("p-9", "hr"),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "activity-department-2025-02.csv" in response.headers["content-disposition"]
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert row["unit_id"] == "d-sivistys"
    assert (row["period"], row["previous_period"]) == ("2025-02", "2025-01")
    assert (row["authors"], row["headcount"], row["authors_per_100"]) == ("2", "6", "33.33")
    assert row["previous_authors_per_100"] == "16.67"  # p-3 of 6 people in January
    assert "p-1" not in response.text  # authors are counted, never listed


async def test_a_series_for_a_chart(city: RunningService, dev_keys: DevKeys) -> None:
    body = await _get(
        city, dev_keys, "/activity/series", periods=4, at="2025-03-10", unit_id="d-sivistys"
    )
    assert body["unit_id"] == "d-sivistys"
    assert [p["period"] for p in body["periods"]] == ["2024-12", "2025-01", "2025-02", "2025-03"]
    assert [p["figures"]["ideas_submitted"] for p in body["periods"]] == [0, 1, 1, 1]
    assert body["periods"][0]["figures"]["headcount"] == 0
    yearly = await _get(
        city, dev_keys, "/activity/series", period="year", periods=1, at="2025-06-01"
    )
    assert yearly["periods"][0]["figures"]["ideas_submitted"] == 3


async def test_a_series_point_is_the_periods_report_taken_together(
    city: RunningService, dev_keys: DevKeys
) -> None:
    """The series counts a whole window in one statement per figure; each of its points must
    be what the report of that period alone says (the city's row; a department's subtree)."""
    for period_kind, at, scope in (
        ("month", "2025-03-10", {}),
        ("quarter", "2025-06-01", {}),
        ("month", "2025-03-10", {"unit_id": "d-sivistys"}),
    ):
        series = await _get(
            city, dev_keys, "/activity/series", period=period_kind, periods=4, at=at, **scope
        )
        for point in series["periods"]:
            level = "department" if scope else "city"
            report = await _get(
                city, dev_keys, "/activity", level=level, period=period_kind,
                at=_helsinki_day(point["starts_at"]), **scope,
            )  # fmt: skip
            (row,) = [r for r in report["items"] if r["unit_id"] == scope.get("unit_id")]
            assert point["figures"] == row["current"], (period_kind, point["period"], scope)


async def test_supervisors_see_their_units_and_those_below(
    city: RunningService, dev_keys: DevKeys
) -> None:
    def get(units: list[str], **params: Any) -> Any:
        return city.client.get(
            "/activity",
            params={"at": "2025-02-15", **params},
            headers=dev_keys.headers("p-9", "supervisor", units=units),
        )

    department_head = (await get(["d-sivistys"])).json()
    assert set(_rows(department_head)) == {"d-sivistys", "u-kirjasto", "u-koulu"}
    librarian = (await get(["u-kirjasto"])).json()
    assert set(_rows(librarian)) == {"u-kirjasto"}
    # Not another unit's, not a department above them, not the city's.
    for params in ({"unit_id": "u-koulu"}, {"level": "city"}):
        refused = await get(["u-kirjasto"], **params)
        assert refused.status_code == 403, params
        assert refused.json()["reason"] == "object"
    assert (await get(["u-kirjasto"], level="department")).json()["items"] == []
    old = await city.client.get(
        "/units/u-koulu/activity",
        headers=dev_keys.headers("p-9", "supervisor", units=["d-sivistys"]),
    )
    assert old.status_code == 200
    series = await city.client.get(
        "/activity/series", headers=dev_keys.headers("p-9", "supervisor", units=["u-kirjasto"])
    )
    assert series.status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "week"}, "period"),
        ({"level": "team"}, "level"),
        ({"at": "2025-13-01"}, "at"),
        ({"unit_id": "u.x"}, "unit_id"),
        ({"level": "city", "unit_id": "u-kirjasto"}, "unit_id"),
        ({"limit": 0}, "limit"),
    ],
)
async def test_bad_input_is_a_422_naming_the_parameter(
    city: RunningService, dev_keys: DevKeys, params: dict[str, Any], field: str
) -> None:
    response = await city.client.get(
        "/activity", params=params, headers=dev_keys.headers("p-9", "admin")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.json()["detail"]
    series = await city.client.get(
        "/activity/series", params={"periods": 37}, headers=dev_keys.headers("p-9", "admin")
    )
    assert series.status_code == 422
