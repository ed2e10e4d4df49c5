"""GDPR in the portal: what it holds on a person (their language choice and their open sessions)
and erasing it (``ErasureRequested``: the sessions end and the choice is forgotten)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select

from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_portal.authz import POLICY
from ideapaja_portal.db.models import LanguageChoice, SessionRow
from ideapaja_runtime.access_report import access_report_router
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext, Subscription
from ideapaja_runtime.uow import UnitOfWork

log = get_logger(__name__)


class PersonData(BaseModel):
    """Everything the portal holds on one person."""

    id: str = Field(description="The person's id")
    language: str | None = Field(description="The language they chose in the portal, if any")
    language_chosen_at: datetime | None = Field(description="When they chose it")
    open_sessions: int = Field(
        description="Sessions signed in as them that have not ended (each holds their access "
        "token until it expires)"
    )


async def person_report(uow: UnitOfWork[Any], person_id: str, own: bool) -> PersonData:
    choice = await uow.session.get(LanguageChoice, person_id)
    sessions = await uow.session.scalar(
        select(func.count())
        .select_from(SessionRow)
        .where(SessionRow.person_id == person_id, SessionRow.expires_at > uow.now)
    )
    return PersonData(
        id=person_id,
        language=choice.language if choice else None,
        language_chosen_at=choice.chosen_at if choice else None,
        open_sessions=int(sessions or 0),
    )


async def on_erasure_requested(event: ErasureRequested, ctx: HandlerContext) -> None:
    ended = await ctx.session.execute(
        delete(SessionRow).where(SessionRow.person_id == event.person_id)
    )
    await ctx.session.execute(
        delete(LanguageChoice).where(LanguageChoice.person_id == event.person_id)
    )
    log.info("person_erased", erasure_id=event.erasure_id, sessions_ended=ended.rowcount)  # type: ignore[attr-defined]


ERASURES = Subscription("privacy-erasures", {ErasureRequested: on_erasure_requested})

router = access_report_router(
    POLICY,
    build=person_report,
    response_model=PersonData,
    summary="Everything held on a person: language choice and open sessions (GDPR access report)",
    withholds_anonymous=False,
)
