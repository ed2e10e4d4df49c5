"""Who a notice goes to, from the projections: an idea's authors and supporters, named people
(reviewers, a committee's members), the holders of a role (a reward approval step; a unit's
supervisors and change agents). Unknown people or ideas raise ``RetryLater``: the HR or intake
event that describes them has not arrived yet."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select

from ideapaja_notification.db.models import Contact, Idea, Supporter
from ideapaja_notification.domain.notices import Recipient, UnknownRecipients, reachable
from ideapaja_runtime.db import json_list_may_hold
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext, RetryLater

log = get_logger(__name__)

# A role held for a unit: its holders approve only for ideas of their own unit.
UNIT_ROLES = frozenset({"supervisor"})


def recipient_of(contact: Contact | Row[*tuple[Any, ...]]) -> Recipient:
    """A contact, as an ORM object or as a row of ``_CONTACTS_OF`` (the same names)."""
    return Recipient(
        person_id=contact.person_id,
        display_name=contact.display_name,
        email=contact.email,
        language=contact.language,
        # Nobody writes to people who left, nor to people whose data was erased.
        left=contact.left_on is not None or contact.erased_at is not None,
        roles=None if contact.roles is None else tuple(str(role) for role in contact.roles),
    )


# Asked for every notice's recipients: one statement built once, read as plain rows (loading
# ORM objects took about three times the CPU).
_CONTACTS = Contact.__table__
_CONTACTS_OF = select(
    _CONTACTS.c.person_id,
    _CONTACTS.c.display_name,
    _CONTACTS.c.email,
    _CONTACTS.c.language,
    _CONTACTS.c.left_on,
    _CONTACTS.c.erased_at,
    _CONTACTS.c.roles,
).where(_CONTACTS.c.person_id.in_(bindparam("person_ids", expanding=True)))


async def contacts_of(ctx: HandlerContext, person_ids: Sequence[str]) -> dict[str, Recipient]:
    rows = await ctx.session.execute(_CONTACTS_OF, {"person_ids": list(person_ids)})
    return {row.person_id: recipient_of(row) for row in rows}


async def people(ctx: HandlerContext, person_ids: Sequence[str]) -> list[Recipient]:
    """``person_ids`` to write to, each once (those who left skipped); every one of them must be
    known, else the event waits (``RetryLater``), so a retry cannot leave anyone out."""
    ids = [str(pid) for pid in person_ids]
    if not ids:  # an idea nobody supported: no statement to ask
        return []
    try:
        return reachable(ids, await contacts_of(ctx, ids))
    except UnknownRecipients as exc:
        raise RetryLater(str(exc)) from exc


@dataclass(frozen=True)
class KnownIdea:
    """What a notice needs of the idea projection: the title, the authors, the unit."""

    idea_id: str
    title: str
    author_ids: list[Any]
    unit_id: str | None


# Read for nearly every notice: one statement built once, read as a plain row (``session.get``
# built a key, loaded an ORM object and tracked it, several times the CPU of the statement). The
# consumers that notify never change ``ideas``; the projection's own handlers load ``Idea``.
_IDEAS = Idea.__table__
_IDEA = select(*(_IDEAS.c[name] for name in KnownIdea.__dataclass_fields__)).where(
    _IDEAS.c.idea_id == bindparam("idea_id")
)


async def known_idea(ctx: HandlerContext, idea_id: str) -> KnownIdea | None:
    row = (await ctx.session.execute(_IDEA, {"idea_id": idea_id})).one_or_none()
    return None if row is None else KnownIdea(*row)


async def idea_of(ctx: HandlerContext, idea_id: str) -> KnownIdea:
    idea = await known_idea(ctx, idea_id)
    if idea is None:
        raise RetryLater(f"idea {idea_id} not known yet (IdeaSubmitted not seen)")
    return idea


async def authors_of(
    ctx: HandlerContext, idea: KnownIdea, *, leaving_out: Collection[str] = ()
) -> list[Recipient]:
    """The idea's authors to write to (not those in ``leaving_out``): only they are told, so an
    anonymous idea's authors are never named to anyone else."""
    return await people(ctx, [pid for pid in idea.author_ids if pid not in leaving_out])


async def role_holders(
    ctx: HandlerContext, role: str, *, unit_id: str | None, leaving_out: Collection[str] = ()
) -> list[Recipient]:
    """The people HR says hold ``role`` (for ``unit_id``, when the role is held for a unit),
    still in service, oldest contact first; nobody if none is known."""
    rows = await ctx.session.scalars(
        select(Contact).where(json_list_may_hold(Contact.roles, role)).order_by(Contact.person_id)
    )
    holders = []
    for contact in rows.all():
        if role not in (contact.roles or []) or contact.person_id in leaving_out:
            continue
        if role in UNIT_ROLES and (unit_id is None or contact.unit_id != unit_id):
            continue
        recipient = recipient_of(contact)
        if not recipient.left:
            holders.append(recipient)
    if not holders:
        log.warning("nobody_holds_role", role=role, unit_id=unit_id)
    return holders


# Asked for every decision and implementation: built once (see ``_CONTACTS_OF``).
_SUPPORTERS = Supporter.__table__
_SUPPORTERS_BEFORE = (
    select(_SUPPORTERS.c.person_id)
    .where(
        _SUPPORTERS.c.idea_id == bindparam("idea_id"),
        _SUPPORTERS.c.supported_at < bindparam("before", type_=_SUPPORTERS.c.supported_at.type),
    )
    .order_by(_SUPPORTERS.c.supported_at, _SUPPORTERS.c.person_id)
)


async def supporters_of(
    ctx: HandlerContext, idea: KnownIdea, *, before: datetime
) -> list[Recipient]:
    """The idea's supporters to write to, those who supported it ``before`` the news, oldest
    support first (someone who supported after it knew); never one of its authors (they hear as
    authors, once)."""
    rows = await ctx.session.scalars(
        _SUPPORTERS_BEFORE, {"idea_id": idea.idea_id, "before": before}
    )
    authors = set(map(str, idea.author_ids))
    return await people(ctx, [pid for pid in rows.all() if pid not in authors])


async def unit_people(
    ctx: HandlerContext, unit_id: str, roles: Collection[str], *, leaving_out: Collection[str] = ()
) -> list[Recipient]:
    """The people HR places in ``unit_id`` holding any of ``roles``, still in service, by id;
    nobody if none is known (logged, not waited for: a unit may have no change agent)."""
    rows = await ctx.session.scalars(
        select(Contact).where(Contact.unit_id == unit_id).order_by(Contact.person_id)
    )
    found = []
    for contact in rows.all():
        if contact.person_id in leaving_out or not set(contact.roles or []) & set(roles):
            continue
        recipient = recipient_of(contact)
        if not recipient.left:
            found.append(recipient)
    if not found:
        log.warning("nobody_in_unit_holds_roles", unit_id=unit_id, roles=sorted(roles))
    return found
