"""The channels besides the JSON API: the intranet form endpoint, form tokens and the embeddable
form page, and the citizen channel (off unless the city opens it).

Authentication of plain HTML forms: a browser form cannot send an Authorization header, so a
form carries a short-lived signed form token (domain/form_token.py) in a hidden field. The
intranet's backend (or page script), which holds the user's bearer token, gets one from
``POST /form-tokens`` and puts it in its own form or in the embeddable page's URL. Nothing is
ever accepted without a bearer token or a valid form token.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_contracts.events.idea import Channel, Scope
from ideapaja_intake.api import CREATED, ERRORS, IdeaIdPath, IdempotencyKey, created_idea
from ideapaja_intake.attachments import AcceptedFile, accept_file, store_attachment
from ideapaja_intake.authz import FORM_FIELD, PAGE_FORM, PAGE_QUERY, POLICY, check, require
from ideapaja_intake.db.ideas import load_idea
from ideapaja_intake.db.models import Idea, IdeaAuthor, Unit
from ideapaja_intake.db.org import list_units
from ideapaja_intake.domain.cors import origin_allowed
from ideapaja_intake.domain.form_token import (
    ExpiredFormToken,
    InvalidFormToken,
    issue_form_token,
    read_form_token,
)
from ideapaja_intake.domain.i18n import choose_language
from ideapaja_intake.domain.pseudonym import citizen_person_id
from ideapaja_intake.domain.submission import TEXT_MAX, TITLE_MAX, TITLE_MIN, IdeaSubmission
from ideapaja_intake.errors import (
    ChannelClosed,
    IdeaNotFound,
    IdempotencyKeyReused,
    TooManySubmissions,
    problem_of,
)
from ideapaja_intake.form_page import (
    FORM_PATH,
    content_security_policy,
    form_page,
    message_page,
    thank_you_page,
)
from ideapaja_intake.http import (
    CorsFormRoute,
    LimitedBodyRoute,
    SettingsDep,
    get_settings,
    own_origin,
    preflight_response,
    staff_caller,
    wants_json,
)
from ideapaja_intake.idempotency import Outcome, run_idempotent
from ideapaja_intake.schemas.channels import (
    CitizenIdeaCreate,
    CitizenIdeaPublic,
    CitizenIdeaSummary,
    FormSubmission,
    FormTokenPublic,
)
from ideapaja_intake.schemas.ideas import IdeaPublic
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.submissions import Submitter, submission_content, submit_idea
from ideapaja_runtime.auth import Principal, authenticate_request
from ideapaja_runtime.authz import CORS_PREFLIGHT, public_route
from ideapaja_runtime.deps import RuntimeDep, TraceparentDep
from ideapaja_runtime.errors import DomainError
from ideapaja_runtime.iplimits import (
    AUTH_FAILURES,
    SUBMISSIONS,
    count_ip_failure,
    enforce_ip_limit,
    refuse_if_exhausted,
)
from ideapaja_runtime.problems import PROBLEM_SCHEMA, Problem
from ideapaja_runtime.service import Runtime

form_router = APIRouter(tags=["channels"], route_class=CorsFormRoute)
tokens_router = APIRouter(tags=["channels"], route_class=LimitedBodyRoute)
embed_router = APIRouter(tags=["channels"])
citizen_router = APIRouter(prefix="/citizen/ideas", tags=["citizens"], route_class=LimitedBodyRoute)

_bearer = HTTPBearer(auto_error=False, description="JWT from the city's identity provider")


class FormCaller(BaseModel):
    person_id: str
    roles: frozenset[str]
    unit_ids: frozenset[str]
    # Set when a form token authenticated the request: it is single-use (its id is the key).
    form_token_id: str | None = None

    def allowed(self, action: str, settings: IntakeSettings) -> FormCaller:
        """This caller if the table lets its roles do ``action`` (403 reason "role" otherwise):
        a form token carries the roles of the bearer token it was issued for."""
        principal = Principal(self.person_id, self.roles, self.unit_ids)
        check(action, principal, settings.citizen_role)
        return self


async def _caller_from_token(request: Request, settings: IntakeSettings, token: str) -> FormCaller:
    """The caller a form token names. Form tokens are credentials like bearer tokens: they share
    the runtime's per-IP limit of failed authentications (429 once over it, before the token is
    read); a forged or altered one counts, an expired one (a form left open) does not."""
    await refuse_if_exhausted(request, AUTH_FAILURES)
    try:
        claims = read_form_token(
            settings.form_token_secret.get_secret_value(), token, now=datetime.now(UTC)
        )
    except InvalidFormToken as exc:
        if not isinstance(exc, ExpiredFormToken):
            await count_ip_failure(request, AUTH_FAILURES)
        raise Problem(401, "Invalid form token", str(exc)) from exc
    return FormCaller(
        person_id=claims.person_id,
        roles=frozenset(claims.roles),
        unit_ids=frozenset(claims.unit_ids),
        form_token_id=claims.token_id,
    )


async def form_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> FormCaller:
    """A bearer token (scripts, servers) or the form's form_token field (plain HTML forms)."""
    if credentials is not None and credentials.scheme.lower() == "bearer":
        principal = await authenticate_request(request, credentials.credentials)
        caller = FormCaller(
            person_id=principal.person_id, roles=principal.roles, unit_ids=principal.unit_ids
        )
    else:
        token = (await request.form()).get("form_token")
        if not isinstance(token, str) or not token:
            raise Problem(
                401,
                "Authentication required",
                "Send an Authorization: Bearer token, or a form_token field from "
                "POST /form-tokens.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        caller = await _caller_from_token(request, get_settings(request), token)
    return caller.allowed("ideas.submit_form", get_settings(request))


def with_idea_param(url: str, idea_id: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("idea", idea_id)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _idempotency_of(caller: FormCaller, header_key: str | None) -> str | None:
    if header_key is not None:
        return header_key
    return f"form-token:{caller.form_token_id}" if caller.form_token_id else None


# --- the intranet form endpoint ------------------------------------------------------------------


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
        "IDEAPAJA_INTAKE_FORM_ALLOWED_ORIGINS. Limited like POST /ideas. Answers 201 JSON when "
        "the request accepts application/json or no thank-you page is configured, otherwise "
        "redirects (303) to the thank-you page with ?idea=<id>.",
        form_token=FORM_FIELD,
    ),
    responses={
        **CREATED,
        303: {"description": "Redirect to the configured thank-you page"},
        **ERRORS,
    },
)
async def create_idea_from_form(
    submission: Annotated[FormSubmission, Form()],
    caller: Annotated[FormCaller, Depends(form_caller)],
    runtime: RuntimeDep,
    settings: SettingsDep,
    traceparent: TraceparentDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    thank_you = settings.form_thank_you_url
    redirect = bool(thank_you) and not wants_json(request.headers.get("accept"))
    idea = IdeaSubmission.model_validate(submission.model_dump(exclude={"form_token"}))
    await enforce_ip_limit(request, SUBMISSIONS)

    async def work(session: AsyncSession) -> Outcome:
        record = await submit_idea(
            session,
            settings=settings,
            outbox=runtime.outbox,
            submitter=Submitter(caller.person_id, caller.unit_ids),
            submission=idea,
            channel=Channel.INTRANET_FORM,
            traceparent=traceparent,
        )
        if redirect:
            assert thank_you is not None
            return Outcome(303, headers={"Location": with_idea_param(thank_you, record.idea.id)})
        return created_idea(record, caller.person_id)

    return await run_idempotent(
        runtime,
        caller=staff_caller(caller.person_id),
        key=_idempotency_of(caller, idempotency_key),
        operation=f"POST /ideas/form redirect={redirect}",
        content=submission_content(idea),
        work=work,
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


# --- form tokens ---------------------------------------------------------------------------------


@tokens_router.post(
    "/form-tokens",
    status_code=201,
    response_model=FormTokenPublic,
    summary="A short-lived form token for a plain HTML form or the embeddable page",
    **POLICY.route(
        "form_tokens.issue",
        description="Call with the user's bearer token (from the intranet's backend or page "
        "script). The token names the user, expires after IDEAPAJA_INTAKE_FORM_TOKEN_TTL_SECONDS "
        "and can submit one idea. Put it in the form's hidden field form_token, or open form_url.",
    ),
)
async def create_form_token(
    principal: Annotated[Principal, require("form_tokens.issue")],
    runtime: RuntimeDep,
    settings: SettingsDep,
    lang: Annotated[str | None, Query(pattern="^(fi|sv|en)$")] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def work(session: AsyncSession) -> Outcome:
        return Outcome.of(201, _token_for(principal, settings, lang))

    return await run_idempotent(
        runtime,
        caller=staff_caller(principal.person_id),
        key=idempotency_key,
        operation="POST /form-tokens",
        content={"lang": lang},
        work=work,
    )


def _token_for(principal: Principal, settings: IntakeSettings, lang: str | None) -> FormTokenPublic:
    token, claims = issue_form_token(
        settings.form_token_secret.get_secret_value(),
        person_id=principal.person_id,
        roles=tuple(principal.roles),
        unit_ids=tuple(principal.unit_ids),
        now=datetime.now(UTC),
        ttl=timedelta(seconds=settings.form_token_ttl_seconds),
    )
    query = {"form_token": token, **({"lang": lang} if lang else {})}
    return FormTokenPublic(
        form_token=token, expires_at=claims.expires_at, form_url=f"{FORM_PATH}?{urlencode(query)}"
    )


# --- the embeddable form page --------------------------------------------------------------------


def _html(settings: IntakeSettings, body: str, status: int = 200, **headers: str) -> HTMLResponse:
    return HTMLResponse(
        body,
        status_code=status,
        headers={
            "Content-Security-Policy": content_security_policy(
                thank_you_url=settings.form_thank_you_url,
                frame_ancestors=settings.form_allowed_origins,
            ),
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            **headers,
        },
    )


async def _units_for_form(session: AsyncSession) -> list[Unit]:
    return list(await list_units(session))


@embed_router.get(
    FORM_PATH,
    response_class=HTMLResponse,
    summary="The embeddable idea form (HTML, fi/sv/en)",
    **POLICY.route(
        "embed.read",
        description="For an intranet to link or frame (frame-ancestors: the allowed origins). "
        "Authenticated by ?form_token= (POST /form-tokens) or a bearer token; language from "
        "?lang= or Accept-Language. Works without JavaScript and uses no inline script. A role "
        "outside the table is a problem+json 403 (reason role).",
        form_token=PAGE_QUERY,
    ),
    responses={
        200: {"content": {"text/html": {}}},
        401: {"content": {"text/html": {}}},
        429: {"content": {"text/html": {}}},
    },
)
async def embedded_form(
    request: Request,
    runtime: RuntimeDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    form_token: Annotated[str | None, Query(max_length=4096)] = None,
    lang: Annotated[str | None, Query(max_length=5)] = None,
) -> HTMLResponse:
    language = choose_language(lang, request.headers.get("accept-language"))
    try:
        if form_token:
            caller = await _caller_from_token(request, settings, form_token)
            token = form_token
        elif credentials is not None:
            principal = await authenticate_request(request, credentials.credentials)
            token = _token_for(principal, settings, language).form_token
            caller = FormCaller(
                person_id=principal.person_id, roles=principal.roles, unit_ids=principal.unit_ids
            )
        else:
            raise Problem(401, "Authentication required")
    except Problem as problem:
        return _refusal_page(settings, language, problem)
    caller.allowed("embed.read", settings)
    async with runtime.db.transaction() as session:
        units = await _units_for_form(session)
    return _html(
        settings,
        form_page(
            lang=language,
            form_token=token,
            units=units,
            categories=settings.categories,
            attachment_types=settings.attachment_types,
        ),
    )


FORM_FIELDS = frozenset(
    {
        "title",
        "problem",
        "solution",
        "benefit",
        "benefit_kinds",
        "category",
        "scope",
        "unit_id",
        "language",
        "anonymous",
        "co_author_ids",
    }
)
PAGE_FIELDS = frozenset({"form_token", "lang", "attachment"})


def _form_values(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted idea's fields from the page's form, and refusals of unknown fields."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in set(form.keys()):
        if name in PAGE_FIELDS:
            continue
        if name not in FORM_FIELDS:
            errors[name] = "unknown field"
            continue
        items = [v for v in form.getlist(name) if isinstance(v, str)]
        if name == "benefit_kinds":
            values[name] = items
        elif name == "anonymous":
            values[name] = bool(items) and items[0] in ("on", "true", "1")
        elif name == "category":
            values[name] = items[0] or None if items else None
        else:
            values[name] = items[0] if items else ""
    return values, errors


def _attachment_of(form: Any) -> UploadFile | None:
    upload = form.get("attachment")
    if isinstance(upload, UploadFile) and (upload.filename or upload.size):
        return upload
    return None


# The page's form as OpenAPI describes it (the route reads the form itself).
EMBED_FORM_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["form_token", "title", "problem", "solution", "scope"],
                    "properties": {
                        "form_token": {"type": "string"},
                        "title": {
                            "type": "string",
                            "minLength": TITLE_MIN,
                            "maxLength": TITLE_MAX,
                        },
                        "problem": {"type": "string", "maxLength": TEXT_MAX},
                        "solution": {"type": "string", "maxLength": TEXT_MAX},
                        "scope": {"type": "string", "enum": [s.value for s in Scope]},
                        "unit_id": {"type": "string"},
                        "attachment": {"type": "string", "format": "binary"},
                    },
                }
            }
        }
    }
}


@embed_router.post(
    FORM_PATH,
    response_class=HTMLResponse,
    status_code=201,
    summary="Submit the embeddable form",
    **POLICY.route(
        "embed.submit",
        description="Multipart or form-encoded from the page itself (form_token in a hidden "
        "field, one optional attachment). Answers with the thank-you page (201), or 303 to the "
        "configured thank-you URL; a refused field re-renders the form with messages (422). "
        "Posting the same form again returns the first answer. Limited per person and per "
        "client address like POST /ideas (429 page with Retry-After).",
        form_token=PAGE_FORM,
        openapi_extra=EMBED_FORM_BODY,
    ),
    responses={
        201: {"content": {"text/html": {}}},
        303: {"description": "Redirect to the configured thank-you page"},
        422: {"content": {"text/html": {}}},
        429: {"content": {"text/html": {}}},
    },
)
async def submit_embedded_form(
    request: Request,
    runtime: RuntimeDep,
    settings: SettingsDep,
    traceparent: TraceparentDep,
) -> Response:
    form = await request.form()
    raw_lang = form.get("lang")
    language = choose_language(
        raw_lang if isinstance(raw_lang, str) else None, request.headers.get("accept-language")
    )
    token = form.get("form_token")
    try:
        if not isinstance(token, str):
            raise Problem(401, "Authentication required")
        caller = await _caller_from_token(request, settings, token)
    except Problem as problem:
        return _refusal_page(settings, language, problem)
    caller.allowed("embed.submit", settings)
    if not origin_allowed(
        request.headers.get("origin"), settings.form_allowed_origins, own=own_origin(request)
    ):
        return _html(settings, message_page(language, "expired"), 403)

    values, errors = _form_values(form)

    async def refuse(field_errors: dict[str, str], status: int = 422, **headers: str) -> Response:
        async with runtime.db.transaction() as session:
            units = await _units_for_form(session)
        page = form_page(
            lang=language,
            form_token=token,
            units=units,
            categories=settings.categories,
            attachment_types=settings.attachment_types,
            values=values,
            errors=field_errors,
        )
        return _html(settings, page, status, **headers)

    submission = _validated_submission(values, errors)
    if submission is None:
        return await refuse(errors)
    try:
        await enforce_ip_limit(request, SUBMISSIONS)
    except Problem as problem:
        return _refusal_page(settings, language, problem)
    try:
        accepted = await _accepted_attachment(settings, runtime, _attachment_of(form))
    except DomainError as refused:
        answer = problem_of(refused)
        return await refuse({"attachment": answer.detail}, answer.status)
    thank_you = settings.form_thank_you_url

    async def work(session: AsyncSession) -> Outcome:
        record = await submit_idea(
            session,
            settings=settings,
            outbox=runtime.outbox,
            submitter=Submitter(caller.person_id, caller.unit_ids),
            submission=submission,
            channel=Channel.INTRANET_FORM,
            traceparent=traceparent,
        )
        if accepted is not None:
            await store_attachment(
                session,
                settings,
                person_id=caller.person_id,
                idea_id=record.idea.id,
                accepted=accepted,
            )
        if thank_you:
            return Outcome(303, headers={"Location": with_idea_param(thank_you, record.idea.id)})
        html = thank_you_page(language, record.idea.id)
        return Outcome(201, html.encode(), "text/html; charset=utf-8", {})

    content = {
        **submission_content(submission),
        "attachment": accepted.checked.filename if accepted else None,
    }
    try:
        response = await run_idempotent(
            runtime,
            caller=staff_caller(caller.person_id),
            key=f"form-token:{caller.form_token_id}",
            operation=f"POST {FORM_PATH}",
            content=content,
            work=work,
        )
    except DomainError as refused:
        page = _already_or_too_many_page(settings, language, refused)
        if page is not None:
            return page
        answer = problem_of(refused)
        return await refuse(_problem_field_errors(answer), answer.status)
    if response.status_code == 201:
        return _html(settings, bytes(response.body).decode(), 201, **_replayed(response))
    return response


async def _accepted_attachment(
    settings: IntakeSettings, runtime: Runtime, upload: UploadFile | None
) -> AcceptedFile | None:
    """The form's attachment once checked (type, size, scan); ``AttachmentRefused`` says why
    not."""
    if upload is None:
        return None
    data = await upload.read(settings.attachment_max_bytes + 1)
    return await accept_file(
        settings,
        runtime.extras.get("attachment_scanner"),
        filename=upload.filename or "",
        declared_type=upload.content_type or "",
        data=data,
    )


def _already_or_too_many_page(
    settings: IntakeSettings, language: str, refused: DomainError
) -> HTMLResponse | None:
    """The page for a form sent twice (its token is the idempotency key: 409) or a person over
    the submission limit (429); None for other refusals, which go back to the form."""
    if isinstance(refused, IdempotencyKeyReused):
        return _html(settings, message_page(language, "already"), 409)
    if isinstance(refused, TooManySubmissions):
        headers = problem_of(refused).headers or {}
        return _html(settings, message_page(language, "too_many"), 429, **headers)
    return None


def _validated_submission(values: dict[str, Any], errors: dict[str, str]) -> IdeaSubmission | None:
    """The idea the form describes, or None with the reasons added to ``errors`` (which may
    already hold refusals of unknown fields: then there is no idea either)."""
    try:
        submission = IdeaSubmission.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            errors.setdefault(str(error["loc"][0]) if error["loc"] else "form", error["msg"])
        return None
    return None if errors else submission


def _problem_field_errors(problem: Problem) -> dict[str, str]:
    """A refused submission's errors by form field (the whole form when none is named)."""
    field_errors = {
        str(e.get("field")): str(e.get("message")) for e in problem.extra.get("errors", [])
    }
    return field_errors or {"form": problem.detail}


def _refusal_page(settings: IntakeSettings, language: str, problem: Problem) -> HTMLResponse:
    """The page's answer to a refused credential (401) or a per-IP limit (429, Retry-After)."""
    if problem.status == 429:
        return _html(settings, message_page(language, "busy"), 429, **(problem.headers or {}))
    return _html(settings, message_page(language, "expired"), 401)


def _replayed(response: Response) -> dict[str, str]:
    flag = response.headers.get("Idempotent-Replayed")
    return {"Idempotent-Replayed": flag} if flag else {}


# --- the citizen channel -------------------------------------------------------------------------


def citizen_of(principal: Principal, settings: IntakeSettings) -> str:
    """The citizen's id inside Ideapaja (never the identity provider's subject). The role was
    checked by the table (``citizen.*``)."""
    if not settings.citizen_channel_enabled:
        raise ChannelClosed
    return citizen_person_id(settings.pseudonym_secret.get_secret_value(), principal.person_id)


@citizen_router.post(
    "",
    status_code=201,
    response_model=CitizenIdeaPublic,
    summary="Submit an idea as a citizen or customer",
    **POLICY.route(
        "citizen.submit",
        description="Only when IDEAPAJA_INTAKE_CITIZEN_CHANNEL_ENABLED (404 otherwise) and for "
        "tokens with the citizen role. The idea is marked external (channel citizen) and shown to "
        "staff by pseudonym only; the citizen sees only their own ideas, without internal data. "
        "Limited per citizen and per client address (429 with Retry-After).",
    ),
    responses={**CREATED, **ERRORS},
)
async def citizen_submit(
    body: CitizenIdeaCreate,
    principal: Annotated[Principal, require("citizen.submit")],
    runtime: RuntimeDep,
    settings: SettingsDep,
    traceparent: TraceparentDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    citizen_id = citizen_of(principal, settings)
    await enforce_ip_limit(request, SUBMISSIONS)

    async def work(session: AsyncSession) -> Outcome:
        unit = await session.get(Unit, body.unit_id)
        scope = Scope.DEPARTMENT if unit and unit.kind == UnitKind.DEPARTMENT.value else Scope.UNIT
        submission = IdeaSubmission.model_validate(
            {**body.model_dump(), "scope": scope.value, "anonymous": True}
        )
        record = await submit_idea(
            session,
            settings=settings,
            outbox=runtime.outbox,
            submitter=Submitter(citizen_id, citizen=True),
            submission=submission,
            channel=Channel.CITIZEN,
            traceparent=traceparent,
        )
        return Outcome.of(
            201, CitizenIdeaPublic.of(record), Location=f"/citizen/ideas/{record.idea.id}"
        )

    return await run_idempotent(
        runtime,
        caller=f"citizen:{citizen_id}",
        key=idempotency_key,
        operation="POST /citizen/ideas",
        content=body.model_dump(),
        work=work,
    )


@citizen_router.get(
    "",
    response_model=list[CitizenIdeaSummary],
    summary="My ideas as a citizen, newest first",
    **POLICY.route("citizen.read"),
)
async def citizen_ideas(
    principal: Annotated[Principal, require("citizen.read")],
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> list[CitizenIdeaSummary]:
    citizen_id = citizen_of(principal, settings)
    async with runtime.db.transaction() as session:
        rows = await session.scalars(
            select(Idea)
            .where(
                Idea.id.in_(select(IdeaAuthor.idea_id).where(IdeaAuthor.person_id == citizen_id))
            )
            .order_by(Idea.submitted_at.desc(), Idea.id.desc())
            .limit(100)
        )
        return [
            CitizenIdeaSummary(
                id=idea.id, title=idea.title, status=idea.status, submitted_at=idea.submitted_at
            )
            for idea in rows
        ]


@citizen_router.get(
    "/{idea_id}",
    response_model=CitizenIdeaPublic,
    summary="My idea as a citizen, with its status and timeline",
    responses={404: PROBLEM_SCHEMA},
    **POLICY.route("citizen.read"),
)
async def citizen_idea(
    idea_id: IdeaIdPath,
    principal: Annotated[Principal, require("citizen.read")],
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> CitizenIdeaPublic:
    citizen_id = citizen_of(principal, settings)
    async with runtime.db.transaction() as session:
        record = await load_idea(session, idea_id)
    # Someone else's idea is answered like a missing one.
    if record is None or citizen_id not in record.author_ids:
        raise IdeaNotFound(idea_id, detail=f"You have no idea {idea_id}.")
    return CitizenIdeaPublic.of(record)
