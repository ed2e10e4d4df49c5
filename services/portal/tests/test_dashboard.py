"""The management dashboard against the real review and reward services, run in-process with
their own databases and NATS: the organisation and the ideas reach them as events, a supervisor
decides through review's API (and reward hears the decision), then the management group sees
the funnel, time to decision, participation per 100 employees, experiments and rewards as charts
with tables and CSV files; a supervisor sees their unit's participation and is told the rest is
not for their role; an employee does not get the page."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_standins import Intake, page, sign_in

from ideapaja_contracts.events.hr import HrRole, UnitKind, UnitUpserted
from ideapaja_portal.i18n import CITY_TIME_ZONE
from ideapaja_review.app import service as review_service
from ideapaja_review.settings import ReviewSettings
from ideapaja_reward.app import service as reward_service
from ideapaja_reward.settings import RewardSettings
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    eventually,
    fast_test_settings,
    publish_event,
    running_service,
)
from ideapaja_runtime.testing_builders import idea_submitted, person_upserted, wiring

LIBRARY, EDUCATION = "u-kirjasto", "d-sivistys"
UNITS = [
    {"id": EDUCATION, "kind": "department", "parent_id": None, "name_fi": "Sivistystoimi",
     "name_sv": "Bildningsväsendet", "name_en": "Education and Culture"},
    {"id": LIBRARY, "kind": "unit", "parent_id": EDUCATION, "name_fi": "Kirjastopalvelut",
     "name_sv": "Bibliotekstjänster", "name_en": "Library Services"},
]  # fmt: skip
SUPERVISOR, AGENT, MANAGER = "p-sup-kirjasto", "p-ca-kirjasto", "p-johto"
STAFF = [f"p-emp-{n}" for n in range(1, 4)]


@dataclass
class City:
    portal: RunningService
    review: RunningService
    reward: RunningService
    keys: DevKeys

    @asynccontextmanager
    async def signed_in(
        self, person_id: str, *roles: str, language: str = "en"
    ) -> AsyncIterator[httpx.AsyncClient]:
        token = self.keys.token(person_id, *roles, units=[LIBRARY])
        intake = Intake()
        intake.answers["/units"] = page(UNITS)
        services = {
            "review": httpx.ASGITransport(app=self.review.app),
            "reward": httpx.ASGITransport(app=self.reward.app),
        }
        async with sign_in(
            self.portal,
            language,
            roles,
            person_id=person_id,
            token=token,
            intake=intake,
            services=services,
        ) as (client, _):
            yield client


def settings(kind: type[Any], nats_url: str, path: Path, keys: DevKeys, **more: Any) -> Any:
    return kind.model_validate(
        fast_test_settings(**wiring(nats_url, f"sqlite+aiosqlite:///{path}", keys), **more)
    )


@pytest.fixture
async def city(
    portal: RunningService, nats_url: str, tmp_path: Path, dev_keys: DevKeys, js: Any
) -> AsyncIterator[City]:
    """Five people in the library (a supervisor, a change agent, three employees), two ideas
    of this month: one accepted by the supervisor, one still in screening."""
    review_settings = settings(ReviewSettings, nats_url, tmp_path / "review.db", dev_keys,
                               deadline_sweep_seconds=0)  # fmt: skip
    reward_settings = settings(RewardSettings, nats_url, tmp_path / "reward.db", dev_keys)
    async with (
        running_service(review_service, review_settings) as review,
        running_service(reward_service, reward_settings) as reward,
    ):
        for unit in UNITS:
            await publish_event(js, UnitUpserted(
                unit_id=unit["id"], kind=UnitKind(unit["kind"]), parent_id=unit["parent_id"],
                name_fi=unit["name_fi"]))  # fmt: skip
        people = [(SUPERVISOR, [HrRole.EMPLOYEE, HrRole.SUPERVISOR]),
                  (AGENT, [HrRole.EMPLOYEE, HrRole.CHANGE_AGENT]),
                  *((person, [HrRole.EMPLOYEE]) for person in STAFF)]  # fmt: skip
        for person_id, roles in people:
            await publish_event(js, person_upserted(person_id, LIBRARY, roles=roles))
        await publish_event(js, idea_submitted("i-1", author_ids=[STAFF[0]]))
        await publish_event(js, idea_submitted("i-2", author_ids=[STAFF[1]]))
        admin = dev_keys.headers("p-admin", "admin")

        async def opened() -> dict[str, Any] | None:
            answer = await review.client.get("/cases/by-idea/i-1", headers=admin)
            other = await review.client.get("/cases/by-idea/i-2", headers=admin)
            both = answer.status_code == other.status_code == 200
            return answer.json() if both and answer.json()["reviewer_ids"] else None

        case = await eventually(opened, timeout=20)
        decided = await review.client.post(
            f"/cases/{case['id']}/decision",
            json={"decision": "accepted", "rationale": "Kokeillaan."},
            headers=dev_keys.headers(SUPERVISOR, "employee", "supervisor", units=[LIBRARY]),
        )
        assert decided.status_code == 200, decided.text
        manager = dev_keys.headers(MANAGER, "management")

        async def reward_heard() -> bool:
            answer = await reward.client.get("/activity", params={"level": "city"}, headers=manager)
            figures = answer.json()["items"][0]["current"] if answer.status_code == 200 else {}
            return figures.get("ideas_accepted") == 1 and figures.get("headcount") == 5

        await eventually(reward_heard, timeout=20)
        yield City(portal, review, reward, dev_keys)


def month() -> str:
    today = datetime.now(CITY_TIME_ZONE).date()
    return f"{today.month}/{today.year}"


def table_of(html: str, key: str) -> list[list[str]]:
    """The rows of a figure's table: each cell's text."""
    section = html[html.index(f'<section aria-labelledby="{key}-heading"') :]
    section = section[: section.index("</section>")]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]


async def test_the_management_group_sees_every_figure_as_chart_table_and_csv(city: City) -> None:
    async with city.signed_in(MANAGER, "employee", "management") as client:
        home = await client.get("/")
        assert '<a href="/dashboard">Dashboard</a>' in home.text
        shown = await client.get("/dashboard")
        html = shown.text
        assert shown.status_code == 200, html
        # This month's cohort: two ideas, one decided and accepted, none implemented yet.
        assert table_of(html, "funnel")[-1] == [month(), "2", "1", "1", "0"]
        [*_, this_month] = table_of(html, "decision-times")
        assert this_month[:3] == [month(), "1", "0"]  # the same day: 0 days
        assert table_of(html, "participation")[-1] == [month(), "5", "2", "2", "40", "40"]
        assert table_of(html, "participation-units") == [
            ["Education and Culture", "5", "2", "2", "40", "40"]
        ]
        assert table_of(html, "experiments")[-1] == [month(), "0", "0", "0", "0", "0"]
        # Reward's rules granted points for the two ideas and the acceptance: 3 grants, 60 points.
        assert table_of(html, "rewards-kinds") == [["Points", "3", "0", "60", "0"]]
        assert table_of(html, "rewards-departments") == [
            ["Education and Culture", "3", "0", "60", "0"]
        ]
        # A chart per figure with figures to draw, named by its title and desc; none for
        # experiments, which has none yet.
        assert html.count("<svg viewBox=") == 6
        assert '<title id="funnel-title">Ideas funnel</title>' in html
        assert 'aria-labelledby="funnel-title" aria-describedby="funnel-desc"' in html
        assert "Nothing to show for these periods yet." in html
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>|style=", html)

        answer = await client.get("/dashboard/funnel.csv")
        assert answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(answer.text)))
        assert rows[0] == ["period", "submitted", "decided", "accepted", "implemented"]
        assert len(rows) == 13 and rows[-1][1:] == ["2", "1", "1", "0"]
        units = list(
            csv.DictReader(
                io.StringIO((await client.get("/dashboard/participation-units.csv")).text)
            )
        )
        assert (units[0]["unit_id"], units[0]["ideas_per_100"]) == (EDUCATION, "40.0")

        by_year = await client.get("/dashboard?period=year")
        year = str(datetime.now(CITY_TIME_ZONE).year)
        assert table_of(by_year.text, "funnel")[-1] == [year, "2", "1", "1", "0"]
        assert len(table_of(by_year.text, "funnel")) == 5
        quarters = list(
            csv.reader(io.StringIO((await client.get("/dashboard/funnel.csv?period=quarter")).text))
        )
        assert len(quarters) == 9 and re.fullmatch(r"\d{4}-Q[1-4]", quarters[-1][0])
        assert (await client.get("/dashboard?period=week")).status_code == 422
        assert (await client.get("/dashboard/nothing.csv")).status_code in (404, 422)


async def test_the_dashboard_speaks_finnish(city: City) -> None:
    async with city.signed_in(MANAGER, "employee", "management", language="fi") as client:
        html = (await client.get("/dashboard")).text
    assert "<h1>Tilannekuva</h1>" in html and "Ideasuppilo" in html
    assert "Lataa CSV-tiedostona" in html and "Luvut taulukkona" in html
    assert "Education and Culture" not in html and "Sivistystoimi" in html


async def test_a_supervisor_sees_their_units_participation_only(city: City) -> None:
    async with city.signed_in(SUPERVISOR, "employee", "supervisor") as client:
        html = (await client.get("/dashboard")).text
        assert table_of(html, "participation")[-1] == [month(), "5", "2", "2", "40", "40"]
        assert table_of(html, "participation-units") == [
            ["Library Services", "5", "2", "2", "40", "40"]
        ]
        assert html.count("These figures are not available to your role.") == 5
        refused = await client.get("/dashboard/funnel.csv")
        assert refused.status_code == 403
        assert "not available to your role" in refused.text


async def test_an_employee_does_not_get_the_dashboard(city: City) -> None:
    async with city.signed_in(STAFF[0], "employee") as client:
        home = await client.get("/")
        assert 'href="/dashboard"' not in home.text
        refused = await client.get("/dashboard")
        assert refused.status_code == 403 and "This page is not for you" in refused.text
