"""Announcing a grant to HR/payroll: ``RewardGranted`` with what payroll books it under (the
person's opaque id, amount and currency, taxable, cost centre, period, reason, approval trail).

Its event id is the grant's id, so a grant is announced once: the outbox row is written in the
transaction that writes the grant, JetStream drops a re-publish of the same id, and payroll can
deduplicate on ``grant_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ideapaja_contracts.events.reward import RewardGranted, RewardKind
from ideapaja_reward.award_settings import AwardSettings
from ideapaja_reward.db.ledger import NewGrant
from ideapaja_reward.db.models import RewardGrant
from ideapaja_reward.domain import amount_from_cents
from ideapaja_runtime.uow import UnitOfWork

DEFAULT_PAYROLL_TIMEZONE = AwardSettings.model_fields["payroll_timezone"].default
AWARD_ORIGIN = "award:"


def payroll_zone(settings: object) -> ZoneInfo:
    """The city's time zone (a test's plain ServiceSettings has none: the default)."""
    name = (
        settings.payroll_timezone
        if isinstance(settings, AwardSettings)
        else DEFAULT_PAYROLL_TIMEZONE
    )
    return ZoneInfo(name)


def period_of(settings: object, instant: datetime) -> str:
    """The payroll period (``YYYY-MM``) of ``instant`` in the city's time."""
    return instant.astimezone(payroll_zone(settings)).strftime("%Y-%m")


def award_id_of(origin: str) -> str | None:
    return origin.removeprefix(AWARD_ORIGIN) if origin.startswith(AWARD_ORIGIN) else None


async def announce_grant(
    uow: UnitOfWork[Any], grant: RewardGrant | NewGrant, reason_code: str | None
) -> None:
    """Publish ``RewardGranted`` for ``grant`` (through the unit of work's outbox)."""
    await uow.publish(granted_event(uow.settings, grant, reason_code), event_id=grant.grant_id)


def granted_event(
    settings: object, grant: RewardGrant | NewGrant, reason_code: str | None
) -> RewardGranted:
    """``RewardGranted`` for ``grant``; published with the grant's id as its event id."""
    return RewardGranted(
        idea_id=grant.idea_id,
        grant_id=grant.grant_id,
        person_id=grant.person_id,
        kind=RewardKind(grant.kind),
        amount=amount_from_cents(grant.amount_cents),
        currency=grant.currency,
        points=grant.points,
        reason=grant.reason,
        reason_code=reason_code,
        taxable=grant.taxable,
        unit_id=grant.unit_id,
        department_id=grant.department_id,
        period=period_of(settings, grant.granted_at),
        approval_trail_id=award_id_of(grant.origin),
        days=grant.days,
    )
