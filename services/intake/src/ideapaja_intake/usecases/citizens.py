"""The citizen channel (off unless the city opens it): citizens submit ideas under an id of
Ideapaja's own (never the identity provider's subject), always pseudonymously, and see only
their own ideas, without internal data."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_contracts.events.idea import Channel, Scope
from ideapaja_intake.db.ideas import IdeaRecord, load_idea
from ideapaja_intake.db.models import Idea, IdeaAuthor, Unit
from ideapaja_intake.db.search import IDEA_ORDER
from ideapaja_intake.domain.pseudonym import citizen_person_id
from ideapaja_intake.domain.submission import IdeaSubmission
from ideapaja_intake.errors import ChannelClosed, IdeaNotFound
from ideapaja_intake.schemas.channels import CitizenIdeaCreate
from ideapaja_intake.usecases import Uow
from ideapaja_intake.usecases.submissions import Submitter, submit_idea
from ideapaja_runtime.pagination import Page, PageRequest, page_of

R = TypeVar("R")


def citizen_of(uow: Uow) -> str:
    """The acting citizen's id inside Ideapaja, while the channel is open (404 otherwise). The
    role was checked by the table (``citizen.*``)."""
    if not uow.settings.citizen_channel_enabled:
        raise ChannelClosed
    secret = uow.settings.pseudonym_secret.get_secret_value()
    return citizen_person_id(secret, uow.person.person_id)


async def submit_citizen_idea(uow: Uow, body: CitizenIdeaCreate) -> IdeaRecord:
    """The idea is external (channel citizen), anonymous, and concerns the unit or department
    chosen, which decides its scope."""
    unit = await uow.session.get(Unit, body.unit_id)
    scope = Scope.DEPARTMENT if unit and unit.kind == UnitKind.DEPARTMENT.value else Scope.UNIT
    submission = IdeaSubmission.model_validate(
        {**body.model_dump(), "scope": scope.value, "anonymous": True}
    )
    submitter = Submitter(citizen_of(uow), citizen=True)
    return await submit_idea(uow, submitter, submission, Channel.CITIZEN)


async def my_citizen_ideas(uow: Uow, page: PageRequest, item: Callable[[Idea], R]) -> Page[R]:
    """The citizen's own ideas, newest first (ties by id)."""
    citizen_id = citizen_of(uow)
    authored = select(IdeaAuthor.idea_id).where(IdeaAuthor.person_id == citizen_id)
    return await page_of(
        uow.session,
        select(Idea).where(Idea.id.in_(authored)),
        keys=IDEA_ORDER,
        page=page,
        item=item,
    )


async def my_citizen_idea(uow: Uow, idea_id: str) -> IdeaRecord:
    """The citizen's own idea; someone else's is answered like a missing one."""
    citizen_id = citizen_of(uow)
    record = await load_idea(uow.session, idea_id)
    if record is None or citizen_id not in record.author_ids:
        raise IdeaNotFound(idea_id, detail=f"You have no idea {idea_id}.")
    return record
