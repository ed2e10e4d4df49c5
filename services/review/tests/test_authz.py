"""The policy table as the review service applies it: every route has an action, denials say
whether the role or the object was wrong, and the README shows the table in force."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from httpx import AsyncClient, Response

from ideapaja_review.authz import POLICY

Headers = dict[str, str]
As = Callable[..., Headers]
NewCase = Callable[..., Awaitable[dict[str, Any]]]
README = Path(__file__).parents[1] / "README.md"


def reason(response: Response) -> str:
    assert response.status_code == 403, response.text
    return str(response.json()["reason"])


async def test_every_route_names_an_action_of_the_table(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    used = set()
    for path, methods in spec["paths"].items():
        if path in ("/healthz", "/readyz", "/metrics"):
            continue
        for method, operation in methods.items():
            action = operation.get("x-ideapaja-action", "")
            assert action.startswith("review."), f"{method.upper()} {path} has no action"
            permission = POLICY[action.removeprefix("review.")]
            assert operation["x-ideapaja-roles"] == sorted(permission.roles)
            used.add(permission.action)
    assert used == set(POLICY.permissions), "an action no route uses"


async def test_roles_outside_the_table_are_refused_for_the_role(
    client: AsyncClient, as_: As
) -> None:
    assert reason(await client.post("/deadlines/sweep", headers=as_("p-sup", "supervisor"))) == (
        "role"
    )
    assert reason(await client.get("/workload", headers=as_("p-emp", "employee"))) == "role"
    assert reason(await client.get("/cases", headers=as_("p-none"))) == "role"
    # Committee work needs the committee role, whatever review's membership says.
    assert (
        reason(await client.get("/meetings/m-x", headers=as_("p-emp", "employee", "supervisor")))
        == "role"
    )


async def test_allowed_roles_on_the_wrong_object_are_refused_for_the_object(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case()  # a u-kirjasto idea by p-author
    other_unit = as_("p-ca-puisto", "change_agent")
    assert reason(await client.get(f"/cases/{case['id']}", headers=other_unit)) == "object"
    decision = {"decision": "rejected", "rationale": "Ei."}
    denied = await client.post(f"/cases/{case['id']}/decision", json=decision, headers=other_unit)
    assert reason(denied) == "object"
    # An employee nobody assigned has no work list at all.
    assert reason(await client.get("/cases", headers=as_("p-emp-kirjasto", "employee"))) == (
        "object"
    )
    stranger = as_("p-stranger", "employee")
    assert reason(await client.get(f"/ideas/{case['idea_id']}/review", headers=stranger)) == (
        "object"
    )
    answered = await client.post(
        f"/ideas/{case['idea_id']}/answer", json={"answer": "Tässä."}, headers=stranger
    )
    assert reason(answered) == "object"


async def test_allowed_roles_get_404_for_unknown_ids(client: AsyncClient, as_: As) -> None:
    chair = as_("p-com-1", "employee", "committee_member")
    for path in ("/meetings/m-none", "/committees/k-none/meetings", "/meetings/m-none/minutes"):
        assert (await client.get(path, headers=chair)).status_code == 404, path
    reviewer = as_("p-ca-kirjasto", "change_agent")
    assert (await client.get("/cases/c-none", headers=reviewer)).status_code == 404
    answer = {"answer": "Tässä."}
    anyone = as_("p-anyone")
    assert (await client.post("/ideas/i-none/answer", json=answer, headers=anyone)).status_code == (
        404
    )


def test_readme_shows_the_table_in_force() -> None:
    assert POLICY.markdown_table() in README.read_text(encoding="utf-8")
