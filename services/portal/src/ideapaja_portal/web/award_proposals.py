"""Proposing a reward for an idea's authors (a supervisor for ideas of their units, a committee
member, management, an admin): money or a gift card in euros (``12,50`` as well as ``12.50``),
extra days off, or recognition; recipients chosen by name among the idea's confirmed authors, as
intake shows them to the proposer (an anonymous idea's authors are not shown: the reward then
goes to all of them). The reward service fixes the approval chain; the proposal's page shows it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.amounts import AMOUNT_MESSAGES, AmountError, parse_euros, plain
from ideapaja_portal.apis import ServiceError
from ideapaja_portal.i18n import Texts
from ideapaja_portal.web.award_views import KINDS, MONEY_KINDS, proposes, refusal
from ideapaja_portal.web.co_authors import chosen_ids, named
from ideapaja_portal.web.context import (
    CsrfProtected,
    PageError,
    SignedIn,
    Viewer,
    apis_of,
    render,
    texts_of,
)
from ideapaja_portal.web.forms import GENERAL, field_messages
from ideapaja_portal.web.ideas import read_idea

router = APIRouter(include_in_schema=False)

IdeaId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The idea's id")]
JUSTIFICATION_MAX = 200  # the reward service's limit (HR and payroll read it)
MAX_DAYS = 365
# The form's fields in the order the error summary lists them.
FIELDS = ("kind", "amount", "days", "recipient_ids", "justification")


async def _proposal_context(request: Request, viewer: Viewer, idea_id: str) -> dict[str, Any]:
    """The idea and its authors as the proposer may see them (None: not shown to them)."""
    apis = apis_of(request)
    idea, _ = await read_idea(apis, viewer, idea_id)
    if not proposes(viewer, idea.get("unit_id")):
        texts = texts_of(request)
        raise PageError(
            403,
            texts.gettext("This page is not for you"),
            texts.gettext(
                "Rewards are proposed by the supervisors of the idea's unit, development "
                "committee members, the management group and administrators."
            ),
        )
    author_ids = idea.get("author_ids")
    authors = None if author_ids is None else await named(apis, viewer, list(author_ids))
    return {"idea": idea, "authors": authors}


async def _form(
    request: Request,
    viewer: Viewer,
    idea_id: str,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = await _proposal_context(request, viewer, idea_id)
    return render(
        request,
        "award_form.html",
        {
            **context,
            "values": values,
            "errors": errors or {},
            "fields": FIELDS,
            "kinds": KINDS,
            "max_days": MAX_DAYS,
            "justification_max": JUSTIFICATION_MAX,
        },
        status_code=status_code,
    )


@router.get("/ideas/{idea_id}/award")
async def proposal_form(request: Request, viewer: SignedIn, idea_id: IdeaId) -> Response:
    return await _form(request, viewer, idea_id, {"kind": "money", "recipient_ids": None})


def _checked(texts: Texts, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The API body for the form's values, and what to fix before sending it."""
    errors: dict[str, str] = {}
    kind = values["kind"]
    body: dict[str, Any] = {"idea_id": values["idea_id"], "kind": kind}
    if kind not in KINDS:
        errors["kind"] = texts.gettext("Choose one of the options.")
    if kind in MONEY_KINDS:
        try:
            body["amount"] = plain(parse_euros(values["amount"]))
        except AmountError as exc:
            errors["amount"] = texts.gettext(AMOUNT_MESSAGES[exc.kind])
    if kind == "day_off":
        days = values["days"].strip()
        if not days.isdigit() or not 1 <= int(days) <= MAX_DAYS:
            errors["days"] = texts.gettext("Give the extra days off as a whole number, e.g. 1.")
        else:
            body["days"] = int(days)
    if values["recipient_ids"] is not None:
        if not values["recipient_ids"]:
            errors["recipient_ids"] = texts.gettext("Choose at least one recipient.")
        body["recipient_ids"] = values["recipient_ids"]
    justification = values["justification"].strip()
    if not justification:
        errors["justification"] = texts.gettext("This field is required.")
    elif len(justification) > JUSTIFICATION_MAX:
        errors["justification"] = texts.gettext(
            "At most %(count)s characters.", count=JUSTIFICATION_MAX
        )
    body["justification"] = justification
    return body, errors


def _refused(texts: Texts, error: ServiceError) -> dict[str, str]:
    """The service's refusal beside the field it concerns, else on the whole form."""
    if error.status == 404:
        return {
            GENERAL: texts.gettext(
                "The reward service does not know this idea yet. Try again in a moment."
            )
        }
    message = refusal(texts, error)
    if message is None:
        return field_messages(texts, error)
    fields = [field for field in error.field_errors if field in FIELDS]
    return {(fields[0] if fields else GENERAL): message}


@router.post("/ideas/{idea_id}/award", dependencies=[CsrfProtected])
async def propose(
    request: Request,
    viewer: SignedIn,
    idea_id: IdeaId,
    kind: Annotated[str, Form(max_length=20)] = "",
    amount: Annotated[str, Form(max_length=40)] = "",
    days: Annotated[str, Form(max_length=10)] = "",
    recipient_ids: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006 - copied
    recipients_shown: Annotated[str, Form(max_length=8)] = "",
    justification: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Send the proposal; to its page (with its approval chain), or the form with what to fix.
    Where the authors were not shown (an anonymous idea), the reward goes to all of them."""
    texts = texts_of(request)
    values: dict[str, Any] = {
        "idea_id": idea_id,
        "kind": kind,
        "amount": amount,
        "days": days,
        "recipient_ids": chosen_ids(recipient_ids) if recipients_shown else None,
        "justification": justification,
    }
    body, errors = _checked(texts, values)
    status = 422
    if not errors:
        try:
            created = await apis_of(request).call(
                "reward", "POST", "/awards", token=viewer.token, json=body
            )
        except ServiceError as exc:
            errors = _refused(texts, exc)
            status = exc.status if exc.status in (403, 409) else 422
        else:
            return RedirectResponse(f"/awards/{created['id']}?proposed=1", status_code=303)
    return await _form(request, viewer, idea_id, values, errors, status_code=status)
