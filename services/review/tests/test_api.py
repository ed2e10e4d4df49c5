"""The HTTP API per role: who sees what, who decides what, and what is refused how."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient, Response
from review_testkit import ORG, Delivery, idea, outbox_events, person, review_settings, unit

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_contracts.events.idea import IdeaSubmitted, Scope
from ideapaja_review import handlers
from ideapaja_review.app import service
from ideapaja_runtime.problems import PROBLEM_JSON
from ideapaja_runtime.testing import DevKeys, NatsServer, RunningService, running_service

DECIDED = "ideapaja.review.decided.v1"
Headers = dict[str, str]


@pytest.fixture(scope="module")
async def api(dev_keys: DevKeys) -> AsyncIterator[RunningService]:
    """One service for the whole module (SQLite; every test makes its own cases)."""
    server = NatsServer()
    server.start()
    workdir = Path(tempfile.mkdtemp(prefix="review-api-"))
    settings = review_settings(
        nats_url=server.url,
        database_url=f"sqlite+aiosqlite:///{workdir / 'review.db'}",
        auth_public_key=dev_keys.public_pem,
    )
    try:
        async with running_service(service, settings) as running:
            await deliverer(running).all(
                [
                    *ORG,
                    unit("u-lista", "d-tekninen"),
                    person("p-ca-lista", "u-lista", "change_agent"),
                ]
            )
            yield running
    finally:
        server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


def deliverer(running: RunningService) -> Delivery:
    settings = running.runtime.settings
    return Delivery(
        running.runtime.db,
        {
            UnitUpserted: handlers.on_unit_upserted,
            PersonUpserted: handlers.on_person_upserted,
            PersonLeft: handlers.on_person_left,
            IdeaSubmitted: handlers.on_idea_submitted,
        },
        running.runtime.outbox,
        settings=settings,
        clock=lambda: running.runtime.clock(),
    )


@pytest.fixture
def client(api: RunningService) -> AsyncClient:
    return api.client


@pytest.fixture
def as_(dev_keys: DevKeys) -> Callable[..., Headers]:
    """Headers for a caller: as_("p-ca-kirjasto", "change_agent")."""

    def headers(person_id: str, *roles: str) -> Headers:
        # Signing costs ~40 ms (the key is parsed each time); tokens live 10 minutes.
        key = (person_id, *roles)
        if key not in _TOKENS:
            _TOKENS[key] = dev_keys.headers(person_id, *roles)
        return _TOKENS[key]

    return headers


_TOKENS: dict[tuple[str, ...], Headers] = {}


NewCase = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def new_case(api: RunningService, client: AsyncClient, as_: Callable[..., Headers]) -> NewCase:
    """Submit an idea through the handler and return its case as an admin sees it."""

    async def make(**idea_args: Any) -> dict[str, Any]:
        submitted = idea(**idea_args)
        await deliverer(api).all([submitted])
        response = await client.get(
            f"/cases/by-idea/{submitted.idea_id}", headers=as_("p-admin", "admin")
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    return make


CA_KIRJASTO = ("p-ca-kirjasto", "change_agent")
SUP_KIRJASTO = ("p-sup-kirjasto", "employee", "supervisor")
CA_PUISTO = ("p-ca-puisto", "change_agent")
EMPLOYEE = ("p-emp-kirjasto", "employee")
COMMITTEE = ("p-com-1", "employee", "committee_member")
ADMIN = ("p-admin", "admin")
ACCEPT = {"decision": "accepted", "rationale": "Kokeillaan syksyllä."}


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def decided_events(api: RunningService, case_id: str) -> list[dict[str, Any]]:
    return [e for e in await outbox_events(api.runtime.db, DECIDED) if e["case_id"] == case_id]


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
    client: AsyncClient, as_: Callable[..., Headers], method: str, path: str
) -> None:
    body = ACCEPT if method == "POST" else None
    response = await client.request(method, path, json=body)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    bad = await client.request(method, path, json=body, headers={"Authorization": "Bearer x.y.z"})
    assert_problem(bad, 401)
    assert_problem(await client.request(method, path, json=body, headers=as_(*EMPLOYEE)), 403)


# --- Reading ----------------------------------------------------------------------------------


async def test_work_list_shows_the_callers_cases_and_all_for_admins(
    client: AsyncClient, as_: Callable[..., Headers], new_case: NewCase
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
    client: AsyncClient, as_: Callable[..., Headers], params: dict[str, Any]
) -> None:
    assert_problem(await client.get("/cases", params=params, headers=as_(*CA_KIRJASTO)), 422)


async def test_admin_can_list_unrouted_cases(
    client: AsyncClient, as_: Callable[..., Headers], new_case: NewCase
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
    client: AsyncClient, as_: Callable[..., Headers], new_case: NewCase
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

    assert_problem(await client.get(path, headers=as_(*CA_PUISTO)), 403)
    assert_problem(await client.get(path, headers=as_(*COMMITTEE)), 403)
    assert_problem(
        await client.get(f"/cases/by-idea/{case['idea_id']}", headers=as_(*CA_PUISTO)), 403
    )


async def test_anonymous_authors_are_never_shown(
    client: AsyncClient, as_: Callable[..., Headers], new_case: NewCase
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


async def test_unknown_case_is_404_and_malformed_id_is_422(
    client: AsyncClient, as_: Callable[..., Headers]
) -> None:
    assert_problem(await client.get("/cases/c-missing", headers=as_(*ADMIN)), 404)
    assert_problem(await client.get("/cases/by-idea/i-missing", headers=as_(*ADMIN)), 404)
    assert_problem(
        await client.post("/cases/c-missing/decision", json=ACCEPT, headers=as_(*ADMIN)), 404
    )
    assert_problem(await client.get("/cases/bad.id", headers=as_(*ADMIN)), 422)


# --- Deciding ---------------------------------------------------------------------------------


async def test_reviewer_decides_once_and_the_decision_goes_to_the_outbox(
    api: RunningService, client: AsyncClient, as_: Callable[..., Headers], new_case: NewCase
) -> None:
    case = await new_case()
    path = f"/cases/{case['id']}/decision"
    response = await client.post(
        path, json={**ACCEPT, "rationale": "  Hyvä idea.  "}, headers=as_(*SUP_KIRJASTO)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["decision"], body["decided_by"]) == (
        "decided",
        "accepted",
        "p-sup-kirjasto",
    )
    assert body["rationale"] == "Hyvä idea."
    # An accepted idea goes on to an experiment or implementation, or is reopened once.
    assert body["allowed_actions"] == ["appeal", "start_experiment", "start_implementation"]
    entry = body["history"][-1]
    assert (entry["action"], entry["actor_id"], entry["reason"], entry["from_status"]) == (
        "decide",
        "p-sup-kirjasto",
        "Hyvä idea.",
        "screening",
    )
    assert entry["occurred_at"] == body["decided_at"]

    [event] = await decided_events(api, case["id"])
    assert event == {
        "_type": DECIDED,
        "case_id": case["id"],
        "idea_id": case["idea_id"],
        "decision": "accepted",
        "rationale": "Hyvä idea.",
        "decided_by": "p-sup-kirjasto",
        "scope": "unit",
        "unit_id": "u-kirjasto",
        "duplicate_of": None,
        "forwarded_to_unit_id": None,
    }

    again = await client.post(path, json=ACCEPT, headers=as_(*CA_KIRJASTO))
    problem = assert_problem(again, 409)
    assert problem["allowed"] == ["appeal", "start_experiment", "start_implementation"]
    assert (problem["state"], problem["decision"]) == ("decided", "accepted")
    assert len(await decided_events(api, case["id"])) == 1


async def test_needs_info_case_waits_for_the_authors_answer(
    client: AsyncClient, as_: Callable[..., Headers], new_case: NewCase
) -> None:
    case = await new_case()
    path = f"/cases/{case['id']}/decision"
    asked = await client.post(
        path,
        json={"decision": "needs_info", "rationale": "Mitä se maksaisi?"},
        headers=as_(*CA_KIRJASTO),
    )
    assert asked.json()["allowed_actions"] == ["resume_screening", "withdraw"]
    problem = assert_problem(await client.post(path, json=ACCEPT, headers=as_(*CA_KIRJASTO)), 409)
    assert problem["allowed"] == ["resume_screening", "withdraw"]


async def test_other_units_change_agent_and_employees_cannot_decide(
    api: RunningService, client: AsyncClient, as_: Callable[..., Headers], new_case: NewCase
) -> None:
    case = await new_case()
    path = f"/cases/{case['id']}/decision"
    denied = assert_problem(await client.post(path, json=ACCEPT, headers=as_(*CA_PUISTO)), 403)
    assert "not a reviewer" in denied["detail"]
    assert_problem(await client.post(path, json=ACCEPT, headers=as_(*EMPLOYEE)), 403)
    # On the list per HR, but the token does not say change agent or supervisor.
    assert_problem(
        await client.post(path, json=ACCEPT, headers=as_("p-ca-kirjasto", "committee_member")),
        403,
    )
    assert await decided_events(api, case["id"]) == []
    unchanged = await client.get(f"/cases/{case['id']}", headers=as_(*ADMIN))
    assert unchanged.json()["status"] == "screening"


async def test_city_ideas_are_decided_by_committee_members(
    api: RunningService, client: AsyncClient, as_: Callable[..., Headers], new_case: NewCase
) -> None:
    case = await new_case(scope=Scope.CITY, unit_id="u-kirjasto")
    assert case["reviewer_ids"] == ["p-com-1", "p-com-2"]
    path = f"/cases/{case['id']}/decision"
    assert_problem(await client.post(path, json=ACCEPT, headers=as_(*CA_KIRJASTO)), 403)
    assert_problem(await client.post(path, json=ACCEPT, headers=as_(*SUP_KIRJASTO)), 403)
    ok = await client.post(path, json=ACCEPT, headers=as_(*COMMITTEE))
    assert ok.status_code == 200, ok.text
    [event] = await decided_events(api, case["id"])
    assert (event["scope"], event["decided_by"]) == ("city", "p-com-1")


async def test_admin_decides_even_an_unrouted_case(
    client: AsyncClient, as_: Callable[..., Headers], new_case: NewCase
) -> None:
    case = await new_case(unit_id="u-unknown")
    assert case["routed"] is False
    response = await client.post(
        f"/cases/{case['id']}/decision",
        json={"decision": "rejected", "rationale": "Ei kuulu kaupungille."},
        headers=as_(*ADMIN),
    )
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == "rejected"


async def test_forwarding_and_duplicates_name_their_target(
    api: RunningService, client: AsyncClient, as_: Callable[..., Headers], new_case: NewCase
) -> None:
    original = await new_case()
    copy = await new_case()
    forwarded = await new_case()
    dup = await client.post(
        f"/cases/{copy['id']}/decision",
        json={
            "decision": "duplicate",
            "rationale": "Sama kuin aiempi.",
            "duplicate_of": original["idea_id"],
        },
        headers=as_(*CA_KIRJASTO),
    )
    assert dup.status_code == 200, dup.text
    assert dup.json()["duplicate_of"] == original["idea_id"]
    fwd = await client.post(
        f"/cases/{forwarded['id']}/decision",
        json={
            "decision": "forwarded",
            "rationale": "Koulun asia.",
            "forwarded_to_unit_id": "u-koulu",
        },
        headers=as_(*CA_KIRJASTO),
    )
    assert fwd.status_code == 200, fwd.text
    [dup_event] = await decided_events(api, copy["id"])
    [fwd_event] = await decided_events(api, forwarded["id"])
    assert (dup_event["decision"], dup_event["duplicate_of"]) == ("duplicate", original["idea_id"])
    assert (fwd_event["decision"], fwd_event["forwarded_to_unit_id"]) == ("forwarded", "u-koulu")
    assert fwd.json()["history"][-1]["details"] == {"forwarded_to_unit_id": "u-koulu"}


BAD_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("missing rationale", {"decision": "accepted"}),
    ("blank rationale", {"decision": "accepted", "rationale": "   "}),
    ("rationale too long", {"decision": "accepted", "rationale": "x" * 5001}),
    ("unknown decision", {"decision": "maybe", "rationale": "r"}),
    ("extra field", {**ACCEPT, "score": 5}),
    ("duplicate without target", {"decision": "duplicate", "rationale": "r"}),
    ("forwarded without unit", {"decision": "forwarded", "rationale": "r"}),
    ("target on accept", {**ACCEPT, "duplicate_of": "i-other"}),
    (
        "unit on reject",
        {"decision": "rejected", "rationale": "r", "forwarded_to_unit_id": "u-koulu"},
    ),
    ("bad id", {"decision": "duplicate", "rationale": "r", "duplicate_of": "i.x>"}),
    ("unknown unit", {"decision": "forwarded", "rationale": "r", "forwarded_to_unit_id": "u-nope"}),
    ("unknown idea", {"decision": "duplicate", "rationale": "r", "duplicate_of": "i-nope"}),
    ("not a list", []),  # type: ignore[list-item]
]


@pytest.mark.parametrize(("why", "body"), BAD_BODIES, ids=[why for why, _ in BAD_BODIES])
async def test_bad_decision_body_is_422_and_changes_nothing(
    api: RunningService,
    client: AsyncClient,
    as_: Callable[..., Headers],
    new_case: NewCase,
    why: str,
    body: Any,
) -> None:
    case = await new_case()
    response = await client.post(
        f"/cases/{case['id']}/decision", json=body, headers=as_(*CA_KIRJASTO)
    )
    problem = assert_problem(response, 422)
    assert problem["errors"]
    assert await decided_events(api, case["id"]) == []


async def test_duplicate_of_itself_is_422(
    client: AsyncClient, as_: Callable[..., Headers], new_case: NewCase
) -> None:
    case = await new_case()
    response = await client.post(
        f"/cases/{case['id']}/decision",
        json={"decision": "duplicate", "rationale": "r", "duplicate_of": case["idea_id"]},
        headers=as_(*CA_KIRJASTO),
    )
    assert "itself" in assert_problem(response, 422)["detail"]


EXPECTED_OPERATIONS = {
    ("GET", "/cases"),
    ("GET", "/cases/{case_id}"),
    ("GET", "/cases/by-idea/{idea_id}"),
    ("POST", "/cases/{case_id}/decision"),
    ("POST", "/cases/{case_id}/accept-for-review"),
    ("POST", "/cases/{case_id}/reopen"),
    ("POST", "/cases/{case_id}/experiments"),
    ("POST", "/cases/{case_id}/experiments/{experiment_id}/completion"),
    ("POST", "/cases/{case_id}/implementation"),
    ("GET", "/cases/{case_id}/implementation"),
    ("POST", "/cases/{case_id}/implementation/progress"),
    ("POST", "/cases/{case_id}/implementation/completion"),
    ("POST", "/cases/{case_id}/practice"),
    ("GET", "/ideas/{idea_id}/review"),
    ("POST", "/ideas/{idea_id}/answer"),
    ("POST", "/ideas/{idea_id}/appeal"),
    ("POST", "/committees"),
    ("GET", "/committees"),
    ("GET", "/committees/{committee_id}"),
    ("PATCH", "/committees/{committee_id}"),
    ("PUT", "/committees/{committee_id}/members/{person_id}"),
    ("DELETE", "/committees/{committee_id}/members/{person_id}"),
    ("POST", "/committees/{committee_id}/meetings"),
    ("GET", "/committees/{committee_id}/meetings"),
    ("GET", "/meetings/{meeting_id}"),
    ("POST", "/meetings/{meeting_id}/items"),
    ("PUT", "/meetings/{meeting_id}/attendance"),
    ("POST", "/meetings/{meeting_id}/items/{case_id}/conflicts"),
    ("PUT", "/meetings/{meeting_id}/items/{case_id}/scores/me"),
    ("GET", "/meetings/{meeting_id}/items/{case_id}"),
    ("POST", "/meetings/{meeting_id}/items/{case_id}/decision"),
    ("POST", "/meetings/{meeting_id}/items/{case_id}/deferral"),
    ("POST", "/meetings/{meeting_id}/close"),
    ("GET", "/meetings/{meeting_id}/minutes"),
    ("GET", "/experiments"),
    ("GET", "/experiments/{experiment_id}"),
    ("GET", "/practices"),
    ("GET", "/practices/{practice_id}"),
    ("POST", "/practices/{practice_id}/adoptions"),
    ("GET", "/routing-rules"),
    ("GET", "/builtin-routing-rule"),
    ("GET", "/routing-rules/{department_id}"),
    ("PUT", "/routing-rules/{department_id}"),
    ("DELETE", "/routing-rules/{department_id}"),
    ("GET", "/change-agents"),
    ("GET", "/units-without-reviewers"),
    ("POST", "/change-agents"),
    ("DELETE", "/change-agents/{unit_id}/{person_id}"),
    ("GET", "/workload"),
    ("POST", "/deadlines/sweep"),
    ("GET", "/privacy/persons/{person_id}"),
}


async def test_openapi_documents_every_route(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operations = {
        (method.upper(), path): op
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
        if path not in ("/healthz", "/readyz", "/metrics")
    }
    assert set(operations) == EXPECTED_OPERATIONS
    for op in operations.values():
        assert op["summary"]
        assert {"200", "201", "204"} & set(op["responses"])
        assert "401" in op["responses"] and "403" in op["responses"]
        assert op["security"], "every route needs a bearer token"
