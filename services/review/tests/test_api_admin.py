"""Configurable routing per department, the change-agent network and workloads, and the audit
log of configuration changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient
from review_testkit import As, NewCase, handler_delivery, idea, ok, person, unit
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from ideapaja_contracts.events.idea import Scope
from ideapaja_review.db.models import AuditRow
from ideapaja_review.schemas.admin import EffectiveRulePublic
from ideapaja_runtime.testing import RunningService

ADMIN = ("p-admin", "admin")
EMPLOYEE = ("p-emp-kirjasto", "employee")


@pytest.fixture
async def rules(client: AsyncClient, as_: As) -> AsyncIterator[None]:
    """Rules stored by a test are removed afterwards (the service is shared by the module)."""
    yield
    listed = ok(await client.get("/routing-rules", params={"limit": 100}, headers=as_(*ADMIN)))
    for rule in listed["items"]:
        await client.delete(f"/routing-rules/{rule['id']}", headers=as_(*ADMIN))


# --- Routing rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/routing-rules/d-sivistys", {"escalate": False}),
        ("DELETE", "/routing-rules/d-sivistys", None),
        ("POST", "/change-agents", {"unit_id": "u-tyhja", "person_id": "p-x"}),
        ("DELETE", "/change-agents/u-tyhja/p-x", None),
        ("POST", "/deadlines/sweep", None),
    ],
)
@pytest.mark.parametrize(
    "caller",
    [("p-ca-kirjasto", "change_agent"), ("p-mgmt", "management"), ("p-sup", "supervisor")],
    ids=["change agent", "management", "supervisor"],
)
async def test_only_admins_change_configuration(
    client: AsyncClient,
    as_: As,
    method: str,
    path: str,
    body: Any,
    caller: tuple[str, ...],
) -> None:
    response = await client.request(method, path, json=body, headers=as_(*caller))
    assert response.status_code == 403, response.text


@pytest.mark.parametrize("path", ["/routing-rules", "/routing-rules/d-sivistys", "/workload"])
async def test_employees_cannot_read_routing_or_workload(
    client: AsyncClient, as_: As, path: str
) -> None:
    assert (await client.get(path, headers=as_("p-emp", "employee"))).status_code == 403
    assert (await client.get(path, headers=as_("p-mgmt", "management"))).status_code == 200


async def test_rules_are_layered_and_shown_with_their_effect(
    client: AsyncClient, as_: As, rules: None
) -> None:
    builtin = ok(await client.get("/builtin-routing-rule", headers=as_(*ADMIN)))
    assert builtin["deadlines"]["screening_days"] == 14
    assert builtin["unit_decider_roles"] == ["change_agent", "supervisor"]

    ok(
        await client.put(
            "/routing-rules/default",
            json={"deadlines": {"screening_days": 10}},
            headers=as_(*ADMIN),
        )
    )
    saved = ok(
        await client.put(
            "/routing-rules/d-sivistys",
            json={"unit_decider_roles": ["supervisor"], "deadlines": {"in_review_days": 30}},
            headers=as_(*ADMIN),
        )
    )
    assert saved["stored"] == {
        "unit_decider_roles": ["supervisor"],
        "deadlines": {"in_review_days": 30},
    }
    effective = saved["effective"]
    assert effective["unit_decider_roles"] == ["supervisor"]
    assert effective["unit_reviewer_roles"] == ["change_agent", "supervisor"]
    assert (effective["deadlines"]["screening_days"], effective["deadlines"]["in_review_days"]) == (
        10,
        30,
    )
    assert saved["updated_by"] == "p-admin"
    other = ok(await client.get("/routing-rules/d-tekninen", headers=as_(*ADMIN)))
    assert other["stored"] is None
    assert other["effective"]["deadlines"]["screening_days"] == 10
    assert other["effective"]["unit_decider_roles"] == ["change_agent", "supervisor"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/routing-rules/u-kirjasto", {"escalate": False}, "department_id"),
        ("/routing-rules/d-nowhere", {"escalate": False}, "department_id"),
        ("/routing-rules/d-sivistys", {"committee_id": "k-none"}, "committee_id"),
        ("/routing-rules/d-sivistys", {"unit_reviewer_roles": ["employee"]}, "unit_reviewer_roles"),
        ("/routing-rules/d-sivistys", {"unit_reviewer_roles": []}, "unit_reviewer_roles"),
        ("/routing-rules/d-sivistys", {"deadlines": {"screening_days": 0}}, "screening_days"),
        ("/routing-rules/d-sivistys", {"deadlines": {"escalation_days": None}}, "deadlines"),
        ("/routing-rules/d-sivistys", {"surprise": True}, "surprise"),
    ],
)
async def test_bad_rules_are_422(
    client: AsyncClient, as_: As, rules: None, path: str, body: dict[str, Any], field: str
) -> None:
    response = await client.put(path, json=body, headers=as_(*ADMIN))
    assert response.status_code == 422, response.text
    assert field in response.text


async def test_a_department_rule_changes_who_decides_its_unit_ideas(
    client: AsyncClient, as_: As, new_case: NewCase, rules: None
) -> None:
    ok(
        await client.put(
            "/routing-rules/d-sivistys",
            json={"unit_decider_roles": ["supervisor"]},
            headers=as_(*ADMIN),
        )
    )
    case = await new_case()
    path = f"/cases/{case['id']}/decision"
    accept = {"decision": "accepted", "rationale": "Hyvä."}
    denied = await client.post(path, json=accept, headers=as_("p-ca-kirjasto", "change_agent"))
    assert denied.status_code == 403 and "supervisor" in denied.json()["detail"]
    # The change agent still screens: asking for more information is theirs to do.
    asked = await client.post(
        path,
        json={"decision": "needs_info", "rationale": "Kerro lisää."},
        headers=as_("p-ca-kirjasto", "change_agent"),
    )
    assert asked.status_code == 200, asked.text
    # Another department keeps the default.
    puisto = await new_case(unit_id="u-puisto")
    ok(
        await client.post(
            f"/cases/{puisto['id']}/decision",
            json=accept,
            headers=as_("p-ca-puisto", "change_agent"),
        )
    )


async def test_a_rule_without_fallback_and_deadlines_shapes_new_cases(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase, rules: None
) -> None:
    ok(
        await client.put(
            "/routing-rules/d-sivistys",
            json={"unit_falls_back_to_department": False, "deadlines": {"screening_days": 3}},
            headers=as_(*ADMIN),
        )
    )
    lonely = await new_case(unit_id="u-tyhja")
    assert (lonely["routed"], lonely["reviewer_ids"]) == (False, [])
    normal = await new_case()
    opened = normal["opened_at"][:19]
    assert normal["due_at"][:10] > opened[:10]
    from datetime import datetime, timedelta

    assert datetime.fromisoformat(normal["due_at"]) - datetime.fromisoformat(
        normal["opened_at"]
    ) == timedelta(days=3)
    # Removing the rule and storing the fallback again routes the waiting case.
    ok(
        await client.put(
            "/routing-rules/d-sivistys",
            json={"unit_falls_back_to_department": True},
            headers=as_(*ADMIN),
        )
    )
    routed = ok(await client.get(f"/cases/{lonely['id']}", headers=as_(*ADMIN)))
    assert routed["reviewer_ids"] == ["p-ca-sivistys", "p-sup-sivistys"]


async def test_deleting_an_unknown_rule_is_404(client: AsyncClient, as_: As) -> None:
    assert (await client.delete("/routing-rules/d-none", headers=as_(*ADMIN))).status_code == 404


# --- The change-agent network ---------------------------------------------------------------------


async def test_network_lists_hr_and_assigned_change_agents_with_workload(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    deliver = handler_delivery(api)
    await deliver.all([unit("u-uusi", "d-tekninen")])
    # A unit with no change agent of its own: its ideas wait (d-tekninen has none seated there).
    waiting = await new_case(unit_id="u-uusi")
    assert waiting["routed"] is False
    uncovered = ok(
        await client.get(
            "/units-without-reviewers", params={"limit": 100}, headers=as_("p-emp", "employee")
        )
    )
    assert "u-uusi" in {u["id"] for u in uncovered["items"]}

    assigned = await client.post(
        "/change-agents",
        json={"unit_id": "u-uusi", "person_id": "p-emp-kirjasto"},
        headers=as_(*ADMIN),
    )
    assert ok(assigned, 201) == {
        "person_id": "p-emp-kirjasto",
        "unit_id": "u-uusi",
        "roles": ["change_agent"],
        "sources": ["assigned"],
        "workload": {"open_cases": 1, "overdue_cases": 0},
    }
    listed = ok(await client.get("/change-agents?unit_id=u-uusi", headers=as_("p-x", "employee")))
    assert listed["items"] == [
        {
            "person_id": "p-emp-kirjasto",
            "unit_id": "u-uusi",
            "roles": ["change_agent"],
            "sources": ["assigned"],
            "workload": {"open_cases": 1, "overdue_cases": 0},
        }
    ]
    # The waiting case went to the assigned change agent, who may act on it with an employee
    # token: the assignment is review's own knowledge.
    routed = ok(await client.get(f"/cases/{waiting['id']}", headers=as_(*ADMIN)))
    assert routed["reviewer_ids"] == ["p-emp-kirjasto"]
    mine = ok(await client.get("/cases", headers=as_("p-emp-kirjasto", "employee")))
    assert [c["id"] for c in mine["items"]] == [waiting["id"]]
    decided = await client.post(
        f"/cases/{waiting['id']}/decision",
        json={"decision": "accepted", "rationale": "Hyvä."},
        headers=as_("p-emp-kirjasto", "employee"),
    )
    ok(decided)

    kirjasto = ok(
        await client.get("/change-agents?unit_id=u-kirjasto", headers=as_("p-x", "employee"))
    )
    by_person = {m["person_id"]: m for m in kirjasto["items"]}
    assert set(by_person) == {"p-ca-kirjasto", "p-sup-kirjasto"}
    assert by_person["p-ca-kirjasto"]["sources"] == ["hr"]
    assert by_person["p-ca-kirjasto"]["workload"]["open_cases"] >= 0

    removed = await client.delete("/change-agents/u-uusi/p-emp-kirjasto", headers=as_(*ADMIN))
    assert removed.status_code == 204
    assert (
        await client.delete("/change-agents/u-uusi/p-emp-kirjasto", headers=as_(*ADMIN))
    ).status_code == 404
    assert (
        await client.get("/cases", headers=as_("p-emp-kirjasto", "employee"))
    ).status_code == 403


async def test_assigning_to_an_unknown_unit_or_a_leaver_is_422(
    api: RunningService, client: AsyncClient, as_: As
) -> None:
    from review_testkit import left

    await handler_delivery(api).all([left("p-gone")])
    for body, says in (
        ({"unit_id": "u-none", "person_id": "p-emp-kirjasto"}, "Unknown unit"),
        ({"unit_id": "u-kirjasto", "person_id": "p-gone"}, "has left"),
        ({"unit_id": "u-kirjasto", "person_id": "nobody-1"}, "HR has not sent"),
        ({"unit_id": "u-kirjasto", "person_id": "p-x", "role": "committee_member"}, "role"),
    ):
        response = await client.post("/change-agents", json=body, headers=as_(*ADMIN))
        assert response.status_code == 422, response.text
        assert says in response.text, response.text
    network = ok(await client.get("/change-agents?unit_id=u-kirjasto", headers=as_(*ADMIN)))
    assert "nobody-1" not in {m["person_id"] for m in network["items"]}


async def test_workload_counts_open_and_overdue_cases_per_reviewer(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase, clock: Any
) -> None:
    await handler_delivery(api).all(
        [unit("u-kuormitus", "d-tekninen"), person("p-ca-kuorma", "u-kuormitus", "change_agent")]
    )
    first = await new_case(unit_id="u-kuormitus")
    await new_case(unit_id="u-kuormitus")
    done = await new_case(unit_id="u-kuormitus")
    ok(
        await client.post(
            f"/cases/{done['id']}/decision",
            json={"decision": "rejected", "rationale": "Ei."},
            headers=as_("p-ca-kuorma", "change_agent"),
        )
    )
    clock.advance(days=15)
    loads = ok(
        await client.get("/workload", params={"limit": 100}, headers=as_("p-sup", "supervisor"))
    )["items"]
    busiest_first = [(-w["workload"]["open_cases"], w["person_id"]) for w in loads]
    assert busiest_first == sorted(busiest_first)
    mine = next(w for w in loads if w["person_id"] == "p-ca-kuorma")
    assert mine["workload"] == {"open_cases": 2, "overdue_cases": 2}
    overdue = ok(
        await client.get("/cases?overdue=true", headers=as_("p-ca-kuorma", "change_agent"))
    )
    assert overdue["total"] == 2 and all(c["overdue"] for c in overdue["items"])
    assert first["id"] in {c["id"] for c in overdue["items"]}
    on_time = ok(
        await client.get("/cases?overdue=false", headers=as_("p-ca-kuorma", "change_agent"))
    )
    assert [c["id"] for c in on_time["items"]] == [done["id"]]


async def test_configuration_changes_are_audited_append_only(
    api: RunningService, client: AsyncClient, as_: As, rules: None
) -> None:
    ok(await client.put("/routing-rules/d-tekninen", json={"escalate": False}, headers=as_(*ADMIN)))
    ok(await client.delete("/routing-rules/d-tekninen", headers=as_(*ADMIN)), 204)
    async with api.runtime.db.transaction() as session:
        rows = (
            await session.scalars(
                select(AuditRow).where(AuditRow.subject == "routing_rule:d-tekninen")
            )
        ).all()
    assert [(r.action, r.actor_id) for r in rows][-2:] == [
        ("routing_rule_saved", "p-admin"),
        ("routing_rule_deleted", "p-admin"),
    ]
    assert rows[-1].details == {"previous": {"escalate": False}}
    with pytest.raises(DBAPIError, match="append-only"):
        async with api.runtime.db.transaction() as session:
            await session.execute(update(AuditRow).values(actor_id="someone-else"))


async def test_department_ideas_can_go_to_the_committee_by_rule(
    api: RunningService, client: AsyncClient, as_: As, rules: None
) -> None:
    ok(
        await client.put(
            "/routing-rules/d-tekninen",
            json={"department_ideas_to_committee": True},
            headers=as_(*ADMIN),
        )
    )
    submitted = idea(scope=Scope.DEPARTMENT, unit_id="d-tekninen")
    await handler_delivery(api).all([submitted])
    case = ok(await client.get(f"/cases/by-idea/{submitted.idea_id}", headers=as_(*ADMIN)))
    assert "p-com-1" in case["reviewer_ids"] and "p-ca-puisto" not in case["reviewer_ids"]


# --- The built-in rule and units nobody screens in ----------------------------------------------


async def test_builtin_routing_rule_is_the_configured_rule(
    api: RunningService, client: AsyncClient, as_: As
) -> None:
    builtin = ok(await client.get("/builtin-routing-rule", headers=as_(*ADMIN)))
    configured = EffectiveRulePublic.of(api.runtime.settings.builtin_rule())
    assert builtin == configured.model_dump(mode="json")
    assert builtin["unit_reviewer_roles"] and builtin["escalate"] is True
    assert (await client.get("/builtin-routing-rule", headers=as_(*EMPLOYEE))).status_code == 403


async def test_units_without_reviewers_by_id_over_pages(client: AsyncClient, as_: As) -> None:
    first = ok(
        await client.get("/units-without-reviewers", params={"limit": 1}, headers=as_(*ADMIN))
    )
    assert first["total"] >= 1
    units = list(first["items"])
    cursor = first["next_cursor"]
    while cursor is not None:
        page = ok(
            await client.get(
                "/units-without-reviewers",
                params={"limit": 1, "cursor": cursor},
                headers=as_(*ADMIN),
            )
        )
        units.extend(page["items"])
        cursor = page["next_cursor"]
    ids = [u["id"] for u in units]
    assert ids == sorted(set(ids)) and len(ids) == first["total"]
    assert "u-tyhja" in ids  # nobody reviews there: its ideas go to the department
    assert "u-kirjasto" not in ids and "d-sivistys" not in ids  # screened; not a plain unit
    # Open to everyone signed in, as the network is.
    assert ok(await client.get("/units-without-reviewers", headers=as_(*EMPLOYEE)))["items"]
