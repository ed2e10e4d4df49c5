"""GDPR: erasing a person (``ErasureRequested``) and reporting what is held on them.

Erasure, in the handler's transaction: the contact keeps only the person id and the erasure time
(name, e-mail and language blank); every delivery to the person loses its address, rendered
subject and text (and the address from any SMTP error); deliveries still pending are failed, so
no mail goes out after the erasure. What stays is opaque: that a notification of a template was
sent to the person id at a time, which NotificationDelivered already told the event stream.
The person's in-app inbox is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_notification.db.models import (
    Contact,
    Delivery,
    DigestItem,
    Idea,
    InboxItem,
    Preference,
    Supporter,
)
from ideapaja_notification.domain.deliveries import DeliveryStatus
from ideapaja_notification.domain.digests import digest_template
from ideapaja_notification.domain.kinds import AUTHOR_KINDS
from ideapaja_notification.domain.preferences import DIGESTS
from ideapaja_notification.schemas import (
    ContactData,
    DeliveryData,
    DigestItemData,
    IdeaData,
    InboxItemData,
    PersonData,
    PreferenceData,
)
from ideapaja_notification.usecases import webhook_deliveries
from ideapaja_runtime.db import json_list_may_hold
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext
from ideapaja_runtime.requester import ANONYMOUS_WITHHELD_NOTE
from ideapaja_runtime.uow import UnitOfWork

log = get_logger(__name__)

ERASED = "[erased]"
CANCELLED_BY_ERASURE = "not sent: the recipient's personal data was erased"


async def on_erasure_requested(event: ErasureRequested, ctx: HandlerContext) -> None:
    erased_at = ctx.envelope.time
    now = ctx.now
    contact = await ctx.session.get(Contact, event.person_id)
    email = contact.email if contact is not None else ""
    if contact is None:
        # Remembered anyway, so an HR record from before the erasure cannot create it later.
        contact = Contact(person_id=event.person_id)
        ctx.session.add(contact)
    contact.display_name = ""
    contact.email = ""
    contact.language = ""
    contact.erased_at = erased_at
    contact.updated_at = now

    rows = await ctx.session.scalars(select(Delivery).where(Delivery.person_id == event.person_id))
    cancelled = 0
    for delivery in rows.all():
        if delivery.status == DeliveryStatus.PENDING.value:
            delivery.status = DeliveryStatus.FAILED.value
            delivery.failed_at = now
            delivery.last_error = CANCELLED_BY_ERASURE
            # A sender holding the claim can no longer record it as sent.
            delivery.claim_token = None
            delivery.lease_expires_at = None
            cancelled += 1
        elif delivery.last_error:
            delivery.last_error = _scrub(delivery.last_error, (email, delivery.address))
        delivery.address = ""
        delivery.subject = ""
        delivery.body = ""
        delivery.html = None
    # The in-app inbox, the digests' items and the preferences are the person's alone and
    # tell the stream nothing: they go; which ideas they supported is about them too.
    for table in (InboxItem, DigestItem, Preference, Supporter):
        await ctx.session.execute(
            delete(table)
            .where(table.person_id == event.person_id)
            .execution_options(synchronize_session=False)
        )
    # Webhook payloads that name the person (the events sent to integrations).
    payloads = await webhook_deliveries.erase_person(ctx.session, event.person_id, now)
    log.info(
        "person_erased",
        person_id=event.person_id,
        deliveries_cancelled=cancelled,
        webhook_payloads_erased=payloads,
    )


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, ERASED)
    return text


def is_erased_before(contact: Contact, hr_time: datetime) -> bool:
    """An HR record sent before the person's erasure (delivered late) must not restore them;
    one sent after it (re-hired) does."""
    return contact.erased_at is not None and hr_time <= contact.erased_at


async def person_report(uow: UnitOfWork[Any], person_id: str, own: bool = True) -> PersonData:
    """Everything held on ``person_id``; unless ``own`` (the person's own report), what could
    reveal who wrote an anonymous idea is withheld and counted."""
    session = uow.session
    data = await _full_report(session, person_id)
    if own:
        return data
    ideas_of = [d.idea_id for d in data.deliveries] + [i.idea_id for i in data.inbox]
    ideas_of += [i.idea_id for i in data.digest_items]
    mentioned = sorted({idea_id for idea_id in ideas_of if idea_id is not None})
    named = set(
        (
            await session.scalars(
                select(Idea.idea_id).where(Idea.idea_id.in_(mentioned), Idea.anonymous.is_(False))
            )
        ).all()
    )
    return withhold_anonymous_authorship(data, named)


def withhold_anonymous_authorship(data: PersonData, named: set[str]) -> PersonData:
    """``data`` with only the ideas known to be named (``named``: the ids of those among the
    messages' ideas) and the messages that do not tell the person wrote another one (those to
    a reviewer or an approver, and those to an author about a named idea); the rest counted."""
    deliveries = [d for d in data.deliveries if _shown(d.template, d.idea_id, named)]
    items = [i for i in data.inbox if _shown(i.kind, i.idea_id, named)]
    waiting = [i for i in data.digest_items if _shown(i.kind, i.idea_id, named)]
    ideas = [i for i in data.ideas_authored if i.anonymous is False]
    withheld = (
        len(data.deliveries)
        - len(deliveries)
        + len(data.inbox)
        - len(items)
        + len(data.digest_items)
        - len(waiting)
        + len(data.ideas_authored)
        - len(ideas)
    )
    return data.model_copy(
        update={
            "deliveries": deliveries,
            "inbox": items,
            "digest_items": waiting,
            "ideas_authored": ideas,
            "anonymous_items_withheld": withheld,
            "withheld_note": ANONYMOUS_WITHHELD_NOTE if withheld else None,
        }
    )


def _shown(kind: str, idea_id: str | None, named: set[str]) -> bool:
    """Whether a message may be shown to others than its recipient: one to a reviewer or an
    approver tells nothing of who wrote the idea; one to an author only about a named idea."""
    return idea_id in named or kind not in AUTHOR_KIND_NAMES


# A digest may carry an author's notices about any idea (it is about none): withheld as theirs.
AUTHOR_KIND_NAMES = frozenset(kind.value for kind in AUTHOR_KINDS) | {
    digest_template(frequency) for frequency in DIGESTS
}


# A person's messages of one kind: e-mails, inbox items, items waiting for a digest.
_Messages = TypeVar("_Messages", Delivery, InboxItem, DigestItem)


async def _oldest_first(
    session: AsyncSession, model: type[_Messages], person_id: str
) -> Sequence[_Messages]:
    query = select(model).where(model.person_id == person_id)
    return (await session.scalars(query.order_by(model.created_at, model.id))).all()


async def _full_report(session: AsyncSession, person_id: str) -> PersonData:
    contact = await session.get(Contact, person_id)
    deliveries = await _oldest_first(session, Delivery, person_id)
    items = await _oldest_first(session, InboxItem, person_id)
    choices = await session.scalars(
        select(Preference).where(Preference.person_id == person_id).order_by(Preference.kind)
    )
    waiting = await _oldest_first(session, DigestItem, person_id)
    # Ideas they wrote (for naming them in decision notices): JSON lists, matched as text first.
    candidates = await session.scalars(
        select(Idea).where(json_list_may_hold(Idea.author_ids, person_id))
    )
    ideas = [idea for idea in candidates.all() if person_id in idea.author_ids]
    return PersonData(
        id=person_id,
        contact=ContactData.model_validate(contact) if contact is not None else None,
        deliveries=[DeliveryData.model_validate(d) for d in deliveries],
        inbox=[InboxItemData.model_validate(i) for i in items],
        preferences=[PreferenceData.model_validate(p) for p in choices.all()],
        digest_items=[DigestItemData.model_validate(i) for i in waiting],
        ideas_authored=[
            IdeaData(id=i.idea_id, title=i.title, language=i.language, anonymous=i.anonymous)
            for i in ideas
        ],
    )
