"""Writing the points ledger: an outcome's awards (caps applied), their grants and the events
announcing them.

Everything here runs in the caller's unit of work, so a ledger entry, its grant and their events
are committed together or not at all. Each entry's id is derived from its source key (the idea,
who earns, the rule and, for rules paid per event, what made this one), so an award already in
the ledger is skipped however its event came again; should two deliveries race past that check,
the unique keys fail the later transaction, whose redelivery then skips.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ideapaja_contracts import Envelope
from ideapaja_contracts.events.reward import PointsAwarded, RewardKind
from ideapaja_reward.db import ledger as stored
from ideapaja_reward.db.ideas import StoredIdea
from ideapaja_reward.db.ledger import NewEntry, NewGrant
from ideapaja_reward.db.models import LedgerEntry
from ideapaja_reward.db.org import units_of_transaction
from ideapaja_reward.domain import (
    Award,
    Earned,
    Outcome,
    VersionedRules,
    award,
    entry_id,
    grant_id,
    period_bounds,
    shares,
    source_key,
)
from ideapaja_reward.domain.engine import needs_earned, unit_award
from ideapaja_reward.domain.ids import unit_holder
from ideapaja_reward.domain.org import department_of
from ideapaja_reward.domain.rules import RULE_ORIGIN, TeamMode, reason_code
from ideapaja_reward.usecases.payroll import granted_event
from ideapaja_runtime.uow import UnitOfWork


@dataclass(frozen=True)
class Firing:
    """An outcome that happened for an idea: the rules in force, the event that told it and,
    for rules paid per event, what made this one (the supporter, the answer, the adopter)."""

    idea: StoredIdea
    outcome: Outcome
    rules: VersionedRules
    cause: Envelope
    detail: str | None = None

    @property
    def occurred_at(self) -> datetime:
        return self.cause.time.astimezone(UTC)

    def key(self, holder: str) -> str:
        return source_key(self.idea.idea_id, holder, self.outcome.value, self.detail)

    def entry_id(self, holder: str) -> str:
        return entry_id(self.idea.idea_id, holder, self.outcome.value, self.detail)


async def reward_authors(uow: UnitOfWork[Any], firing: Firing, authors: Iterable[str]) -> None:
    """Each author's share of the outcome's points (by the team mode), capped, once each.

    Split points are divided once: if any author's share of this firing is in the ledger, it was
    divided then (among the authors of that time) and nobody gets another share."""
    rules = firing.rules.rules
    split_key = firing.key("team")
    people = shares(rules, firing.outcome, authors, split_key)
    if not people:
        return
    ids = {person: firing.entry_id(person) for person, _ in people}
    done = await stored.entries_among(uow.session, ids.values())
    if done and rules.team_mode is TeamMode.SPLIT:
        return
    for person, share in people:
        if ids[person] in done:
            continue
        earned = (
            await _earned(uow, firing, person) if needs_earned(rules, firing.outcome) else Earned()
        )
        await _credit(uow, firing, award(rules, firing.outcome, person, share, earned))


async def reward_unit(uow: UnitOfWork[Any], firing: Firing) -> None:
    """The idea's unit's own points for the outcome, once."""
    awarded = unit_award(firing.rules.rules, firing.outcome)
    if awarded is None:
        return
    if await stored.entries_among(uow.session, [firing.entry_id(unit_holder(firing.idea.unit_id))]):
        return
    await _credit(uow, firing, awarded)


async def _earned(uow: UnitOfWork[Any], firing: Firing, person_id: str) -> Earned:
    """What ``person_id`` has earned from the rules in the cap's period (the one the outcome
    falls in) and from this idea by this rule."""
    rules = firing.rules.rules
    session = uow.session
    in_period = on_idea = 0
    if rules.cap_per_person is not None:
        start, end = period_bounds(rules.cap_per_person.period, firing.occurred_at)
        in_period = await stored.points_by_rules(
            session, person_id, start.astimezone(UTC), end.astimezone(UTC)
        )
    if rules.idea_cap(firing.outcome) is not None:
        on_idea = await stored.points_on_idea(
            session, firing.idea.idea_id, person_id, firing.outcome.value
        )
    return Earned(in_period=in_period, on_idea=on_idea)


async def _credit(uow: UnitOfWork[Any], firing: Firing, awarded: Award) -> None:
    """Append the award's entry; a person's award of more than 0 points also gets its grant,
    and both are announced. A unit's entry, and one a cap cut to 0, are only recorded."""
    idea = firing.idea
    holder = awarded.person_id or unit_holder(idea.unit_id)
    entry = NewEntry(
        entry_id=firing.entry_id(holder),
        source_key=firing.key(holder),
        idea_id=idea.idea_id,
        person_id=awarded.person_id,
        unit_id=idea.unit_id,
        rule=awarded.rule.value,
        rule_version=firing.rules.version,
        points=awarded.points,
        capped_from=awarded.capped_from,
        reason=awarded.reason,
        cause_event_id=firing.cause.id,
        occurred_at=firing.occurred_at,
        created_at=uow.now,
    )
    if awarded.person_id is None or awarded.points <= 0:
        await stored.append(uow.session, entry, None)
        return
    grant = NewGrant(
        grant_id=grant_id(idea.idea_id, awarded.person_id, awarded.rule.value, firing.detail),
        idea_id=idea.idea_id,
        person_id=awarded.person_id,
        origin=f"{RULE_ORIGIN}{awarded.rule.value}",
        kind=RewardKind.POINTS.value,
        amount_cents=0,
        currency=None,
        points=awarded.points,
        reason=awarded.reason,
        ledger_entry_id=entry.entry_id,
        cause_event_id=firing.cause.id,
        granted_at=uow.now,
        # The cost centre payroll books the grant under (points are not taxable).
        unit_id=idea.unit_id,
        department_id=department_of(idea.unit_id, await units_of_transaction(uow.session)),
        taxable=False,
    )
    await stored.append(uow.session, entry, grant)
    # Both announcements in one outbox insert; the entry's and the grant's ids are their event
    # ids (see ``announce_points``).
    reason = reason_code(awarded.rule)  # what the grant's origin, rule:<rule>, maps to
    await uow.publish_all(
        [
            (points_awarded(entry), entry.entry_id),
            (granted_event(uow.settings, grant, reason), grant.grant_id),
        ]
    )


async def announce_points(uow: UnitOfWork[Any], entry: LedgerEntry | NewEntry) -> None:
    # The entry and grant ids double as event ids: a duplicate can then never look new, neither
    # to JetStream's duplicate window nor to a consumer's inbox.
    await uow.publish(points_awarded(entry), event_id=entry.entry_id)


def points_awarded(entry: LedgerEntry | NewEntry) -> PointsAwarded:
    """``PointsAwarded`` for a person's ledger entry; published with the entry's id."""
    assert entry.person_id is not None  # units' entries are not announced
    return PointsAwarded(
        idea_id=entry.idea_id,
        entry_id=entry.entry_id,
        person_id=entry.person_id,
        unit_id=entry.unit_id,
        points=entry.points,
        rule=entry.rule,
        rule_version=entry.rule_version,
        corrects_entry_id=entry.corrects_entry_id,
    )
