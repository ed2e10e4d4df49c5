"""What the case page shows after a decision: the idea's experiments (the running one with its
results form), its implementation with milestones, and the forms the case's ``allowed_actions``
allow now. Read with the person's token like everything else."""

from __future__ import annotations

import asyncio
from typing import Any

from ideapaja_portal.apis import Apis, ServiceError
from ideapaja_portal.web.context import Viewer

# Case states in which an idea has (or has had) experiments or an implementation.
EXPERIMENT_STATES = frozenset({"experiment", "piloted", "stopped", "implementing", "implemented"})
IMPLEMENTATION_STATES = frozenset({"implementing", "implemented", "good_practice"})
FOLLOW_UP_ACTIONS = frozenset(
    {
        "start_experiment",
        "complete_experiment",
        "start_implementation",
        "record_progress",
        "complete_implementation",
        "publish_practice",
    }
)
OUTCOMES = ("scale", "adjust", "stop")
# Milestone rows offered when implementation starts (more can be added by reporting progress).
MILESTONE_ROWS = 3


async def follow_up(apis: Apis, viewer: Viewer, case: dict[str, Any]) -> dict[str, Any]:
    """The case page's experiment and implementation context."""
    actions = set(case.get("allowed_actions") or ())
    state = case.get("status")
    wants_experiments = state in EXPERIMENT_STATES or state == "good_practice"
    wants_implementation = state in IMPLEMENTATION_STATES
    experiments: list[dict[str, Any]] = []
    implementation: dict[str, Any] | None = None
    jobs: list[Any] = []
    if wants_experiments or "complete_experiment" in actions:
        jobs.append(
            apis.every_item(
                "review", "/experiments", token=viewer.token, params={"idea_id": case["idea_id"]}
            )
        )
    if wants_implementation:
        jobs.append(_implementation(apis, viewer, case["id"]))
    found = list(await asyncio.gather(*jobs))
    if wants_experiments or "complete_experiment" in actions:
        experiments = found.pop(0)
    if wants_implementation:
        implementation = found.pop(0)
    running = next((e for e in experiments if e.get("status") == "running"), None)
    owners = sorted({viewer.person_id, *(case.get("reviewer_ids") or ())})
    return {
        "experiments": experiments,
        "running": running,
        "implementation": implementation,
        "owners": owners,
        "outcomes": OUTCOMES,
        "milestone_rows": range(MILESTONE_ROWS),
        "follows_up": bool(actions & FOLLOW_UP_ACTIONS),
    }


async def _implementation(apis: Apis, viewer: Viewer, case_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = await apis.call(
            "review", "GET", f"/cases/{case_id}/implementation", token=viewer.token
        )
    except ServiceError as exc:
        if exc.status != 404:
            raise
        return None
    return found
