"""The review service: routes submitted ideas to reviewers, screens and decides them (alone or
in committee meetings), carries accepted ideas through experiments and implementation to good
practices, reminds reviewers of deadlines near and escalates steps that miss them."""

from __future__ import annotations

from pathlib import Path

from ideapaja_review.api import routers
from ideapaja_review.authz import POLICY
from ideapaja_review.errors import ERRORS
from ideapaja_review.handlers import subscriptions
from ideapaja_review.schemas import privacy
from ideapaja_review.settings import ReviewSettings
from ideapaja_review.usecases import person_report
from ideapaja_review.usecases.deadline_sweep import Swept, run_deadline_sweep
from ideapaja_runtime.access_report import access_report_router
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.periodic import start_periodic, stop_periodic
from ideapaja_runtime.service import Runtime, ServiceSpec
from ideapaja_search.analysis import load_dictionaries

SWEEPER = "review-deadlines"
log = get_logger(__name__)


async def start_deadline_sweeper(runtime: Runtime[ReviewSettings]) -> None:
    """Every replica sweeps; the sweep itself is safe to run concurrently
    (usecases/escalation.py)."""
    settings = runtime.settings

    async def run_once() -> Swept:
        swept = await run_deadline_sweep(runtime)
        if swept.escalated or swept.reminded:
            log.info("deadline_sweep", escalated=len(swept.escalated), reminded=len(swept.reminded))
        return swept

    start_periodic(runtime, SWEEPER, run_once, settings.deadline_sweep_seconds, run_at_start=False)


async def stop_deadline_sweeper(runtime: Runtime[ReviewSettings]) -> None:
    await stop_periodic(runtime, SWEEPER)


service = ServiceSpec(
    name="review",
    title="Review",
    default_port=8002,
    settings_class=ReviewSettings,
    routers=[
        *routers,
        access_report_router(
            POLICY,
            build=person_report.access_report,
            response_model=privacy.PersonData,
            summary="Everything held on a person: org data, cases, decisions they took part in",
        ),
    ],
    subscriptions=subscriptions,
    migrations=Path(__file__).parent / "db" / "migrations",
    on_start=start_deadline_sweeper,
    warm_up=load_dictionaries,
    on_stop=stop_deadline_sweeper,
    errors=ERRORS,
    tags=[
        {
            "name": "cases",
            "description": "Review cases: work lists, screening, decisions, "
            "experiments, implementation",
        },
        {"name": "authors", "description": "An idea's authors: follow, answer, appeal"},
        {"name": "committees", "description": "Committees, meetings, scoring, minutes"},
        {"name": "open results", "description": "Experiment results and good practices for all"},
        {
            "name": "administration",
            "description": "Routing rules, change-agent network, workload, deadlines",
        },
        {
            "name": "reports",
            "description": "The management group's figures: funnel, decision times, experiments",
        },
        {"name": "privacy", "description": "What is held on a person (GDPR)"},
    ],
)
