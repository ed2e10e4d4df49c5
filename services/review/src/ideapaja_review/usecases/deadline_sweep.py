"""The deadline sweep: escalate the overdue steps, then remind the reviewers of steps due soon.
The periodic task (app.py) and POST /deadlines/sweep run it, on the service's clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ideapaja_contracts.events.review import CaseDeadlineNear, CaseEscalated
from ideapaja_review.settings import ReviewSettings
from ideapaja_review.usecases import deadline_warnings, escalation
from ideapaja_runtime.service import Runtime


@dataclass(frozen=True)
class Swept:
    escalated: list[CaseEscalated] = field(default_factory=list)
    reminded: list[CaseDeadlineNear] = field(default_factory=list)


async def run_deadline_sweep(runtime: Runtime[ReviewSettings]) -> Swept:
    """One sweep. Escalation first: an escalated step's new deadline is then reminded of only
    when it is itself near."""
    settings = runtime.settings
    escalated = await escalation.sweep(runtime.unit_of_work, batch=settings.deadline_sweep_batch)
    reminded = await deadline_warnings.sweep(
        runtime.unit_of_work,
        timedelta(hours=settings.deadline_warning_hours),
        batch=settings.deadline_sweep_batch,
    )
    return Swept(escalated, reminded)
