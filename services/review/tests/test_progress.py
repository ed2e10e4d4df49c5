"""After acceptance: an experiment to ``scale`` with its results open to everyone, then the
implementation with milestones and progress, completion, the good practice and its adoptions;
and what is refused on the way (wrong role 403, illegal step 409 with the allowed ones)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from httpx import AsyncClient, Response
from review_testkit import events_of, outbox_events

from ideapaja_runtime.testing import RunningService

Headers = dict[str, str]
NewCase = Callable[..., Awaitable[dict[str, Any]]]
As = Callable[..., Headers]

CA = ("p-ca-kirjasto", "change_agent")
SUP = ("p-sup-kirjasto", "employee", "supervisor")
OWNER = ("p-owner", "employee")
EMPLOYEE = ("p-emp-koulu", "employee")
SUP_KOULU = ("p-sup-koulu", "employee", "supervisor")
ADMIN = ("p-admin", "admin")

PLAN = {
    "pilot_unit_ids": ["u-kirjasto", "u-koulu"],
    "hypothesis": "Omatoimiaika iltaisin lisää lainoja ilman lisähenkilöstöä.",
    "measure": "Iltalainat viikossa",
    "baseline": "40",
    "starts_on": "2025-02-01",
    "ends_on": "2025-04-30",
}


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def status(response: Response, expected: int) -> dict[str, Any]:
    assert response.status_code == expected, response.text
    body: dict[str, Any] = response.json()
    return body


async def emitted(api: RunningService, event_type: str, **match: Any) -> list[dict[str, Any]]:
    return events_of(await outbox_events(api.runtime.db, f"ideapaja.{event_type}.v1"), **match)


async def accepted_case(client: AsyncClient, as_: As, new_case: NewCase) -> dict[str, Any]:
    case = await new_case()
    ok(
        await client.post(
            f"/cases/{case['id']}/decision",
            json={"decision": "accepted", "rationale": "Kokeillaan."},
            headers=as_(*SUP),
        )
    )
    return case


async def test_experiment_to_scale_then_implementation_to_a_good_practice(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await accepted_case(client, as_, new_case)
    case_id, idea_id = case["id"], case["idea_id"]

    # --- the experiment
    status(
        await client.post(f"/cases/{case_id}/experiments", json=PLAN, headers=as_(*EMPLOYEE)), 403
    )
    experiment = ok(
        await client.post(f"/cases/{case_id}/experiments", json=PLAN, headers=as_(*CA)), 201
    )
    experiment_id = experiment["id"]
    assert (experiment["status"], experiment["idea_title"]) == (
        "running",
        "Omatoimikirjasto iltaisin",
    )
    [started] = await emitted(api, "experiment.started", experiment_id=experiment_id)
    assert started == {
        "_type": "ideapaja.experiment.started.v1",
        "idea_id": idea_id,
        "experiment_id": experiment_id,
        "pilot_unit_ids": ["u-kirjasto", "u-koulu"],
        "hypothesis": PLAN["hypothesis"],
        "measure": "Iltalainat viikossa",
        "baseline": "40",
        "starts_on": "2025-02-01",
        "ends_on": "2025-04-30",
    }
    detail = ok(await client.get(f"/cases/{case_id}", headers=as_(*CA)))
    assert detail["status"] == "experiment"
    assert detail["allowed_actions"] == ["complete_experiment"]
    # Results are due 30 days after the pilot's last day.
    assert detail["due_at"].startswith("2025-05-31")

    # Running experiments are visible to everyone already.
    running = ok(
        await client.get("/experiments", params={"status": "running"}, headers=as_(*EMPLOYEE))
    )
    assert experiment_id in {e["id"] for e in running["items"]}

    completion = {
        "result": "Iltalainat kasvoivat 40:stä 95:een viikossa; ei häiriöitä.",
        "measured_value": "95",
        "outcome": "scale",
        "lesson": "Kulunvalvonta kannattaa testata ennen aloitusta.",
    }
    done = ok(
        await client.post(
            f"/cases/{case_id}/experiments/{experiment_id}/completion",
            json=completion,
            headers=as_(*CA),
        )
    )
    assert (done["status"], done["outcome"], done["measured_value"]) == ("completed", "scale", "95")
    [completed] = await emitted(api, "experiment.completed", experiment_id=experiment_id)
    assert (completed["outcome"], completed["lesson"], completed["measured_value"]) == (
        "scale",
        completion["lesson"],
        "95",
    )
    piloted = ok(await client.get(f"/cases/{case_id}", headers=as_(*CA)))
    assert (piloted["status"], piloted["outcome"]) == ("piloted", "scale")
    assert piloted["allowed_actions"] == ["start_implementation"]
    again = await client.post(
        f"/cases/{case_id}/experiments/{experiment_id}/completion",
        json=completion,
        headers=as_(*CA),
    )
    assert status(again, 409)["title"] == "Experiment completed"

    # The results are published openly: any employee reads them, filtered by outcome or unit.
    scaled = ok(
        await client.get(
            "/experiments",
            params={"outcome": "scale", "unit_id": "u-koulu"},
            headers=as_(*EMPLOYEE),
        )
    )
    [listed] = [e for e in scaled["items"] if e["id"] == experiment_id]
    assert (listed["result"], listed["lesson"], listed["baseline"]) == (
        completion["result"],
        completion["lesson"],
        "40",
    )
    one = ok(await client.get(f"/experiments/{experiment_id}", headers=as_(*EMPLOYEE)))
    assert one["hypothesis"] == PLAN["hypothesis"]
    assert "author" not in str(one)

    # --- the implementation
    plan = {
        "owner_id": "p-owner",
        "planned_benefit": "Palvelu iltaisin kaikissa toimipisteissä.",
        "milestones": [
            {"title": "Kulunvalvonta asennettu", "due_on": "2025-06-15"},
            {"title": "Ohjeet asiakkaille"},
        ],
    }
    implementation = ok(
        await client.post(f"/cases/{case_id}/implementation", json=plan, headers=as_(*CA)), 201
    )
    assert (implementation["owner_id"], implementation["percent"]) == ("p-owner", 0)
    first, _second = implementation["milestones"]
    status(
        await client.post(
            f"/cases/{case_id}/implementation/progress",
            json={"percent": 50},
            headers=as_(*EMPLOYEE),
        ),
        403,
    )
    progressed = ok(
        await client.post(
            f"/cases/{case_id}/implementation/progress",
            json={"percent": 60, "milestones_done": [first["id"]], "note": "Asennettu."},
            headers=as_(*OWNER),
        )
    )
    assert progressed["percent"] == 60
    assert progressed["milestones"][0]["done_at"] is not None
    assert progressed["milestones"][1]["done_at"] is None
    bad = await client.post(
        f"/cases/{case_id}/implementation/progress",
        json={"percent": 70, "milestones_done": ["ms-none"]},
        headers=as_(*OWNER),
    )
    status(bad, 422)
    status(
        await client.post(
            f"/cases/{case_id}/implementation/progress", json={"percent": 101}, headers=as_(*OWNER)
        ),
        422,
    )
    progress_events = await emitted(api, "implementation.progressed", idea_id=idea_id)
    assert [(e["percent"], e["milestone"]) for e in progress_events] == [
        (0, ""),
        (60, "Kulunvalvonta asennettu"),
    ]
    assert (
        ok(await client.get(f"/cases/{case_id}/implementation", headers=as_(*EMPLOYEE)))["percent"]
        == 60
    )

    status(
        await client.post(
            f"/cases/{case_id}/practice", json={"title": "x", "summary": "y"}, headers=as_(*CA)
        ),
        409,
    )
    finished = ok(
        await client.post(
            f"/cases/{case_id}/implementation/completion",
            json={"realised_benefit": "Lainaus +130 % iltaisin, ei lisäkuluja."},
            headers=as_(*OWNER),
        )
    )
    assert (finished["percent"], finished["realised_benefit"]) == (
        100,
        "Lainaus +130 % iltaisin, ei lisäkuluja.",
    )
    [implemented] = await emitted(api, "implementation.completed", idea_id=idea_id)
    assert (implemented["owner_id"], implemented["realised_benefit"]) == (
        "p-owner",
        "Lainaus +130 % iltaisin, ei lisäkuluja.",
    )

    # --- the good practice and its adoptions
    practice = ok(
        await client.post(
            f"/cases/{case_id}/practice",
            json={"title": "Omatoimikirjasto iltaisin", "summary": "Näin otat käyttöön."},
            headers=as_(*CA),
        ),
        201,
    )
    practice_id = practice["id"]
    [published] = await emitted(api, "practice.published", practice_id=practice_id)
    assert (published["idea_id"], published["unit_id"], published["published_by"]) == (
        idea_id,
        "u-kirjasto",
        "p-ca-kirjasto",
    )
    adoption = {"unit_id": "u-koulu", "note": "Koulun kirjasto iltaisin."}
    path = f"/practices/{practice_id}/adoptions"
    status(await client.post(path, json=adoption, headers=as_(*EMPLOYEE)), 403)
    status(await client.post(path, json=adoption, headers=as_(*SUP)), 403)  # not their unit
    status(
        await client.post(path, json={"unit_id": "u-kirjasto"}, headers=as_(*ADMIN)), 422
    )  # its own unit
    adopted = ok(await client.post(path, json=adoption, headers=as_(*SUP_KOULU)), 201)
    assert [a["unit_id"] for a in adopted["adoptions"]] == ["u-koulu"]
    repeat = await client.post(path, json=adoption, headers=as_(*SUP_KOULU))
    assert repeat.status_code == 200
    [adoption_event] = await emitted(api, "practice.adopted", practice_id=practice_id)
    assert (adoption_event["adopting_unit_id"], adoption_event["reported_by"]) == (
        "u-koulu",
        "p-sup-koulu",
    )
    listed_practices = ok(await client.get("/practices", headers=as_(*EMPLOYEE)))
    assert practice_id in {p["id"] for p in listed_practices["items"]}
    final = ok(await client.get(f"/cases/{case_id}", headers=as_(*CA)))
    assert final["status"] == "good_practice"
    assert [h["action"] for h in final["history"]][2:] == [
        "decide",
        "start_experiment",
        "complete_experiment",
        "start_implementation",
        "record_progress",
        "complete_implementation",
        "publish_practice",
        "record_adoption",
    ]


async def test_adjust_pilots_again_and_stop_ends_the_idea_with_its_lesson(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await accepted_case(client, as_, new_case)
    case_id = case["id"]
    first = ok(await client.post(f"/cases/{case_id}/experiments", json=PLAN, headers=as_(*CA)), 201)
    ok(
        await client.post(
            f"/cases/{case_id}/experiments/{first['id']}/completion",
            json={"result": "Vähän käyttöä.", "outcome": "adjust", "lesson": "Mainonta puuttui."},
            headers=as_(*CA),
        )
    )
    assert ok(await client.get(f"/cases/{case_id}", headers=as_(*CA)))["allowed_actions"] == [
        "start_experiment",
        "start_implementation",
    ]
    second = ok(
        await client.post(f"/cases/{case_id}/experiments", json=PLAN, headers=as_(*CA)), 201
    )
    ok(
        await client.post(
            f"/cases/{case_id}/experiments/{second['id']}/completion",
            json={"result": "Ei kysyntää.", "outcome": "stop", "lesson": "Tarve oli oletettu."},
            headers=as_(*CA),
        )
    )
    stopped = ok(await client.get(f"/cases/{case_id}", headers=as_(*CA)))
    assert (stopped["status"], stopped["allowed_actions"]) == ("stopped", [])
    refused = await client.post(
        f"/cases/{case_id}/implementation", json={"owner_id": "p-owner"}, headers=as_(*CA)
    )
    assert status(refused, 409)["allowed"] == []
    stops = ok(await client.get("/experiments", params={"outcome": "stop"}, headers=as_(*EMPLOYEE)))
    assert second["id"] in {e["id"] for e in stops["items"]}


async def test_implementing_a_rejected_idea_is_409_with_the_allowed_actions(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case()
    ok(
        await client.post(
            f"/cases/{case['id']}/decision",
            json={"decision": "rejected", "rationale": "Ei."},
            headers=as_(*SUP),
        )
    )
    for path, body in [
        ("implementation", {"owner_id": "p-owner"}),
        ("implementation/progress", {"percent": 10}),
        ("implementation/completion", {"realised_benefit": "x"}),
        ("experiments", PLAN),
        ("practice", {"title": "x", "summary": "y"}),
    ]:
        refused = status(
            await client.post(f"/cases/{case['id']}/{path}", json=body, headers=as_(*CA)), 409
        )
        assert (refused["state"], refused["decision"], refused["allowed"]) == (
            "decided",
            "rejected",
            ["appeal"],
        )
    assert await emitted(api, "implementation.progressed", idea_id=case["idea_id"]) == []


async def test_bad_experiment_plans_are_422(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await accepted_case(client, as_, new_case)
    path = f"/cases/{case['id']}/experiments"
    for bad in (
        {**PLAN, "ends_on": "2025-01-01"},
        {**PLAN, "pilot_unit_ids": ["u-none"]},
        {**PLAN, "pilot_unit_ids": []},
        {**PLAN, "hypothesis": ""},
        {**PLAN, "extra": 1},
    ):
        status(await client.post(path, json=bad, headers=as_(*CA)), 422)
    still = ok(await client.get(f"/cases/{case['id']}", headers=as_(*CA)))
    assert still["status"] == "decided"


async def test_unknown_things_are_404(client: AsyncClient, as_: As, new_case: NewCase) -> None:
    for path in (
        "/experiments/x-none",
        "/practices/gp-none",
        "/cases/c-none/implementation",
    ):
        status(await client.get(path, headers=as_(*EMPLOYEE)), 404)
    case = await new_case()
    status(await client.get(f"/cases/{case['id']}/implementation", headers=as_(*CA)), 404)
    status(
        await client.post(
            "/practices/gp-none/adoptions", json={"unit_id": "u-koulu"}, headers=as_(*ADMIN)
        ),
        404,
    )
