"""Cases over HTTP per role: who is let in, and who reads which cases and work lists."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from review_testkit import (
    ACCEPT,
    ADMIN,
    API_ORG,
    CA_KIRJASTO,
    CA_PUISTO,
    COMMITTEE,
    EMPLOYEE,
    SUP_KIRJASTO,
    As,
    NewCase,
    problem,
)

ORG_EVENTS = API_ORG  # the module's service (conftest.api) knows this city


# --- Authentication and role gates ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/cases"),
        ("GET", "/cases/c-x"),
        ("GET", "/cases/by-idea/i-x"),
        ("POST", "/cases/c-x/decision"),
    ],
)
async def test_no_token_is_401_and_employee_is_403(
    client: AsyncClient, as_: As, method: str, path: str
) -> None:
    body = ACCEPT if method == "POST" else None
    response = await client.request(method, path, json=body)
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    bad = await client.request(method, path, json=body, headers={"Authorization": "Bearer x.y.z"})
    problem(bad, 401)
    problem(await client.request(method, path, json=body, headers=as_(*EMPLOYEE)), 403)


# --- Reading ----------------------------------------------------------------------------------


async def test_work_list_shows_the_callers_cases_and_all_for_admins(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    mine = [await new_case(unit_id="u-lista") for _ in range(3)]
    other = await new_case(unit_id="u-puisto")
    decided = await client.post(
        f"/cases/{mine[0]['id']}/decision",
        json=ACCEPT,
        headers=as_("p-ca-lista", "change_agent"),
    )
    assert decided.status_code == 200, decided.text

    listed = await client.get("/cases", headers=as_("p-ca-lista", "change_agent"))
    assert listed.status_code == 200
    page = listed.json()
    assert page["total"] == 3
    assert [c["id"] for c in page["items"]] == [c["id"] for c in mine]
    assert all(c["reviewer_ids"] == ["p-ca-lista"] for c in page["items"])

    screening = await client.get(
        "/cases", params={"status": "screening"}, headers=as_("p-ca-lista", "change_agent")
    )
    assert [c["id"] for c in screening.json()["items"]] == [c["id"] for c in mine[1:]]
    first_page = await client.get(
        "/cases", params={"limit": 1}, headers=as_("p-ca-lista", "change_agent")
    )
    assert [c["id"] for c in first_page.json()["items"]] == [mine[0]["id"]]
    second_page = await client.get(
        "/cases",
        params={"limit": 1, "cursor": first_page.json()["next_cursor"]},
        headers=as_("p-ca-lista", "change_agent"),
    )
    assert second_page.json()["total"] == 3
    assert [c["id"] for c in second_page.json()["items"]] == [mine[1]["id"]]
    last_page = await client.get(
        "/cases",
        params={"limit": 2, "cursor": second_page.json()["next_cursor"]},
        headers=as_("p-ca-lista", "change_agent"),
    )
    assert [c["id"] for c in last_page.json()["items"]] == [mine[2]["id"]]
    assert last_page.json()["next_cursor"] is None

    admin = await client.get("/cases", params={"limit": 100}, headers=as_(*ADMIN))
    admin_ids = {c["id"] for c in admin.json()["items"]}
    assert {c["id"] for c in [*mine, other]} <= admin_ids
    puisto = await client.get("/cases", params={"limit": 100}, headers=as_(*CA_PUISTO))
    assert not {c["id"] for c in mine} & {c["id"] for c in puisto.json()["items"]}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 101},
        {"limit": 0},
        {"offset": 1},
        {"state": "screening"},
        {"status": "galaxy"},
        {"cursor": "not-a-cursor"},
        {"routed": "maybe"},
    ],
)
async def test_work_list_rejects_bad_query(
    client: AsyncClient, as_: As, params: dict[str, Any]
) -> None:
    problem(await client.get("/cases", params=params, headers=as_(*CA_KIRJASTO)), 422)


async def test_admin_can_list_unrouted_cases(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    lonely = await new_case(unit_id="u-nowhere")
    assert lonely["routed"] is False and lonely["reviewer_ids"] == []
    unrouted = await client.get(
        "/cases", params={"routed": "false", "limit": 100}, headers=as_(*ADMIN)
    )
    items = unrouted.json()["items"]
    assert lonely["id"] in {c["id"] for c in items}
    assert all(c["routed"] is False for c in items)


async def test_reviewer_reads_the_case_and_other_units_cannot(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case(authors=["p-author-1", "p-author-2"])
    path = f"/cases/{case['id']}"
    mine = await client.get(path, headers=as_(*CA_KIRJASTO))
    assert mine.status_code == 200
    body = mine.json()
    assert body["reviewer_ids"] == ["p-ca-kirjasto", "p-sup-kirjasto"]
    assert body["author_ids"] == ["p-author-1", "p-author-2"]
    assert body["allowed_actions"] == ["accept_for_review", "decide", "withdraw"]
    assert body["screening_due_at"] > body["opened_at"]
    assert [h["action"] for h in body["history"]] == ["opened", "routed"]
    by_idea = await client.get(f"/cases/by-idea/{case['idea_id']}", headers=as_(*SUP_KIRJASTO))
    assert by_idea.json()["id"] == case["id"]

    problem(await client.get(path, headers=as_(*CA_PUISTO)), 403)
    problem(await client.get(path, headers=as_(*COMMITTEE)), 403)
    problem(await client.get(f"/cases/by-idea/{case['idea_id']}", headers=as_(*CA_PUISTO)), 403)


async def test_anonymous_authors_are_never_shown(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case(anonymous=True, authors=["p-secret"])
    for headers in (as_(*CA_KIRJASTO), as_(*ADMIN)):
        for path in (f"/cases/{case['id']}", f"/cases/by-idea/{case['idea_id']}", "/cases"):
            params = {"limit": 100} if path == "/cases" else {}
            response = await client.get(path, params=params, headers=headers)
            assert response.status_code == 200
            assert "p-secret" not in response.text
    detail = (await client.get(f"/cases/{case['id']}", headers=as_(*CA_KIRJASTO))).json()
    assert detail["author_ids"] is None
    assert detail["author_ref"] == "a-ref1" and detail["anonymous"] is True


async def test_unknown_case_is_404_and_malformed_id_is_422(client: AsyncClient, as_: As) -> None:
    problem(await client.get("/cases/c-missing", headers=as_(*ADMIN)), 404)
    problem(await client.get("/cases/by-idea/i-missing", headers=as_(*ADMIN)), 404)
    problem(await client.post("/cases/c-missing/decision", json=ACCEPT, headers=as_(*ADMIN)), 404)
    problem(await client.get("/cases/bad.id", headers=as_(*ADMIN)), 422)
