"""Every lifecycle outcome's rule, as the handlers fire it, on real databases."""

from __future__ import annotations

from typing import Any

import pytest
from reward_testkit import (
    adopted,
    commented,
    decided,
    experiment_completed,
    experiment_started,
    grants,
    handle,
    idea,
    implemented,
    ledger_entries,
    outbox_events,
    submitted,
    supported,
)

from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_contracts.events.reward import PointsAwarded, RewardGranted
from ideapaja_reward.db.models import LedgerEntry
from ideapaja_reward.domain import RuleSet, entry_id
from ideapaja_reward.handlers import RewardHandlers
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import RetryLater

AUTHORS = ("p-1001", "p-1002")
EVERY_OUTCOME: dict[str, Any] = {
    "points": {
        "submitted": 5,
        "accepted": 50,
        "experiment_started": 20,
        "experiment_scaled": 30,
        "implemented": 100,
        "practice_adopted": 40,
        "support_received": 2,
        "comment_answered": 3,
    },
    "unit_points": {"practice_adopted": 60},
}


def handlers_for(rules: dict[str, Any]) -> RewardHandlers:
    return RewardHandlers(RuleSet.parse(rules))


def credited(entries: list[LedgerEntry], rule: str) -> list[tuple[str, int]]:
    """(who, points) of ``rule``'s entries, sorted; a unit's own entry as ``unit:<unit_id>``."""
    return sorted((e.person_id or f"unit:{e.unit_id}", e.points) for e in entries if e.rule == rule)


async def test_each_outcome_after_acceptance_pays_each_author_once(reward_db: Database) -> None:
    handlers = handlers_for(EVERY_OUTCOME)
    event = submitted(authors=AUTHORS)
    idea_id = event.idea_id
    steps: list[tuple[Any, Any]] = [
        (handlers.on_idea_submitted, event),
        (handlers.on_review_decided, decided(idea_id)),
        (handlers.on_experiment_started, experiment_started(idea_id, "x-1")),
        (handlers.on_experiment_completed, experiment_completed(idea_id, ExperimentOutcome.ADJUST)),
        # A second pilot after adjusting: the experiment rule has already paid.
        (handlers.on_experiment_started, experiment_started(idea_id, "x-2")),
        (handlers.on_experiment_completed, experiment_completed(idea_id, experiment_id="x-2")),
        (handlers.on_implementation_completed, implemented(idea_id)),
    ]
    for handler, step in steps:
        await handle(reward_db, handler, step)

    entries = await ledger_entries(reward_db)
    for rule, points in [("experiment_started", 20), ("experiment_scaled", 30)]:
        assert credited(entries, rule) == [("p-1001", points), ("p-1002", points)]
    assert {e.rule_version for e in entries} == {1}
    known = await idea(reward_db, idea_id)
    assert known is not None
    assert known.experiment_started_at is not None and known.experiment_scaled_at is not None

    codes = {g["reason_code"] for g in await outbox_events(reward_db, RewardGranted)}
    assert codes == {
        "idea_submitted",
        "idea_accepted",
        "idea_experiment_started",
        "idea_experiment_scaled",
        "idea_implemented",
    }
    awarded = await outbox_events(reward_db, PointsAwarded)
    assert {a["rule_version"] for a in awarded} == {1}


@pytest.mark.parametrize("outcome", [ExperimentOutcome.ADJUST, ExperimentOutcome.STOP])
async def test_an_experiment_not_scaled_pays_nothing_and_needs_no_idea(
    sqlite_reward_db: Database, outcome: ExperimentOutcome
) -> None:
    handlers = handlers_for(EVERY_OUTCOME)
    await handle(
        sqlite_reward_db, handlers.on_experiment_completed, experiment_completed("i-x", outcome)
    )
    assert await ledger_entries(sqlite_reward_db) == []


async def test_an_adoption_by_another_unit_pays_the_authors_and_the_unit(
    reward_db: Database,
) -> None:
    handlers = handlers_for(EVERY_OUTCOME)
    event = submitted(authors=AUTHORS, unit_id="u-kirjasto")
    await handle(reward_db, handlers.on_idea_submitted, event)
    # The idea's own unit taking it up is no spread.
    await handle(reward_db, handlers.on_practice_adopted, adopted(event.idea_id, "u-kirjasto"))
    assert credited(await ledger_entries(reward_db), "practice_adopted") == []

    spread = adopted(event.idea_id, "u-uimahalli")
    await handle(reward_db, handlers.on_practice_adopted, spread)
    await handle(reward_db, handlers.on_practice_adopted, spread)  # re-published: nothing more
    await handle(reward_db, handlers.on_practice_adopted, adopted(event.idea_id, "u-nuoriso"))

    entries = [e for e in await ledger_entries(reward_db) if e.rule == "practice_adopted"]
    # Two adopting units: the authors and the idea's own unit earn for each.
    assert credited(entries, "practice_adopted") == [
        ("p-1001", 40),
        ("p-1001", 40),
        ("p-1002", 40),
        ("p-1002", 40),
        ("unit:u-kirjasto", 60),
        ("unit:u-kirjasto", 60),
    ]
    # No grant goes to payroll for a unit's points, and they are not announced as a person's.
    unit_entries = {e.entry_id for e in entries if e.person_id is None}
    assert not unit_entries & {g.ledger_entry_id for g in await grants(reward_db)}
    awarded = await outbox_events(reward_db, PointsAwarded)
    assert not unit_entries & {a["entry_id"] for a in awarded}


async def test_supports_pay_the_authors_once_per_supporter_up_to_the_cap(
    reward_db: Database,
) -> None:
    rules = {**EVERY_OUTCOME, "cap_per_idea": {"support_received": 5}}
    handlers = handlers_for(rules)
    event = submitted(authors=AUTHORS)
    await handle(reward_db, handlers.on_idea_submitted, event)
    for supporter in ["p-2001", "p-2002", "p-2001", "p-1002", "p-2003", "p-2004"]:
        await handle(reward_db, handlers.on_idea_supported, supported(event.idea_id, supporter))
    await handle(
        reward_db, handlers.on_idea_supported, supported(event.idea_id, "p-2005", withdrawn=True)
    )

    entries = [e for e in await ledger_entries(reward_db) if e.rule == "support_received"]
    for author in AUTHORS:
        mine = sorted(
            ((e.points, e.capped_from) for e in entries if e.person_id == author), reverse=True
        )
        # Four supporters (the author's own support, a repeat and a withdrawal earn nothing):
        # 2 + 2 + 1 (cut from 2) + 0 (cut from 2): never more than the cap of 5.
        assert mine == [(2, None), (2, None), (1, 2), (0, 2)]
    # A cut to 0 is recorded, but granted and announced to nobody.
    paid = {e.entry_id for e in entries if e.points > 0}
    granted = {
        g.ledger_entry_id for g in await grants(reward_db) if g.origin.endswith("support_received")
    }
    assert granted == paid
    assert entry_id(event.idea_id, "p-1001", "support_received", "p-2001") in paid


async def test_an_author_answering_someone_elses_comment_earns_it(
    sqlite_reward_db: Database,
) -> None:
    handlers = handlers_for(EVERY_OUTCOME)
    event = submitted(authors=AUTHORS)
    idea_id = event.idea_id
    for step in [
        commented(idea_id, "p-1001", "c-0"),  # an author's own first comment answers nothing
        commented(idea_id, "p-2001", "c-1"),
        commented(idea_id, "p-1002", "c-2", hidden=True),  # hidden: counts neither way
        commented(idea_id, "p-1002", "c-3"),  # answers c-1
        commented(idea_id, "p-1001", "c-4"),  # nothing new to answer
        commented(idea_id, "p-2002", "c-5", hidden=True),
        commented(idea_id, "p-1001", "c-6"),
    ]:
        if step.comment_id == "c-0":
            await handle(sqlite_reward_db, handlers.on_idea_submitted, event)
        await handle(sqlite_reward_db, handlers.on_idea_commented, step)
    entries = await ledger_entries(sqlite_reward_db)
    assert credited(entries, "comment_answered") == [("p-1002", 3)]
    [answer] = [e for e in entries if e.rule == "comment_answered"]
    assert answer.source_key == f"{idea_id}|p-1002|comment_answered|c-3"


@pytest.mark.parametrize(
    ("handler_name", "make"),
    [
        ("on_experiment_started", lambda i: experiment_started(i)),
        ("on_practice_adopted", lambda i: adopted(i, "u-muu")),
        ("on_idea_supported", lambda i: supported(i, "p-2001")),
        ("on_idea_commented", lambda i: commented(i, "p-2001")),
    ],
)
async def test_a_new_outcome_before_its_idea_is_retried_later(
    sqlite_reward_db: Database, handler_name: str, make: Any
) -> None:
    handlers = handlers_for(EVERY_OUTCOME)
    with pytest.raises(RetryLater, match="i-later"):
        await handle(sqlite_reward_db, getattr(handlers, handler_name), make("i-later"))


async def test_supports_need_no_idea_while_their_rule_is_off(sqlite_reward_db: Database) -> None:
    handlers = RewardHandlers(RuleSet.default())
    await handle(sqlite_reward_db, handlers.on_idea_supported, supported("i-unknown", "p-2001"))
    assert await ledger_entries(sqlite_reward_db) == []


async def test_anonymous_authors_are_credited(sqlite_reward_db: Database) -> None:
    handlers = handlers_for(EVERY_OUTCOME)
    event = submitted(authors=AUTHORS, anonymous=True)
    await handle(sqlite_reward_db, handlers.on_idea_submitted, event)
    await handle(sqlite_reward_db, handlers.on_idea_supported, supported(event.idea_id, "p-2001"))
    assert credited(await ledger_entries(sqlite_reward_db), "support_received") == [
        ("p-1001", 2),
        ("p-1002", 2),
    ]
