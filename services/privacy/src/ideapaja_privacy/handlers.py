"""Event subscribers: who left the city's service and when (retention), and who came back.

Only HR's person records are read, and only their times and the leaving day: no names, no e-mail.
"""

from __future__ import annotations

from collections.abc import Sequence

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted
from ideapaja_privacy.db.models import PersonRow
from ideapaja_privacy.domain.erasure import returned_after_erasure
from ideapaja_privacy.domain.retention import departure_date, is_stale
from ideapaja_privacy.usecases import erasures
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext, Subscription

log = get_logger(__name__)


async def on_person_left(event: PersonLeft, ctx: HandlerContext) -> None:
    """Remember the leaving day: the retention sweep erases the person when their time is up."""
    as_of = as_utc(ctx.envelope.time)
    person = await ctx.session.get(PersonRow, event.person_id)
    if person is None:
        person = PersonRow(person_id=event.person_id, erasure_round=1)
        ctx.session.add(person)
    elif is_stale(person.hr_as_of, as_of):
        log.info("stale_hr_event_ignored", person_id=event.person_id)
        return
    person.in_service = False
    person.left_on = event.left_on
    person.left_on_date = departure_date(event.left_on, as_of)
    person.hr_as_of = as_of


async def on_person_upserted(event: PersonUpserted, ctx: HandlerContext) -> None:
    """In service (again): nothing is due. A person HR describes again after their erasure was
    requested starts a new round, so their new data can be erased in turn."""
    as_of = as_utc(ctx.envelope.time)
    person = await ctx.session.get(PersonRow, event.person_id)
    if person is not None and is_stale(person.hr_as_of, as_of):
        log.info("stale_hr_event_ignored", person_id=event.person_id)
        return
    # An erasure may also have been requested before HR's record reached us (round 1).
    round_ = person.erasure_round if person is not None else 1
    erased = await erasures.erasure_of(ctx.session, event.person_id, round_)
    if erased is not None and returned_after_erasure(erased.requested_at, as_of):
        round_ += 1
        log.info("person_returned_after_erasure", person_id=event.person_id)
    if person is None:
        person = PersonRow(person_id=event.person_id)
        ctx.session.add(person)
    person.erasure_round = round_
    person.in_service = True
    person.left_on = None
    person.left_on_date = None
    person.hr_as_of = as_of


def subscriptions() -> Sequence[Subscription]:
    return [
        Subscription(
            "hr-people",
            {PersonUpserted: on_person_upserted, PersonLeft: on_person_left},
            stream="hr",
        )
    ]
