"""Reading erasures, retention and the audit log, as the API shows them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select

from ideapaja_contracts.events.privacy import ErasureBasis
from ideapaja_privacy.db.models import AuditRow, ErasureRow, PersonRow
from ideapaja_privacy.domain.retention import erase_on
from ideapaja_privacy.errors import UnknownPerson
from ideapaja_privacy.schemas import (
    AuditEntryPublic,
    ErasurePublic,
    ErasureStatusPublic,
    RetentionPublic,
)
from ideapaja_privacy.settings import PrivacySettings
from ideapaja_privacy.usecases import erasures
from ideapaja_runtime.pagination import Page, PageRequest, page_of
from ideapaja_runtime.uow import UnitOfWork

T = TypeVar("T")


def erasure_public(row: ErasureRow) -> ErasurePublic:
    return ErasurePublic(
        id=row.erasure_id,
        person_id=row.person_id,
        round=row.erasure_round,
        basis=ErasureBasis(row.basis),
        reason=row.reason,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        hr_record_deleted_at=row.hr_record_deleted_at,
        dead_letters_deleted_at=row.dead_letters_deleted_at,
        dead_letters_deleted=row.dead_letters_deleted,
    )


def retention_public(person: PersonRow, retention_days: int) -> RetentionPublic:
    return RetentionPublic(
        in_service=person.in_service,
        left_on=person.left_on,
        erase_on=(
            erase_on(person.left_on_date, retention_days)
            if person.left_on_date is not None and not person.in_service
            else None
        ),
    )


def audit_public(row: AuditRow) -> AuditEntryPublic:
    return AuditEntryPublic(
        id=row.seq,
        occurred_at=row.occurred_at,
        actor_id=row.actor_id,
        action=row.action,
        person_id=row.person_id,
        details=row.details,
    )


async def list_erasures(uow: UnitOfWork[PrivacySettings], page: PageRequest) -> Page[ErasurePublic]:
    """Erasures, newest first."""
    keys: list[ColumnElement[Any]] = [
        ErasureRow.requested_at.expression,
        ErasureRow.erasure_id.expression,
    ]
    return await _page(uow, select(ErasureRow), keys, page, erasure_public)


async def erasure_status(uow: UnitOfWork[PrivacySettings], person_id: str) -> ErasureStatusPublic:
    """A person's erasure of their current employment, earlier ones, and their retention."""
    person = await uow.session.get(PersonRow, person_id)
    rows = await erasures.erasures_of(uow.session, person_id)
    if person is None and not rows:
        raise UnknownPerson(person_id)
    current_round = person.erasure_round if person is not None else 1
    current = [row for row in rows if row.erasure_round == current_round]
    return ErasureStatusPublic(
        id=person_id,
        erasure=erasure_public(current[0]) if current else None,
        earlier_erasures=[erasure_public(r) for r in rows if r.erasure_round < current_round],
        retention=(
            retention_public(person, uow.settings.retention_days) if person is not None else None
        ),
    )


async def audit_log(
    uow: UnitOfWork[PrivacySettings], page: PageRequest, *, person_id: str | None
) -> Page[AuditEntryPublic]:
    """The audit log, newest first; only about ``person_id`` if given."""
    query = select(AuditRow)
    if person_id is not None:
        query = query.where(AuditRow.person_id == person_id)
    return await _page(uow, query, [AuditRow.seq.expression], page, audit_public)


async def _page(
    uow: UnitOfWork[PrivacySettings],
    query: Select[Any],
    keys: Sequence[ColumnElement[Any]],
    page: PageRequest,
    public: Callable[[Any], T],
) -> Page[T]:
    return await page_of(uow.session, query, keys=keys, page=page, item=public)


async def own_data(uow: UnitOfWork[PrivacySettings], person_id: str) -> dict[str, Any]:
    """What the privacy service itself holds: retention status, erasures, audit entries."""
    person = await uow.session.get(PersonRow, person_id)
    rows = await erasures.erasures_of(uow.session, person_id)
    entries = await erasures.audit_entries(uow.session, person_id)
    return {
        "retention": (
            retention_public(person, uow.settings.retention_days).model_dump(mode="json")
            if person is not None
            else None
        ),
        "erasures": [erasure_public(row).model_dump(mode="json") for row in rows],
        "audit": [audit_public(row).model_dump(mode="json") for row in entries],
    }
