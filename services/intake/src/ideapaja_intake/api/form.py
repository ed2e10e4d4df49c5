"""The intranet form's endpoint (a plain HTML form, or a script on an allowed origin) and the
form tokens such forms carry instead of a bearer token."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import Form, Query, Request, Response

from ideapaja_contracts.events.idea import Channel
from ideapaja_intake.api.deps import CREATED, REFUSALS, IntakeUow, SettingsDep
from ideapaja_intake.api.form_auth import FormCallerDep
from ideapaja_intake.api.ideas import created_idea
from ideapaja_intake.api.idempotency import Idempotent, Outcome
from ideapaja_intake.api.pages import page_headers, wants_html
from ideapaja_intake.api.routing import (
    CorsFormRoute,
    LimitedBodyRoute,
    preflight_response,
    wants_json,
)
from ideapaja_intake.authz import FORM_FIELD, POLICY
from ideapaja_intake.domain.i18n import choose_language
from ideapaja_intake.domain.submission import IdeaSubmission
from ideapaja_intake.form_page import thank_you_page
from ideapaja_intake.schemas.channels import FormSubmission, FormTokenPublic
from ideapaja_intake.schemas.ideas import IdeaPublic
from ideapaja_intake.usecases.form_tokens import form_token_for
from ideapaja_intake.usecases.submissions import Submitter, submission_content, submit_idea
from ideapaja_runtime.authz import CORS_PREFLIGHT, public_route
from ideapaja_runtime.iplimits import SUBMISSIONS, counted_if_accepted
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

form_router = service_router(tags=["channels"], route_class=CorsFormRoute)
tokens_router = service_router(tags=["channels"], route_class=LimitedBodyRoute)


def with_idea_param(url: str, idea_id: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("idea", idea_id)]
    return urlunsplit(parts._replace(query=urlencode(query)))


@form_router.post(
    "/ideas/form",
    status_code=201,
    response_model=IdeaPublic,
    summary="Submit an idea from the intranet form",
    **POLICY.route(
        "ideas.submit_form",
        description="The same fields as POST /ideas, form-encoded (channel intranet_form). "
        "Authenticated by a bearer token or by the form_token field (POST /form-tokens) of a "
        "plain HTML form; a form token is single-use: posting it again returns the first "
        "answer. Browser requests must come from an origin in "
        "IDEAPAJA_INTAKE_FORM_ALLOWED_ORIGINS (Origin: null, from a page under "
        "Referrer-Policy: no-referrer, is taken with a form token). Limited like POST /ideas. "
        "Answers 201 JSON when the request accepts application/json; otherwise redirects (303) "
        "to the configured thank-you page with ?idea=<id>, or, for a browser when none is "
        "configured, answers intake's thank-you page (201 HTML in the Accept-Language).",
        form_token=FORM_FIELD,
    ),
    responses={
        **CREATED,
        303: {"description": "Redirect to the configured thank-you page"},
        **REFUSALS,
    },
)
async def create_idea_from_form(
    submission: Annotated[FormSubmission, Form()],
    # Before the unit of work: the caller it admits is the unit of work's actor.
    caller: FormCallerDep,
    uow: IntakeUow,
    request: Request,
    idempotent: Idempotent,
) -> Response:
    thank_you = uow.settings.form_thank_you_url
    accept = request.headers.get("accept")
    redirect = bool(thank_you) and not wants_json(accept)
    # A person's browser without a configured thank-you page: intake's own, in their language.
    page = not thank_you and wants_html(accept) and not wants_json(accept)
    language = choose_language(None, request.headers.get("accept-language"))
    idea = IdeaSubmission.model_validate(submission.model_dump(exclude={"form_token"}))

    async def work() -> Outcome:
        record = await submit_idea(uow, Submitter.staff(uow.person), idea, Channel.INTRANET_FORM)
        if thank_you and redirect:
            return Outcome(303, headers={"Location": with_idea_param(thank_you, record.idea.id)})
        if page:
            settings = uow.settings
            html = thank_you_page(language, record.idea.id, portal_url=settings.portal_url)
            return Outcome(201, html.encode(), "text/html; charset=utf-8", page_headers(settings))
        return created_idea(record, caller.person_id)

    async with counted_if_accepted(request, SUBMISSIONS):
        return await idempotent.run(
            uow,
            submission_content(idea),
            work,
            key=idempotent.key or caller.idempotency_key,
            variant=f"redirect={redirect}" + (f",page={language}" if page else ""),
        )


@form_router.options(
    "/ideas/form",
    status_code=204,
    summary="CORS preflight for the intranet form",
    **public_route(
        CORS_PREFLIGHT,
        "Browsers ask before a script on an allowed intranet origin posts with a bearer token; "
        "preflights carry no credentials, so this answer needs none (it grants nothing).",
    ),
    responses={403: PROBLEM_SCHEMA},
)
async def form_preflight(request: Request, settings: SettingsDep) -> Response:
    return preflight_response(request, settings, "POST")


@tokens_router.post(
    "/form-tokens",
    status_code=201,
    response_model=FormTokenPublic,
    summary="A short-lived form token for a plain HTML form or the embeddable page",
    **POLICY.route(
        "form_tokens.issue",
        description="Call with the user's bearer token (from the intranet's backend or page "
        "script). The token names the user, expires after IDEAPAJA_INTAKE_FORM_TOKEN_TTL_SECONDS "
        "and can submit one idea. Put it in the form's hidden field form_token, or open form_url "
        "(absolute: under IDEAPAJA_INTAKE_PUBLIC_URL).",
    ),
)
async def create_form_token(
    uow: IntakeUow,
    request: Request,
    idempotent: Idempotent,
    language: Annotated[
        str | None,
        Query(
            pattern="^(fi|sv|en)$",
            description="The embeddable page's language in form_url: fi, sv or en (otherwise "
            "the browser's)",
        ),
    ] = None,
) -> Response:
    async def work() -> Outcome:
        token = form_token_for(
            uow.settings, uow.person, language=language, now=uow.now, base_url=str(request.base_url)
        )
        return Outcome.of(201, token)

    return await idempotent.run(uow, {"language": language}, work)
