"""The rules' versions as the use cases keep them, on real databases."""

from __future__ import annotations

import asyncio

import pytest
from reward_testkit import ADMIN, new_rules, reward_settings

from ideapaja_reward.domain import Outcome, RuleSet
from ideapaja_reward.usecases import rulebook
from ideapaja_runtime.db import Database
from ideapaja_runtime.errors import Conflict
from ideapaja_runtime.testing_units import uow_in


async def test_the_seed_is_version_1_once(reward_db: Database) -> None:
    for seed in (RuleSet.default(), RuleSet.from_setting({"accepted": 1})):
        async with reward_db.transaction() as session:
            rules = await rulebook.in_force(uow_in(session, reward_settings()), seed)
        # The second seed is not read: version 1 is already stored.
        assert (rules.version, rules.rules) == (1, RuleSet.default())


async def test_two_admins_saving_at_once_get_one_version_and_a_conflict(
    reward_db: Database,
) -> None:
    """PostgreSQL: the second admin's version waits for the first one's and is refused."""
    if reward_db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time: saves cannot overlap")
    await new_rules(reward_db, {"points": {"accepted": 10}})  # version 2
    async with reward_db.transaction() as session:
        first = uow_in(session, reward_settings(), actor=ADMIN)
        await rulebook.new_version(first, RuleSet.from_setting({"accepted": 20}), "first")
        second = asyncio.create_task(new_rules(reward_db, {"points": {"accepted": 30}}))
        await asyncio.sleep(0.3)  # the second reaches its insert (not an assertion)
    with pytest.raises(Conflict, match="Version 3"):
        await second
    async with reward_db.transaction() as session:
        rules = await rulebook.in_force(uow_in(session, reward_settings()), RuleSet.default())
    assert (rules.version, rules.rules.points_for(Outcome.ACCEPTED)) == (3, 20)
