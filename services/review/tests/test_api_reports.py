"""The management group's reports (the portal's dashboard), on SQLite and PostgreSQL: ideas go
through the service's real paths (submitted as events to its handlers, decided, piloted and
implemented through the API) on a clock the test sets, then the funnel, time to decision and
experiments are read month by month and by quarter; only management and admins may read them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from review_testkit import (
    WORKFLOW_ORG,
    FakeClock,
    Headers,
    handler_delivery,
    idea,
    ok,
    refused,
    review_settings,
)

from ideapaja_review.app import service
from ideapaja_runtime.testing import DevKeys, RunningService, running_service

SUP = ("p-sup-kirjasto", "employee", "supervisor")
CA = ("p-ca-kirjasto", "employee", "change_agent")
MANAGER = ("p-johto", "employee", "management")
PLAN = {
    "pilot_unit_ids": ["u-kirjasto"],
    "hypothesis": "Omatoimiaika iltaisin lisää lainoja.",
    "measure": "Iltalainat viikossa",
    "baseline": "40",
    "starts_on": "2026-02-01",
    "ends_on": "2026-02-28",
}


@pytest.fixture
async def api(database_url: str, nats_url: str, dev_keys: DevKeys) -> AsyncIterator[RunningService]:
    settings = review_settings(
        nats_url=nats_url,
        database_url=database_url,
        auth_public_key=dev_keys.public_pem,
        deadline_sweep_seconds=0,
    )
    async with running_service(service, settings) as running:
        await handler_delivery(running).all(WORKFLOW_ORG)
        yield running


class City:
    """Moves the service's clock to a day (10:00 UTC) and acts there."""

    def __init__(self, api: RunningService, as_: Callable[..., Headers]) -> None:
        self.api, self.as_ = api, as_
        self.clock = FakeClock()
        api.runtime.clock = self.clock

    def on(self, day: str) -> None:
        self.clock.now = datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=UTC)

    async def submit(self, day: str, idea_id: str) -> str:
        self.on(day)
        await handler_delivery(self.api).all([idea(idea_id)])
        case = ok(
            await self.api.client.get(
                f"/cases/by-idea/{idea_id}", headers=self.as_("p-admin", "admin")
            )
        )
        return str(case["id"])

    async def post(self, day: str, path: str, body: dict[str, Any], who: tuple[str, ...]) -> Any:
        self.on(day)
        response = await self.api.client.post(path, json=body, headers=self.as_(*who))
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def decide(self, day: str, case_id: str, decision: str, **extra: str) -> None:
        body = {"decision": decision, "rationale": "Perustelu.", **extra}
        await self.post(day, f"/cases/{case_id}/decision", body, SUP)

    async def report(self, name: str, **params: Any) -> list[dict[str, Any]]:
        answer = ok(
            await self.api.client.get(f"/reports/{name}", params=params, headers=self.as_(*MANAGER))
        )
        return list(answer["periods"])


def figures(periods: list[dict[str, Any]], *names: str) -> dict[str, tuple[Any, ...]]:
    return {p["period"]: tuple(p[name] for name in names) for p in periods}


async def test_funnel_decision_times_and_experiments_by_month_and_quarter(
    api: RunningService, as_: Callable[..., Headers]
) -> None:
    city = City(api, as_)
    await city.submit("2025-12-20", "i-before")  # before every window below: in no figure
    a = await city.submit("2026-01-10", "i-a")
    b = await city.submit("2026-01-12", "i-b")
    c = await city.submit("2026-01-15", "i-c")
    # 23:30 UTC on 31 January is February in Helsinki.
    city.clock.now = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    await handler_delivery(api).all([idea("i-d")])
    d = str(ok(await api.client.get("/cases/by-idea/i-d", headers=as_("p-admin", "admin")))["id"])

    await city.decide("2026-01-20", a, "accepted")  # 10 days
    await city.decide("2026-02-05", b, "rejected")  # 24 days
    await city.decide("2026-02-06", c, "needs_info", question="Missä toimipisteessä?")
    await city.decide("2026-02-08", d, "accepted")  # 7.4 days
    experiment = await city.post("2026-02-01", f"/cases/{a}/experiments", PLAN, CA)
    completion = {"result": "Lainat kasvoivat.", "measured_value": "95", "outcome": "scale",
                  "lesson": "Toimii."}  # fmt: skip
    await city.post(
        "2026-03-02", f"/cases/{a}/experiments/{experiment['id']}/completion", completion, CA
    )
    await city.post("2026-03-03", f"/cases/{a}/implementation", {"owner_id": "p-owner"}, CA)
    await city.post(
        "2026-03-20", f"/cases/{a}/implementation/completion", {"realised_benefit": "+130 %"}, CA
    )
    city.on("2026-04-02")

    window = {"period": "month", "periods": 3, "at": "2026-03-15"}
    funnel = await city.report("funnel", **window)
    assert figures(funnel, "submitted", "decided", "accepted", "implemented") == {
        "2026-01": (3, 2, 1, 1),
        "2026-02": (1, 1, 1, 0),
        "2026-03": (0, 0, 0, 0),
    }
    assert funnel[0]["starts_at"] == "2025-12-31T22:00:00Z"  # midnight in Helsinki
    times = await city.report("decision-times", **window)
    assert figures(times, "decisions", "median_days", "p90_days") == {
        "2026-01": (1, 10.0, 10.0),
        "2026-02": (2, 15.7, 24.0),
        "2026-03": (0, None, None),
    }
    tried = await city.report("experiments", **window)
    assert figures(tried, "started", "completed", "scale", "adjust", "stop") == {
        "2026-01": (0, 0, 0, 0, 0),
        "2026-02": (1, 0, 0, 0, 0),
        "2026-03": (0, 1, 1, 0, 0),
    }
    # The quarter holds all of it; today (April) is the default last period.
    [q1, q2] = await city.report("funnel", period="quarter", periods=2)
    assert (q1["period"], q1["submitted"], q1["implemented"], q2["period"]) == (
        "2026-Q1", 4, 1, "2026-Q2"
    )  # fmt: skip
    [year] = await city.report("decision-times", period="year", periods=1)
    assert (year["decisions"], year["median_days"], year["p90_days"]) == (3, 10.0, 24.0)


async def test_the_funnel_puts_each_idea_in_its_own_period_of_a_long_window(
    api: RunningService, as_: Callable[..., Headers]
) -> None:
    """The funnel finds an idea's period by halving the window: an idea on the first and one
    on the last day of every month (Helsinki midnight edges among them) each land in their own
    month of a 12-month window, a quarter's and a year's."""
    city = City(api, as_)
    months = [f"2025-{month:02d}" for month in range(1, 13)]
    last_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    for month, last in zip(months, last_days, strict=True):
        await city.submit(f"{month}-01", f"i-{month}-first")
        # 20:30 UTC on the last day: still that day in Helsinki (23:30 in summer time).
        city.clock.now = datetime.fromisoformat(f"{month}-{last:02d}T20:30:00").replace(tzinfo=UTC)
        await handler_delivery(api).all([idea(f"i-{month}-last")])
    # The first second of 2026 in Helsinki (22:00 UTC on 31 December) is the next year's.
    city.clock.now = datetime(2025, 12, 31, 22, 0, tzinfo=UTC)
    await handler_delivery(api).all([idea("i-2026")])
    city.on("2026-01-02")

    funnel = await city.report("funnel", period="month", periods=12, at="2025-12-15")
    assert [p["period"] for p in funnel] == months
    assert [p["submitted"] for p in funnel] == [2] * 12
    quarters = await city.report("funnel", period="quarter", periods=5, at="2026-01-01")
    assert figures(quarters, "submitted") == {
        "2025-Q1": (6,), "2025-Q2": (6,), "2025-Q3": (6,), "2025-Q4": (6,), "2026-Q1": (1,)
    }  # fmt: skip
    years = await city.report("funnel", period="year", periods=3, at="2026-06-01")
    assert figures(years, "submitted") == {"2024": (0,), "2025": (24,), "2026": (1,)}
    [only] = await city.report("funnel", period="year", periods=1, at="2025-06-01")
    assert (only["period"], only["submitted"]) == ("2025", 24)


@pytest.mark.parametrize("name", ["funnel", "decision-times", "experiments"])
async def test_only_management_and_admins_read_the_reports(
    api: RunningService, as_: Callable[..., Headers], name: str
) -> None:
    client = api.client
    for who in (SUP, CA, ("p-emp", "employee"), ("p-hr", "employee", "hr")):
        refused(await client.get(f"/reports/{name}", headers=as_(*who)), 403)
    assert (await client.get(f"/reports/{name}")).status_code == 401
    ok(await client.get(f"/reports/{name}", headers=as_("p-admin", "admin")))
    for bad in ({"period": "week"}, {"periods": 37}, {"periods": 0}, {"at": "maanantai"},
                {"unit": "u-kirjasto"}):  # fmt: skip
        refused(await client.get(f"/reports/{name}", params=bad, headers=as_(*MANAGER)), 422)
