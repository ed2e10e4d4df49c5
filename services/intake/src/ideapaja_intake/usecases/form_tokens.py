"""Form tokens: what a plain HTML form (or the embeddable page) carries instead of a bearer
token, issued in the name of the person whose bearer token asked for it."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from ideapaja_intake.domain.form_token import issue_form_token
from ideapaja_intake.form_page import FORM_PATH
from ideapaja_intake.schemas.channels import FormTokenPublic
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.auth import Principal


def form_token_for(
    settings: IntakeSettings,
    principal: Principal,
    *,
    language: str | None,
    now: datetime,
    base_url: str,
) -> FormTokenPublic:
    """A token naming ``principal`` (its roles and units), valid for ``form_token_ttl_seconds``
    and for one submission, with the page's absolute URL for it: under ``public_url`` when set,
    else under ``base_url`` (where the request arrived)."""
    token, claims = issue_form_token(
        settings.form_token_secret.get_secret_value(),
        person_id=principal.person_id,
        roles=tuple(principal.roles),
        unit_ids=tuple(principal.unit_ids),
        now=now,
        ttl=timedelta(seconds=settings.form_token_ttl_seconds),
    )
    root = (settings.public_url or base_url).rstrip("/")
    query = {"form_token": token, **({"language": language} if language else {})}
    return FormTokenPublic(
        form_token=token,
        expires_at=claims.expires_at,
        form_url=f"{root}{FORM_PATH}?{urlencode(query)}",
    )
