"""The committee pages name people, never by their ids: the committees' members and chair, a
meeting's attendance, an agenda item's scores and conflicts of interest, against the real review
service in-process (its case made from an IdeaSubmitted event, as in production). The names come
from intake's GET /people in one call per page (a stand-in answering as intake does); someone
intake no longer names is said to have left, not shown by id."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_standins import GRACE, JUKKA, PEOPLE, PETRI, Intake, sign_in

from ideapaja_contracts.events.idea import Scope
from ideapaja_review.app import service as review_service
from ideapaja_review.settings import ReviewSettings
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    eventually,
    fast_test_settings,
    publish_event,
    running_service,
)
from ideapaja_runtime.testing_builders import idea_submitted, wiring

COMMITTEE = ("employee", "committee_member")
ADMIN = ("p-admin", "employee", "admin")
GONE = "p-3999"  # a member HR no longer lists (left the city's service)
SCORES = {"benefit": 4, "feasibility": 4, "cost": 3, "impact": 4, "novelty": 3}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def visible(page: str) -> str:
    """What a person reads: the page's text without tags, attributes or the hidden header."""
    main = page.split('<main id="main"', 1)[1]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


@pytest.fixture
async def review(
    nats_url: str, tmp_path: Path, dev_keys: DevKeys, js: Any
) -> AsyncIterator[tuple[RunningService, str, str]]:
    """Review with the city's committee (chair, secretary, two members), a meeting and a city
    idea on its agenda, scored by two members; the secretary declared a conflict of interest."""
    settings = ReviewSettings.model_validate(
        fast_test_settings(
            **wiring(nats_url, f"sqlite+aiosqlite:///{tmp_path / 'review.db'}", dev_keys),
            deadline_sweep_seconds=0,
        )
    )
    async with running_service(review_service, settings) as running:
        client, admin = running.client, dev_keys.headers(*ADMIN)
        chair = dev_keys.headers(JUKKA, *COMMITTEE)
        committee = ok(
            await client.post(
                "/committees",
                json={"name": "Kehittämistoimikunta", "city_wide": True, "quorum": 2},
                headers=admin,
            ),
            201,
        )
        for person, role in ((JUKKA, "chair"), (PETRI, "secretary"), (GRACE, "member"),
                             (GONE, "member")):  # fmt: skip
            ok(
                await client.put(
                    f"/committees/{committee['id']}/members/{person}",
                    json={"role": role},
                    headers=admin,
                )
            )
        submitted = idea_submitted(scope=Scope.CITY, author_ids=["p-1001"])
        await publish_event(js, submitted)

        async def case() -> Any:
            found = await client.get(f"/cases/by-idea/{submitted.idea_id}", headers=admin)
            return found.json() if found.status_code == 200 else None

        case_id = (await eventually(case, timeout=20))["id"]
        ok(await client.post(f"/cases/{case_id}/accept-for-review", json={}, headers=chair))
        meeting = ok(
            await client.post(
                f"/committees/{committee['id']}/meetings",
                json={"title": "Joulukuun kokous", "scheduled_at": "2026-12-20T14:00:00+02:00"},
                headers=chair,
            ),
            201,
        )
        meeting_id = meeting["id"]
        assert [i["id"] for i in meeting["agenda"]] == [case_id]
        ok(
            await client.put(
                f"/meetings/{meeting_id}/attendance",
                json={"present_ids": [JUKKA, GRACE, PETRI, GONE]},
                headers=chair,
            )
        )
        item = f"/meetings/{meeting_id}/items/{case_id}"
        ok(
            await client.post(
                f"{item}/conflicts",
                json={"reason": "Oma yksikkö"},
                headers=dev_keys.headers(PETRI, *COMMITTEE),
            ),
            201,
        )
        for person in (JUKKA, GRACE):
            ok(
                await client.put(
                    f"{item}/scores/me",
                    json={"scores": SCORES, "comment": ""},
                    headers=dev_keys.headers(person, *COMMITTEE),
                )
            )
        yield running, meeting_id, case_id


async def test_committee_pages_name_people_with_one_call_for_the_names(
    portal: RunningService, review: tuple[RunningService, str, str], dev_keys: DevKeys
) -> None:
    running, meeting_id, case_id = review
    intake = Intake()
    async with sign_in(
        portal,
        roles=COMMITTEE,
        person_id=JUKKA,
        token=dev_keys.token(JUKKA, *COMMITTEE, units=["u-kirjasto"]),
        intake=intake,
        services={"review": httpx.ASGITransport(app=running.app)},
    ) as (client, _):
        pages = (
            "/committees",
            f"/meetings/{meeting_id}",
            f"/meetings/{meeting_id}/items/{case_id}",
        )
        for path in pages:
            before = len(intake.requests)
            shown = await client.get(path)
            assert shown.status_code == 200, shown.text
            text = visible(shown.text)
            # No person id anywhere a person reads it (they ride only in form values).
            assert not re.search(r"\bp-\d+", text), (path, text)
            asked = [r for r in intake.requests[before:] if r.url.path == "/people"]
            assert len(asked) == 1, path
            if path == "/committees":
                assert f"{PEOPLE[JUKKA]} (you) – Chair" in text
                assert f"{PEOPLE[PETRI]} – Secretary" in text
                assert "Someone no longer in the city's service – Member" in text
            elif "/items/" in path:
                assert f"{PEOPLE[JUKKA]} (you)" in text and PEOPLE[GRACE] in text
                assert f"{PEOPLE[PETRI]}: Oma yksikkö – does not score this item" in text
            else:
                assert f"{PEOPLE[GRACE]} – Member" in text
                assert "Someone no longer in the city's service – Member" in text
