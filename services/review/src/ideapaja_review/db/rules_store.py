"""Stored routing rules, and the rule in force for a unit's ideas (see ``domain/rules.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review.db import audit, org
from ideapaja_review.db.models import RoutingRuleRow
from ideapaja_review.domain.rules import RoutingRule, rule_for


async def stored_rules(session: AsyncSession) -> dict[str, dict[str, Any]]:
    rows = (await session.scalars(select(RoutingRuleRow))).all()
    return {row.department_id: dict(row.rule) for row in rows}


async def rule_for_unit(session: AsyncSession, unit_id: str, base: RoutingRule) -> RoutingRule:
    department_id = await org.department_id_of(session, unit_id)
    return rule_for(department_id, await stored_rules(session), base)


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
