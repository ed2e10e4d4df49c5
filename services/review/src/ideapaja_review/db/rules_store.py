"""Stored routing rules, and the rule in force for a unit's ideas (see ``domain/rules.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review.db import audit, org
from ideapaja_review.db.models import RoutingRuleRow
from ideapaja_review.domain.rules import RoutingRule, rule_for
from ideapaja_runtime import transaction_snapshots

# Read for every case opened (and routed again): built once, read as rows, not ORM objects.
# Saving or deleting a rule flushes (``audit``), so nothing pending is missed without autoflush.
_RULES_TABLE = cast(Table, RoutingRuleRow.__table__)
_RULES = select(_RULES_TABLE.c.department_id, _RULES_TABLE.c.rule)


async def stored_rules(session: AsyncSession) -> dict[str, dict[str, Any]]:
    rows = (await session.execute(_RULES)).all()
    return {department_id: dict(rule) for department_id, rule in rows}


# Routing reads the rules for every case it opens: kept for the transaction until it writes a
# rule (``ideapaja_runtime.transaction_snapshots``).
_SNAPSHOT = transaction_snapshots.kept_until_written("review.rules_snapshot", [_RULES_TABLE])


async def rule_for_unit(session: AsyncSession, unit_id: str, base: RoutingRule) -> RoutingRule:
    department_id = await org.department_id_of(session, unit_id)
    return await rule_for_department(session, department_id, base)


async def rule_for_department(
    session: AsyncSession, department_id: str, base: RoutingRule
) -> RoutingRule:
    rules = await transaction_snapshots.snapshot(session, _SNAPSHOT, stored_rules)
    return rule_for(department_id, rules, base)


async def save_rule(
    session: AsyncSession,
    department_id: str,
    overrides: dict[str, Any],
    *,
    actor_id: str,
    now: datetime,
) -> RoutingRuleRow:
    return await audit.save(
        session,
        RoutingRuleRow,
        {"department_id": department_id},
        {"rule": overrides, "updated_at": now, "updated_by": actor_id},
        audit.Change(actor_id, now, "routing_rule_saved", f"routing_rule:{department_id}"),
        lambda before: {
            "previous": dict(before["rule"]) if before is not None else None,
            "rule": overrides,
        },
    )


async def delete_rule(
    session: AsyncSession, department_id: str, *, actor_id: str, now: datetime
) -> bool:
    return await audit.delete(
        session,
        RoutingRuleRow,
        {"department_id": department_id},
        audit.Change(actor_id, now, "routing_rule_deleted", f"routing_rule:{department_id}"),
        lambda row: {"previous": dict(row.rule)},
    )
