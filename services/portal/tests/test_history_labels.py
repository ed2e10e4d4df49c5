"""Codes never reach a person raw: a case's history names each step in the reader's language,
and an idea's timeline shows a trial's outcome translated (issue 12 §4)."""

from __future__ import annotations

from typing import Any

from portal_standins import ME, page, sign_in

from ideapaja_runtime.testing import RunningService

STEP = {"occurred_at": "2026-03-02T08:00:00Z", "decision": None, "details": None}
CASE: dict[str, Any] = {
    "id": "c-1", "idea_id": "i-1", "title": "Omatoimikirjasto", "problem": "p", "solution": "s",
    "benefit": "", "status": "screening", "due_at": "2026-03-20T08:00:00Z", "overdue": False,
    "allowed_actions": [], "reviewer_ids": [ME], "unit_id": "u-kirjasto", "scope": "unit",
    "history": [
        {**STEP, "actor_id": None, "action": "opened", "from_status": None,
         "to_status": "screening", "reason": None},
        {**STEP, "actor_id": None, "action": "routed", "from_status": "screening",
         "to_status": "screening", "reason": None, "details": {"via": "unit"}},
        {**STEP, "actor_id": None, "action": "escalated", "from_status": "screening",
         "to_status": "screening", "reason": None},
    ],
}  # fmt: skip


async def test_a_case_history_names_its_steps_in_finnish(portal: RunningService) -> None:
    async with sign_in(portal, "fi", roles=("employee", "change_agent")) as (client, services):
        services.answers["/cases/c-1"] = CASE
        services.answers["/ideas/similar"] = page([])
        response = await client.get("/work/cases/c-1")
    assert response.status_code == 200, response.text
    html = response.text
    for finnish in ("Käsittely avattu", "Käsittelijät nimetty", "Myöhässä: siirretty eteenpäin"):
        assert finnish in html
    for code in ("opened:", "routed:", "escalated:", "idea submitted", "routed via"):
        assert code not in html


async def test_a_trials_outcome_reads_translated_on_the_idea_page(
    portal: RunningService,
) -> None:
    async with sign_in(portal, "sv") as (client, services):
        services.idea["history"] = [
            {"status": "experiment_completed", "kind": "experiment_completed",
             "at": "2026-03-02T08:00:00Z", "rationale": "Lånen ökade.", "note": "scale"},
        ]  # fmt: skip
        response = await client.get("/ideas/i-1")
    assert response.status_code == 200, response.text
    assert "Lånen ökade." in response.text and "Skalas upp" in response.text
    assert "– scale<" not in response.text and " scale" not in response.text
