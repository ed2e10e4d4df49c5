"""The incentive rules' versions: the one in force, every version kept, and an admin's new one.

Versions are only added, never changed: a ledger entry records the version that computed it, so
a rule change never rewrites what was earned before. The settings' rules become version 1 the
first time the rules are needed and the table is empty (``created_by`` "settings").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ideapaja_reward.db.models import RuleVersion
from ideapaja_reward.domain import RuleSet, VersionedRules
from ideapaja_reward.settings import RewardSettings
from ideapaja_runtime.errors import Conflict
from ideapaja_runtime.pagination import PageRequest, paginate
from ideapaja_runtime.uow import UnitOfWork

SEEDED_BY = "settings"
SEED_REASON = "The first version, from the service's settings (IDEAPAJA_REWARD_POINTS_RULES)"
# The rules read once per transaction (a consumer's batch, a request) are kept on its session.
_IN_FORCE = "reward.rules_in_force"


async def in_force(uow: UnitOfWork[Any], seed: RuleSet) -> VersionedRules:
    """The newest version (seeding version 1 from ``seed`` when there is none yet)."""
    info = uow.session.info
    known = info.get(_IN_FORCE)
    if isinstance(known, VersionedRules):
        return known
    row = await _newest(uow)
    if row is None:
        row = await _seed(uow, seed)
    rules = VersionedRules(row.version, RuleSet.model_validate(row.rules))
    info[_IN_FORCE] = rules
    return rules


async def current_version(uow: UnitOfWork[RewardSettings]) -> RuleVersion:
    """The version in force, as stored (who made it, when, why)."""
    rules = await in_force(uow, uow.settings.seed_rules)
    row = await uow.session.get(RuleVersion, rules.version)
    assert row is not None  # read (or written) just now, in this transaction
    return row


async def versions(
    uow: UnitOfWork[RewardSettings], page: PageRequest
) -> tuple[list[RuleVersion], int, str | None]:
    """Every version, newest first."""
    await in_force(uow, uow.settings.seed_rules)
    rows, total, next_cursor = await paginate(
        uow.session, select(RuleVersion), keys=[RuleVersion.version.expression], page=page
    )
    return list(rows), total, next_cursor


async def new_version(
    uow: UnitOfWork[RewardSettings], rules: RuleSet, reason: str, *, based_on: int | None = None
) -> RuleVersion:
    """``rules`` in force from now on, as the next version, with who and why. Entries already
    in the ledger keep the version that computed them. ``based_on``: the version the admin
    changed; another saved since is a conflict (their change would silently undo it)."""
    current = await in_force(uow, uow.settings.seed_rules)
    if based_on is not None and based_on != current.version:
        raise Conflict(
            f"The rules were changed to version {current.version} after you opened version "
            f"{based_on}; read the rules in force again and make your change on them"
        )
    row = RuleVersion(
        version=current.version + 1,
        rules=rules.as_json(),
        created_by=uow.person.person_id,
        created_at=uow.now,
        reason=reason,
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(row)
    except IntegrityError as exc:
        raise Conflict(
            f"Version {row.version} was saved by someone else a moment ago; read the rules in "
            "force again and make your change on them"
        ) from exc
    uow.session.info[_IN_FORCE] = VersionedRules(row.version, rules)
    return row


async def _newest(uow: UnitOfWork[Any]) -> RuleVersion | None:
    return await uow.session.scalar(
        select(RuleVersion).order_by(RuleVersion.version.desc()).limit(1)
    )


async def _seed(uow: UnitOfWork[Any], seed: RuleSet) -> RuleVersion:
    row = RuleVersion(
        version=1,
        rules=seed.as_json(),
        created_by=SEEDED_BY,
        created_at=uow.now,
        reason=SEED_REASON,
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(row)
    except IntegrityError:
        # Another replica (or request) seeded it first: theirs is version 1.
        stored = await _newest(uow)
        assert stored is not None
        return stored
    return row
