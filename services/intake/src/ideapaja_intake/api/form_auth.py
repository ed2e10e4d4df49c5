"""How the channels of plain HTML forms authenticate: a browser form cannot send an
Authorization header, so a form carries a short-lived signed form token (domain/form_token.py)
in a hidden field or the page's URL. The intranet's backend (or page script), which holds the
user's bearer token, gets one from ``POST /form-tokens``. Nothing is ever accepted without a
bearer token or a valid form token, and the roles either names meet the same policy table."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from ideapaja_intake.api.deps import runtime_of
from ideapaja_intake.api.routing import settings_of
from ideapaja_intake.authz import check
from ideapaja_intake.db.idempotency import form_token_key
from ideapaja_intake.domain.form_token import ExpiredFormToken, InvalidFormToken, read_form_token
from ideapaja_runtime.auth import Principal, authenticate_request
from ideapaja_runtime.authz import PRINCIPAL
from ideapaja_runtime.iplimits import AUTH_FAILURES, count_ip_failure, refuse_if_exhausted
from ideapaja_runtime.problems import Problem

bearer = HTTPBearer(auto_error=False, description="JWT from the city's identity provider")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class FormCaller(BaseModel):
    person_id: str
    roles: frozenset[str]
    unit_ids: frozenset[str]
    # Set when a form token authenticated the request: it is single-use (its id is the key).
    form_token_id: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> FormCaller:
        return cls(
            person_id=principal.person_id, roles=principal.roles, unit_ids=principal.unit_ids
        )

    @property
    def idempotency_key(self) -> str | None:
        """What the request is remembered under when it carries no Idempotency-Key: its form
        token, which can submit one idea."""
        return form_token_key(self.form_token_id) if self.form_token_id else None

    def allowed(self, action: str, request: Request) -> FormCaller:
        """This caller if the table lets its roles do ``action`` (403 reason "role" otherwise):
        a form token carries the roles of the bearer token it was issued for. The admitted
        principal is then the request's actor, as ``POLICY.route`` makes it for bearer routes
        (so the unit of work opened after this knows who acts)."""
        principal = Principal(self.person_id, self.roles, self.unit_ids)
        admitted = check(action, principal, settings_of(request).citizen_role)
        setattr(request.state, PRINCIPAL, admitted)
        return self


async def caller_from_token(request: Request, token: str) -> FormCaller:
    """The caller a form token names. Form tokens are credentials like bearer tokens: they share
    the runtime's per-IP limit of failed authentications (429 once over it, before the token is
    read); a forged or altered one counts, an expired one (a form left open) does not."""
    await refuse_if_exhausted(request, AUTH_FAILURES)
    secret = settings_of(request).form_token_secret.get_secret_value()
    try:
        claims = read_form_token(secret, token, now=runtime_of(request).clock())
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


async def form_caller(request: Request, credentials: BearerCredentials) -> FormCaller:
    """A bearer token (scripts, servers) or the form's form_token field (plain HTML forms)."""
    if credentials is not None and credentials.scheme.lower() == "bearer":
        caller = FormCaller.of(await authenticate_request(request, credentials.credentials))
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
        caller = await caller_from_token(request, token)
    return caller.allowed("ideas.submit_form", request)


# The intranet form's caller, admitted for ideas.submit_form.
FormCallerDep = Annotated[FormCaller, Depends(form_caller)]
