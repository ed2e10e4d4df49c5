"""The embeddable idea form: a server-rendered page (fi/sv/en, no script) that an intranet links
or frames, authenticated by a form token in its URL or hidden field. It answers with pages, not
problem+json: a refused field re-renders the form with its message."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from ideapaja_contracts.events.idea import Channel, Scope
from ideapaja_intake.api.attachments import accepted_upload
from ideapaja_intake.api.deps import LaterUow, Scanner, SettingsDep, runtime_of
from ideapaja_intake.api.form import with_idea_param
from ideapaja_intake.api.form_auth import BearerCredentials, FormCaller, caller_from_token
from ideapaja_intake.api.form_people import chosen_people, people_named
from ideapaja_intake.api.idempotency import FormTokenIdempotent, IdempotentRequest, Outcome
from ideapaja_intake.api.pages import html_page, refused_origin_page
from ideapaja_intake.api.routing import own_origin
from ideapaja_intake.authz import PAGE_FORM, PAGE_QUERY, POLICY
from ideapaja_intake.db.idempotency import staff_caller
from ideapaja_intake.domain.cors import form_post_allowed
from ideapaja_intake.domain.i18n import choose_language
from ideapaja_intake.domain.people import QUERY_MIN_LETTERS
from ideapaja_intake.domain.submission import (
    TEXT_MAX,
    TITLE_MAX,
    TITLE_MIN,
    IdeaSubmission,
    form_person_ids,
)
from ideapaja_intake.errors import IdempotencyKeyReused, TooManySubmissions, problem_of
from ideapaja_intake.form_co_authors import QUERY_FIELD, SEARCH_BUTTON
from ideapaja_intake.form_page import FORM_PATH, form_page, message_page, thank_you_page
from ideapaja_intake.schemas.people import PersonPublic
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.texts import field_message
from ideapaja_intake.usecases import catalogue
from ideapaja_intake.usecases.attachments import AcceptedFile, AttachmentScanner, submit_with_file
from ideapaja_intake.usecases.form_tokens import form_token_for
from ideapaja_intake.usecases.submissions import Submitter, submission_content
from ideapaja_runtime.auth import authenticate_request
from ideapaja_runtime.errors import DomainError, InvalidInput
from ideapaja_runtime.iplimits import SUBMISSIONS, count_ip_use, refuse_if_exhausted
from ideapaja_runtime.problems import Problem
from ideapaja_runtime.routes import service_router
from ideapaja_runtime.uow import UnitOfWork

router = service_router(tags=["channels"])


def _html(settings: IntakeSettings, body: str, status: int = 200, **headers: str) -> HTMLResponse:
    return html_page(settings, body, status, **headers)


def _refusal_page(settings: IntakeSettings, language: str, problem: Problem) -> HTMLResponse:
    """The page's answer to a refused credential (401) or a per-IP limit (429, Retry-After)."""
    if problem.status == 429:
        return _html(settings, message_page(language, "busy"), 429, **(problem.headers or {}))
    return _html(settings, message_page(language, "expired"), 401)


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


@router.get(
    FORM_PATH,
    response_class=HTMLResponse,
    summary="The embeddable idea form (HTML, fi/sv/en)",
    **POLICY.route(
        "embed.read",
        description="For an intranet to link or frame (frame-ancestors: the allowed origins). "
        "Authenticated by ?form_token= (POST /form-tokens) or a bearer token; language from "
        "?language= or Accept-Language. Works without JavaScript and uses no inline script. A role "
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
    settings: SettingsDep,
    credentials: BearerCredentials,
    later: LaterUow,
    form_token: Annotated[
        str | None,
        Query(max_length=4096, description="From POST /form-tokens (or send a bearer token)"),
    ] = None,
    page_language: Annotated[
        str | None,
        Query(
            alias="language",
            max_length=5,
            description="The page's language: fi, sv or en (otherwise from Accept-Language, "
            "else fi)",
        ),
    ] = None,
) -> HTMLResponse:
    language = choose_language(page_language, request.headers.get("accept-language"))
    try:
        if form_token:
            caller = await caller_from_token(request, form_token)
            token = form_token
        elif credentials is not None:
            principal = await authenticate_request(request, credentials.credentials)
            now = runtime_of(request).clock()
            token = form_token_for(
                settings, principal, language=language, now=now, base_url=str(request.base_url)
            ).form_token
            caller = FormCaller.of(principal)
        else:
            raise Problem(401, "Authentication required")
    except Problem as problem:
        return _refusal_page(settings, language, problem)
    caller.allowed("embed.read", request)
    units = await catalogue.units_for_the_page(await later())
    return _html(
        settings,
        form_page(
            lang=language,
            form_token=token,
            units=units,
            categories=settings.categories,
            attachment_types=settings.attachment_types,
            parent_origins=settings.form_allowed_origins,
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


PAGE_FIELDS = frozenset({"form_token", "lang", "attachment", QUERY_FIELD, SEARCH_BUTTON})


def _form_values(form: Any, language: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted idea's fields from the page's form, and refusals of unknown fields."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in set(form.keys()):
        if name in PAGE_FIELDS:
            continue
        if name not in FORM_FIELDS:
            errors[name] = field_message(language, "unknown_field")
            continue
        items = [v for v in form.getlist(name) if isinstance(v, str)]
        if name == "co_author_ids":
            values[name] = form_person_ids(items)
        elif name == "benefit_kinds":
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


def _validated_submission(
    values: dict[str, Any], errors: dict[str, str], language: str
) -> IdeaSubmission | None:
    """The idea the form describes, or None with the reasons added to ``errors`` (which may
    already hold refusals of unknown fields: then there is no idea either), in ``language``:
    Pydantic's errors become our messages by their type."""
    try:
        submission = IdeaSubmission.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            message = field_message(language, error["type"], error["msg"], **error.get("ctx", {}))
            errors.setdefault(str(error["loc"][0]) if error["loc"] else "form", message)
        return None
    return None if errors else submission


def _problem_field_errors(problem: Problem, language: str) -> dict[str, str]:
    """A refused submission's errors by form field (the whole form when none is named), each
    in ``language`` by its type."""
    field_errors = {
        str(e.get("field")): field_message(language, str(e.get("type")), str(e.get("message")))
        for e in problem.extra.get("errors", [])
    }
    return field_errors or {"form": field_message(language, "invalid")}


ATTACHMENT_MESSAGES = {413: "file_too_large", 415: "file_type"}


def _replayed(response: Response) -> dict[str, str]:
    flag = response.headers.get("Idempotent-Replayed")
    return {"Idempotent-Replayed": flag} if flag else {}


@router.post(
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
        # The page is for a person in a frame: a refused or expired form token is a page too.
        401: {"content": {"text/html": {}}},
        422: {"content": {"text/html": {}}},
        429: {"content": {"text/html": {}}},
    },
)
async def submit_embedded_form(
    request: Request,
    settings: SettingsDep,
    scanner: Scanner,
    later: LaterUow,
    idempotent: FormTokenIdempotent,
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
        caller = await caller_from_token(request, token)
    except Problem as problem:
        return _refusal_page(settings, language, problem)
    caller.allowed("embed.submit", request)
    # The page posts to itself under Referrer-Policy: no-referrer, so browsers send Origin: null
    # (and Sec-Fetch-Site: same-origin); its form token is the credential (domain/cors.py).
    if not form_post_allowed(
        request.headers.get("origin"),
        settings.form_allowed_origins,
        own=own_origin(request),
        fetch_site=request.headers.get("sec-fetch-site"),
        form_token=True,
    ):
        return refused_origin_page(request, settings, language)

    values, errors = _form_values(form, language)
    raw_query = form.get(QUERY_FIELD)
    query = raw_query.strip()[:100] if isinstance(raw_query, str) else ""

    async def refuse(
        field_errors: dict[str, str],
        status: int = 422,
        found: list[PersonPublic] | None = None,
        more: bool = False,
    ) -> Response:
        uow = await later()
        page = form_page(
            lang=language,
            form_token=token,
            units=await catalogue.units_for_the_page(uow),
            categories=settings.categories,
            attachment_types=settings.attachment_types,
            values=values,
            errors=field_errors,
            parent_origins=settings.form_allowed_origins,
            co_authors=await chosen_people(uow, values.get("co_author_ids") or []),
            people_query=query,
            people_found=found,
            more_found=more,
        )
        return _html(settings, page, status)

    if SEARCH_BUTTON in form:
        # The page without its script: "Search" shows the matches as checkboxes, keeping
        # what was typed (nothing is submitted).
        try:
            found, more = await people_named(await later(), query)
        except InvalidInput:
            short = field_message(language, "string_too_short", min_length=QUERY_MIN_LETTERS)
            return await refuse({**errors, QUERY_FIELD: short})
        return await refuse(errors, 422 if errors else 200, found, more)

    submission = _validated_submission(values, errors, language)
    if submission is None:
        return await refuse(errors)
    try:
        # Refused at once when the address has used up its allowance; counted only once stored.
        await refuse_if_exhausted(request, SUBMISSIONS)
    except Problem as problem:
        return _refusal_page(settings, language, problem)
    try:
        accepted = await _accepted_attachment(settings, scanner, _attachment_of(form))
    except DomainError as refused:
        answer = problem_of(refused)
        kind = ATTACHMENT_MESSAGES.get(answer.status, "file_refused")
        return await refuse({"attachment": field_message(language, kind)}, answer.status)
    try:
        response = await _submitted(
            await later(), idempotent, caller, submission, accepted, language
        )
    except DomainError as refused:
        page = _already_or_too_many_page(settings, language, refused)
        if page is not None:
            return page
        answer = problem_of(refused)
        return await refuse(_problem_field_errors(answer, language), answer.status)
    if response.status_code == 201:
        await count_ip_use(request, SUBMISSIONS)
        return _html(settings, bytes(response.body).decode(), 201, **_replayed(response))
    return response


async def _accepted_attachment(
    settings: IntakeSettings, scanner: AttachmentScanner | None, upload: UploadFile | None
) -> AcceptedFile | None:
    """The form's attachment once checked (type, size, scan); ``AttachmentRefused`` says why
    not."""
    return None if upload is None else await accepted_upload(settings, scanner, upload)


async def _submitted(
    uow: UnitOfWork[IntakeSettings],
    idempotent: IdempotentRequest,
    caller: FormCaller,
    submission: IdeaSubmission,
    accepted: AcceptedFile | None,
    language: str,
) -> Response:
    """The idea (with its file) remembered under the form token: the page's first answer, or
    that answer again for the same form posted twice. In a savepoint: a refusal, which the
    route answers with a page (so the unit of work still commits), leaves nothing behind."""
    thank_you = uow.settings.form_thank_you_url

    async def work() -> Outcome:
        submitter = Submitter.staff(uow.person)
        record = await submit_with_file(uow, submitter, submission, Channel.INTRANET_FORM, accepted)
        if thank_you:
            return Outcome(303, headers={"Location": with_idea_param(thank_you, record.idea.id)})
        html = thank_you_page(
            language,
            record.idea.id,
            portal_url=uow.settings.portal_url,
            parent_origins=uow.settings.form_allowed_origins,
        )
        return Outcome(201, html.encode(), "text/html; charset=utf-8", {})

    content = {
        **submission_content(submission),
        "attachment": accepted.checked.filename if accepted else None,
    }
    async with uow.session.begin_nested():
        return await idempotent.run(
            uow,
            content,
            work,
            caller=staff_caller(caller.person_id),
            key=caller.idempotency_key,
        )
