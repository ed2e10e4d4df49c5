"""The OpenAPI document: every route, each with a summary, its answers and its bearer token."""

from __future__ import annotations

from httpx import AsyncClient

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
    ("GET", "/reports/funnel"),
    ("GET", "/reports/decision-times"),
    ("GET", "/reports/experiments"),
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
