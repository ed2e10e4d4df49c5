"""Correcting the ledger: never an edit, always a compensating entry with its reason and actor.

A correction is about an idea: the entry it corrects (the person's own, from which it takes
back at most what that entry still credits) or an idea the person is an author of. It is
announced as ``PointsAwarded`` (rule ``correction``); it is no reward, so no grant is made and no
``RewardGranted`` goes to HR/payroll or to the person's inbox.
"""

from __future__ import annotations

import uuid
from typing import Any

from ideapaja_reward.db.models import LedgerEntry, RewardIdea
from ideapaja_reward.db.queries import points_sum
from ideapaja_reward.domain import CORRECTION
from ideapaja_reward.domain.rules import REASONS
from ideapaja_reward.usecases.ledger import announce_points
from ideapaja_runtime.errors import InvalidInput, NotFound
from ideapaja_runtime.uow import UnitOfWork


async def correct(
    uow: UnitOfWork[Any],
    *,
    person_id: str,
    points: int,
    reason: str,
    entry_id: str | None = None,
    idea_id: str | None = None,
) -> LedgerEntry:
    """Append a correction of ``points`` (signed, non-zero) to ``person_id``'s ledger."""
    session = uow.session
    if entry_id is not None:
        corrected = await _corrected_entry(uow, entry_id, person_id, points)
        if idea_id is not None and idea_id != corrected.idea_id:
            raise InvalidInput(
                "idea_id", f"the entry corrected is about idea {corrected.idea_id}, not {idea_id}"
            )
        idea_id = corrected.idea_id
    if idea_id is None:
        raise InvalidInput(
            "idea_id",
            "a correction names the entry it corrects (entry_id) or the idea it is about",
            kind="missing",
        )
    idea = await session.get(RewardIdea, idea_id)
    if idea is None:
        raise NotFound(f"No idea {idea_id} is known to the reward service")
    if entry_id is None and person_id not in idea.author_ids:
        raise InvalidInput(
            "person_id", f"{person_id} is not an author of idea {idea_id}; correct their own"
        )
    new_id = "pc-" + uuid.uuid4().hex[:24]
    entry = LedgerEntry(
        entry_id=new_id,
        source_key=f"{CORRECTION}|{new_id}",
        idea_id=idea.idea_id,
        person_id=person_id,
        unit_id=idea.unit_id,
        rule=CORRECTION,
        rule_version=None,
        points=points,
        reason=REASONS[CORRECTION],
        note=reason,
        actor_id=uow.person.person_id,
        corrects_entry_id=entry_id,
        cause_event_id=new_id,
        occurred_at=uow.now,
        created_at=uow.now,
    )
    session.add(entry)
    await session.flush()
    await announce_points(uow, entry)
    return entry


async def _corrected_entry(
    uow: UnitOfWork[Any], entry_id: str, person_id: str, points: int
) -> LedgerEntry:
    """The person's entry ``entry_id``, if the correction may take ``points`` from it."""
    session = uow.session
    corrected = await session.get(LedgerEntry, entry_id)
    if corrected is None:
        raise NotFound(f"No ledger entry {entry_id}")
    if corrected.person_id != person_id:
        raise InvalidInput("entry_id", f"entry {entry_id} is not {person_id}'s")
    still = corrected.points + await points_sum(session, LedgerEntry.corrects_entry_id == entry_id)
    if still + points < 0:
        raise InvalidInput(
            "points",
            f"a correction takes back at most what entry {entry_id} still credits ({still})",
        )
    return corrected
