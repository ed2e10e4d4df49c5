"""Lifecycle outcomes into rewards: the idea projection, and which outcome an event is for whom.

``cause`` is the event that earned the award (its id and time are stored with every entry and
grant); ``rules`` the incentive rules in force (``usecases.rulebook``), whose version every
entry records. The ledger writing is in ``usecases.ledger``.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from ideapaja_contracts import Envelope
from ideapaja_contracts.events.idea import IdeaCommented, IdeaSubmitted, IdeaSupported, IdeaUpdated
from ideapaja_contracts.events.progress import PracticeAdopted
from ideapaja_reward.db import ideas
from ideapaja_reward.db.ideas import StoredIdea
from ideapaja_reward.domain import Outcome, TeamMode, VersionedRules
from ideapaja_reward.usecases.ledger import Firing, reward_authors, reward_unit
from ideapaja_runtime.messaging import RetryLater
from ideapaja_runtime.uow import UnitOfWork


async def known_idea(uow: UnitOfWork[Any], idea_id: str, what: str) -> StoredIdea:
    idea = await ideas.find(uow.session, idea_id)
    if idea is None:
        # The authors come from IdeaSubmitted, on another consumer; it will arrive.
        raise RetryLater(f"{what} for idea {idea_id} before its IdeaSubmitted")
    return idea


async def idea_submitted(
    uow: UnitOfWork[Any], rules: VersionedRules, event: IdeaSubmitted, cause: Envelope
) -> None:
    """Remember the idea (a repeated submission keeps what was first recorded) and reward its
    authors for submitting it."""
    authors = list(event.author_ids)
    values = {
        "idea_id": event.idea_id,
        "title": event.title,
        "unit_id": event.unit_id,
        "author_ids": authors,
        "anonymous": event.anonymous,
        "submitted_at": cause.time.astimezone(UTC),
    }
    if await ideas.insert_new(uow.session, values):
        idea = StoredIdea(idea_id=event.idea_id, unit_id=event.unit_id, author_ids=authors)
    else:
        stored = await ideas.find(uow.session, event.idea_id)
        assert stored is not None  # the insert found it there, and ideas are never deleted
        idea = stored
    await reward_authors(uow, Firing(idea, Outcome.SUBMITTED, rules, cause), idea.author_ids)


# The outcomes an idea reaches once after its submission: the projection's column stamping when,
# and the event that tells it (named when that event overtakes the submission).
_REACHED: dict[Outcome, tuple[str, str]] = {
    Outcome.ACCEPTED: ("accepted_at", "ReviewDecided"),
    Outcome.EXPERIMENT_STARTED: ("experiment_started_at", "ExperimentStarted"),
    Outcome.EXPERIMENT_SCALED: ("experiment_scaled_at", "ExperimentCompleted"),
    Outcome.IMPLEMENTED: ("implemented_at", "ImplementationCompleted"),
}


async def authors_confirmed(
    uow: UnitOfWork[Any], rules: VersionedRules, event: IdeaUpdated, cause: Envelope
) -> None:
    """A co-author who confirmed after submission earns what the idea has earned so far by the
    rules paid once per idea (with shared points; split points were divided among the authors
    of the time), and later rules through the stored authors. Authors are never removed from the
    projection: points already credited stay credited."""
    if event.author_ids is None:
        return
    idea = await known_idea(uow, event.idea_id, "IdeaUpdated")
    newcomers = [p for p in dict.fromkeys(event.author_ids) if p not in idea.author_ids]
    if not newcomers:
        return
    await ideas.change(uow.session, idea.idea_id, author_ids=[*idea.author_ids, *newcomers])
    if rules.rules.team_mode is TeamMode.SPLIT:
        return
    reached = [Outcome.SUBMITTED]
    reached += [o for o, (stamp, _) in _REACHED.items() if getattr(idea, stamp) is not None]
    for outcome in reached:
        await reward_authors(uow, Firing(idea, outcome, rules, cause), newcomers)


async def outcome_reached(
    uow: UnitOfWork[Any],
    rules: VersionedRules,
    idea_id: str,
    outcome: Outcome,
    cause: Envelope,
) -> None:
    """The idea was accepted, piloted, scaled or implemented: stamp when (the first time) and
    reward its authors (once per idea)."""
    stamp, told_by = _REACHED[outcome]
    idea = await known_idea(uow, idea_id, told_by)
    if getattr(idea, stamp) is None:
        await ideas.change(uow.session, idea_id, **{stamp: cause.time.astimezone(UTC)})
    await reward_authors(uow, Firing(idea, outcome, rules, cause), idea.author_ids)


async def practice_adopted(
    uow: UnitOfWork[Any], rules: VersionedRules, event: PracticeAdopted, cause: Envelope
) -> None:
    """Another unit adopted the idea's practice: its authors and its own unit earn, once per
    adopting unit. The idea's own unit taking it up is not a spread and earns nothing."""
    idea = await known_idea(uow, event.idea_id, "PracticeAdopted")
    if event.adopting_unit_id == idea.unit_id:
        return
    firing = Firing(idea, Outcome.PRACTICE_ADOPTED, rules, cause, detail=event.adopting_unit_id)
    await reward_authors(uow, firing, idea.author_ids)
    await reward_unit(uow, firing)


async def idea_supported(
    uow: UnitOfWork[Any], rules: VersionedRules, event: IdeaSupported, cause: Envelope
) -> None:
    """A colleague's support earns the authors points, once per supporter (supporting again
    after withdrawing earns nothing more) and up to the per-idea cap. A withdrawal takes nothing
    back; authors supporting their own idea earn nothing."""
    if event.withdrawn or rules.rules.points_for(Outcome.SUPPORT_RECEIVED) <= 0:
        return
    idea = await known_idea(uow, event.idea_id, "IdeaSupported")
    if event.supporter_id in idea.author_ids:
        return
    firing = Firing(idea, Outcome.SUPPORT_RECEIVED, rules, cause, detail=event.supporter_id)
    await reward_authors(uow, firing, idea.author_ids)


async def idea_commented(
    uow: UnitOfWork[Any], rules: VersionedRules, event: IdeaCommented, cause: Envelope
) -> None:
    """Someone else's comment waits for an answer; the first author to comment after it earns
    the answer's points (they alone, whatever the team mode), up to the per-idea cap. Hidden
    comments count neither way."""
    if event.hidden:
        return
    idea = await known_idea(uow, event.idea_id, "IdeaCommented")
    if event.commenter_id not in idea.author_ids:
        await ideas.change(uow.session, idea.idea_id, unanswered_comment_id=event.comment_id)
        return
    if idea.unanswered_comment_id is None:
        return
    await ideas.change(uow.session, idea.idea_id, unanswered_comment_id=None)
    firing = Firing(idea, Outcome.COMMENT_ANSWERED, rules, cause, detail=event.comment_id)
    await reward_authors(uow, firing, [event.commenter_id])
