"""The open lists, experiments and good practices, paged by cursor on SQLite and PostgreSQL: every
item once, in the list's order, and the experiments' ``?unit_id=`` filter (a LIKE on the pilot
units' JSON text) across pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from review_testkit import (
    SUP_KIRJASTO,
    WORKFLOW_ORG,
    Headers,
    handler_delivery,
    idea,
    ok,
    review_settings,
    unit,
)

from ideapaja_review.app import service
from ideapaja_review.db.models import PracticeRow
from ideapaja_runtime.testing import DevKeys, RunningService, running_service
from ideapaja_runtime.testing_builders import wiring

EMPLOYEE = ("p-emp-koulu", "employee")
# An id with LIKE's wildcard in it: "u_koulu" must not match "u-koulu" (nor "uXkoulu").
WILDCARD_UNIT = "u_koulu"


@pytest.fixture
async def api(database_url: str, nats_url: str, dev_keys: DevKeys) -> AsyncIterator[RunningService]:
    settings = review_settings(
        **wiring(nats_url, database_url, dev_keys),
        deadline_sweep_seconds=0,
    )
    async with running_service(service, settings) as running:
        await handler_delivery(running).all([*WORKFLOW_ORG, unit(WILDCARD_UNIT, "d-sivistys")])
        yield running


async def all_pages(
    client: AsyncClient, path: str, headers: Headers, **params: Any
) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item of a list, following next_cursor, and the total each page reported."""
    items: list[dict[str, Any]] = []
    totals: list[int] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = ok(await client.get(path, params=query, headers=headers))
        assert len(page["items"]) <= page["limit"]
        items.extend(page["items"])
        totals.append(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items, totals


async def accepted_case_id(api: RunningService, headers: Headers) -> tuple[str, str]:
    submitted = idea()
    await handler_delivery(api).all([submitted])
    case = ok(await api.client.get(f"/cases/by-idea/{submitted.idea_id}", headers=headers))
    ok(
        await api.client.post(
            f"/cases/{case['id']}/decision",
            json={"decision": "accepted", "rationale": "Kokeillaan."},
            headers=headers,
        )
    )
    return case["id"], submitted.idea_id


async def start_experiment(api: RunningService, headers: Headers, pilots: list[str]) -> str:
    case_id, _ = await accepted_case_id(api, headers)
    plan = {
        "pilot_unit_ids": pilots,
        "hypothesis": "Omatoimiaika lisää lainoja.",
        "measure": "Lainat viikossa",
        "baseline": "40",
        "starts_on": "2025-02-01",
        "ends_on": "2025-04-30",
    }
    started = ok(
        await api.client.post(f"/cases/{case_id}/experiments", json=plan, headers=headers), 201
    )
    return str(started["id"])


async def test_experiments_page_by_cursor_newest_first_and_filter_by_unit_across_pages(
    api: RunningService, dev_keys: DevKeys
) -> None:
    sup = dev_keys.headers(*SUP_KIRJASTO)
    pilots = [
        ["u-koulu"],
        ["u-kirjasto"],
        ["u-kirjasto", "u-koulu"],
        [WILDCARD_UNIT],
        ["u-koulu", "u-puisto"],
        ["u-puisto"],
        ["u-koulu"],
    ]
    started = [await start_experiment(api, sup, units) for units in pilots]
    reader = dev_keys.headers(*EMPLOYEE)

    items, totals = await all_pages(api.client, "/experiments", reader, limit=2)
    assert [e["id"] for e in items] == list(reversed(started))  # newest first, each once
    assert set(totals) == {len(started)}

    in_koulu, totals = await all_pages(
        api.client, "/experiments", reader, limit=2, unit_id="u-koulu"
    )
    expected = [e for e, units in zip(started, pilots, strict=True) if "u-koulu" in units]
    assert [e["id"] for e in in_koulu] == list(reversed(expected))
    assert set(totals) == {len(expected)}
    assert all("u-koulu" in e["pilot_unit_ids"] for e in in_koulu)

    wildcard, _ = await all_pages(api.client, "/experiments", reader, unit_id=WILDCARD_UNIT)
    assert [e["id"] for e in wildcard] == [started[3]]
    nowhere = ok(await api.client.get("/experiments", params={"unit_id": "u-"}, headers=reader))
    assert (nowhere["items"], nowhere["total"]) == ([], 0)


async def test_practices_page_by_cursor_newest_first_ties_by_id(
    api: RunningService, dev_keys: DevKeys
) -> None:
    sup = dev_keys.headers(*SUP_KIRJASTO)
    cases = [await accepted_case_id(api, sup) for _ in range(5)]
    start = datetime(2025, 3, 1, 12, tzinfo=UTC)
    # Three published at the same moment: their order is by id, newest (largest) first.
    published = [start, start + timedelta(days=1), start, start + timedelta(days=2), start]
    async with api.runtime.db.transaction() as session:
        for n, ((case_id, idea_id), at) in enumerate(zip(cases, published, strict=True)):
            session.add(
                PracticeRow(
                    practice_id=f"pr-{n}",
                    case_id=case_id,
                    idea_id=idea_id,
                    unit_id="u-kirjasto",
                    title=f"Käytäntö {n}",
                    summary="Tiivistelmä.",
                    published_by="p-sup-kirjasto",
                    published_at=at,
                )
            )

    items, totals = await all_pages(api.client, "/practices", dev_keys.headers(*EMPLOYEE), limit=2)
    assert [p["id"] for p in items] == ["pr-3", "pr-1", "pr-4", "pr-2", "pr-0"]
    assert totals == [5, 5, 5]
