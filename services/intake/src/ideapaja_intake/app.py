"""The intake service: ideas as submitted, their authors, supports and comments, and their status
as review reports it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ideapaja_intake import handlers
from ideapaja_intake.api import (
    attachments,
    citizens,
    drafts,
    embed,
    engagement,
    form,
    form_people,
    ideas,
    people,
    public,
    reports,
    units,
)
from ideapaja_intake.api import privacy as privacy_api
from ideapaja_intake.db.search import has_trigram_index
from ideapaja_intake.errors import ERRORS
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.texts import translated_problem
from ideapaja_intake.usecases import retention
from ideapaja_intake.usecases.attachments import load_scanner
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.problems import translate_problems
from ideapaja_runtime.service import Runtime, ServiceSpec
from ideapaja_search.analysis import load_dictionaries

log = get_logger(__name__)
STATIC = Path(__file__).parent / "static"


def customize(app: FastAPI, runtime: Runtime[IntakeSettings]) -> None:
    """The form page's script (a file: the page's CSP allows no inline script), and problem
    details in the caller's language."""
    app.mount("/embed/static", StaticFiles(directory=STATIC), name="embed-static")
    translate_problems(app, translated_problem)


async def start(runtime: Runtime[IntakeSettings]) -> None:
    settings = runtime.settings
    if settings.uses_dev_pseudonym_secret:
        log.warning(
            "dev_pseudonym_secret_in_use",
            hint="set IDEAPAJA_INTAKE_PSEUDONYM_SECRET in production",
        )
    if settings.uses_dev_form_token_secret:
        log.warning(
            "dev_form_token_secret_in_use",
            hint="set IDEAPAJA_INTAKE_FORM_TOKEN_SECRET in production",
        )
    runtime.extras["attachment_scanner"] = load_scanner(settings)
    if runtime.extras["attachment_scanner"] is None:
        log.info("attachments_not_scanned", hint="no IDEAPAJA_INTAKE_ATTACHMENT_SCANNER set")
    async with runtime.db.transaction() as session:
        runtime.extras["pg_trgm"] = await has_trigram_index(session)
    # Closed ideas lose their personal data after the retention period (usecases/retention.py).
    retention.start_sweeper(runtime)


async def stop(runtime: Runtime[IntakeSettings]) -> None:
    await retention.stop_sweeper(runtime)


service = ServiceSpec(
    name="intake",
    title="Intake",
    default_port=8001,
    settings_class=IntakeSettings,
    # Order matters where paths overlap: fixed paths before /ideas/{idea_id}.
    routers=[
        form.form_router,
        ideas.router,
        engagement.router,
        attachments.router,
        drafts.router,
        public.router,
        form.tokens_router,
        embed.router,
        citizens.router,
        reports.router,
        units.units_router,
        units.categories_router,
        people.router,
        form_people.router,
        privacy_api.router,
    ],
    subscriptions=handlers.subscriptions,
    migrations=Path(__file__).parent / "db" / "migrations",
    on_start=start,
    warm_up=load_dictionaries,
    on_stop=stop,
    errors=ERRORS,
    customize=customize,
    tags=[
        {"name": "ideas", "description": "Submitting, editing and following ideas"},
        {"name": "drafts", "description": "Ideas being written"},
        {"name": "engagement", "description": "Supports, comments, co-authors, attachments"},
        {"name": "public", "description": "Ideas as colleagues see them"},
        {"name": "channels", "description": "Intranet form, form tokens, embeddable page"},
        {"name": "citizens", "description": "The optional citizen/customer channel"},
        {"name": "reports", "description": "Exports for reporting roles"},
        {"name": "units", "description": "The city's units and departments, categories"},
        {"name": "people", "description": "Colleagues by name, for choosing co-authors"},
        {"name": "privacy", "description": "What intake holds on a person (GDPR access report)"},
    ],
)
