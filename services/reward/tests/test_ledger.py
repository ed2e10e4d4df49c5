"""Writing the ledger: caps, split team points, rule versions, on real databases."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reward_testkit import (
    adopted,
    decided,
    grants,
    handle,
    implemented,
    ledger_entries,
    new_rules,
    outbox_events,
    reward_settings,
    submitted,
    supported,
)
from sqlalchemy import text

from ideapaja_contracts.events.idea import IdeaUpdated
from ideapaja_contracts.events.reward import PointsAwarded, RewardGranted
from ideapaja_reward.domain import RuleSet
from ideapaja_reward.handlers import RewardHandlers
from ideapaja_reward.usecases import corrections, reads
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.db import Database
from ideapaja_runtime.errors import InvalidInput
from ideapaja_runtime.pagination import PageRequest
from ideapaja_runtime.testing_units import uow_in

TEAM = ("p-1001", "p-1002", "p-1003")
SPLIT: dict[str, Any] = {
    "points": {"submitted": 10, "accepted": 50, "implemented": 100},
    "team_mode": "split",
}


def confirmed(event: Any, authors: list[str]) -> IdeaUpdated:
    return IdeaUpdated(
        idea_id=event.idea_id,
        revision=2,
        title=event.title,
        problem=event.problem,
        solution=event.solution,
        edited_by=authors[-1],
        author_ids=authors,
    )


async def test_a_persons_cap_cuts_what_the_period_would_exceed(reward_db: Database) -> None:
    handlers = RewardHandlers(
        RuleSet.parse(
            {
                "points": {"submitted": 5, "accepted": 50, "implemented": 100},
                "cap_per_person": {"period": "month", "points": 60},
            }
        )
    )
    first = submitted(authors=["p-1001"])
    second = submitted(authors=["p-1001", "p-1002"])
    await handle(reward_db, handlers.on_idea_submitted, first)
    await handle(reward_db, handlers.on_review_decided, decided(first.idea_id))
    await handle(reward_db, handlers.on_implementation_completed, implemented(first.idea_id))
    await handle(reward_db, handlers.on_idea_submitted, second)

    entries = {(e.idea_id, e.person_id, e.rule): e for e in await ledger_entries(reward_db)}
    capped = entries[first.idea_id, "p-1001", "implemented"]
    assert (capped.points, capped.capped_from) == (5, 100)
    spent = entries[second.idea_id, "p-1001", "submitted"]
    assert (spent.points, spent.capped_from) == (0, 5)
    # The co-author's month is untouched by p-1001's.
    other = entries[second.idea_id, "p-1002", "submitted"]
    assert (other.points, other.capped_from) == (5, None)
    assert sum(e.points for e in entries.values() if e.person_id == "p-1001") == 60

    # The entry cut to 0 is recorded and found again on a replay, but neither granted nor
    # announced.
    await handle(reward_db, handlers.on_idea_submitted, second)
    assert len(await ledger_entries(reward_db)) == len(entries)
    granted = {g["grant_id"] for g in await outbox_events(reward_db, RewardGranted)}
    assert len(granted) == len(await grants(reward_db)) == len(entries) - 1
    assert len(await outbox_events(reward_db, PointsAwarded)) == len(entries) - 1


async def test_split_team_points_add_up_to_the_rule(reward_db: Database) -> None:
    handlers = RewardHandlers(RuleSet.parse(SPLIT))
    event = submitted(authors=TEAM)
    await handle(reward_db, handlers.on_idea_submitted, event)
    await handle(reward_db, handlers.on_review_decided, decided(event.idea_id))
    # A co-author confirming later shares in what comes next only: what was split stays split.
    await handle(reward_db, handlers.on_idea_updated, confirmed(event, [*TEAM, "p-1004"]))
    # ... even when the decision is re-published after they joined.
    await handle(reward_db, handlers.on_review_decided, decided(event.idea_id))
    await handle(reward_db, handlers.on_implementation_completed, implemented(event.idea_id))

    entries = await ledger_entries(reward_db)
    by_rule: dict[str, list[int]] = {}
    for entry in entries:
        by_rule.setdefault(entry.rule, []).append(entry.points)
    assert {rule: sum(points) for rule, points in by_rule.items()} == {
        "submitted": 10,
        "accepted": 50,
        "implemented": 100,
    }
    assert len(by_rule["accepted"]) == 3
    assert sorted(by_rule["implemented"]) == [25, 25, 25, 25]
    assert sorted(by_rule["submitted"]) == [3, 3, 4]


async def test_a_rule_change_applies_from_then_on_and_rewrites_nothing(
    reward_db: Database,
) -> None:
    handlers = RewardHandlers(RuleSet.default())
    before = submitted(authors=["p-1001"])
    await handle(reward_db, handlers.on_idea_submitted, before)
    version = await new_rules(reward_db, {"points": {"submitted": 7, "accepted": 70}})
    assert version.version == 2
    after = submitted(authors=["p-1001"])
    await handle(reward_db, handlers.on_idea_submitted, after)
    await handle(reward_db, handlers.on_review_decided, decided(before.idea_id))
    # A replay of the first submission under the new rules changes nothing either.
    await handle(reward_db, handlers.on_idea_submitted, before)

    entries = sorted(
        (e.idea_id == before.idea_id, e.rule, e.points, e.rule_version)
        for e in await ledger_entries(reward_db)
    )
    assert entries == [
        (False, "submitted", 7, 2),
        (True, "accepted", 70, 2),
        (True, "submitted", 5, 1),
    ]


# --- balances are the sum of the ledger (property) ----------------------------------------------

PEOPLE = ["p-1001", "p-1002", "p-1003"]
HR = Principal("p-hr", frozenset({"hr"}), frozenset())
happenings = st.lists(
    st.tuples(
        st.sampled_from(["submit", "accept", "support", "adopt", "correct"]),
        st.integers(min_value=0, max_value=3),  # which idea
        st.sampled_from(PEOPLE),  # a co-author, supporter or corrected person
        st.integers(min_value=-60, max_value=60).filter(bool),  # a correction's points
    ),
    max_size=25,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(happenings, st.sampled_from(["shared", "split"]), st.sampled_from([None, 70]))
async def test_balances_are_always_the_sum_of_the_entries(
    sqlite_reward_db: Database, steps: list[tuple[str, int, str, int]], team: str, cap: int | None
) -> None:
    db = sqlite_reward_db
    async with db.transaction() as session:  # every example starts from an empty ledger
        for table in (
            "points_ledger",
            "reward_grants",
            "reward_ideas",
            "reward_rule_versions",
            "outbox",
        ):
            await session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
    rules: dict[str, Any] = {
        "points": {"submitted": 5, "accepted": 50, "support_received": 3, "practice_adopted": 7},
        "unit_points": {"practice_adopted": 11},
        "team_mode": team,
        "cap_per_idea": {"support_received": 7},
    }
    if cap is not None:
        rules["cap_per_person"] = {"period": "month", "points": cap}
    handlers = RewardHandlers(RuleSet.parse(rules))
    ideas = [submitted(f"i-prop-{n}", authors=["p-1001"], unit_id=f"u-{n}") for n in range(4)]
    known: set[int] = set()
    for kind, n, person, points in steps:
        event = ideas[n]
        if kind == "submit":
            await handle(db, handlers.on_idea_submitted, event)
            await handle(db, handlers.on_idea_updated, confirmed(event, ["p-1001", person]))
            known.add(n)
        elif n not in known:
            continue
        elif kind == "accept":
            await handle(db, handlers.on_review_decided, decided(event.idea_id))
        elif kind == "support":
            await handle(db, handlers.on_idea_supported, supported(event.idea_id, person))
        elif kind == "adopt":
            await handle(db, handlers.on_practice_adopted, adopted(event.idea_id, "u-muu"))
        else:
            async with db.transaction() as session:
                with contextlib.suppress(InvalidInput):  # not an author of that idea
                    await corrections.correct(
                        uow_in(session, reward_settings(), actor=HR),
                        person_id=person,
                        points=points,
                        reason="testi",
                        idea_id=event.idea_id,
                    )

    entries = await ledger_entries(db)
    async with db.transaction() as session:
        uow = uow_in(session, reward_settings(), actor=HR)
        for person in PEOPLE:
            first = await reads.person_ledger(uow, person, PageRequest(limit=2))
            listed, page = list(first.items), first
            while page.next_cursor is not None:
                page = await reads.person_ledger(
                    uow, person, PageRequest(limit=2, cursor=page.next_cursor)
                )
                listed += page.items
                assert page.total_points == first.total_points
            mine = [e.points for e in entries if e.person_id == person]
            assert first.total_points == sum(mine) == sum(e.points for e in listed)
            assert len(listed) == first.total == len(mine)
        for n in range(4):
            unit = await reads.unit_ledger(uow, f"u-{n}", PageRequest(limit=100))
            own = [e.points for e in entries if e.person_id is None and e.unit_id == f"u-{n}"]
            assert unit.total_points == sum(own) == sum(e.points for e in unit.items)
